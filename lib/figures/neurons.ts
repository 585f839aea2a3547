/**
 * @module
 * The paper's stacked neuron bars (§10, §11): each neuron's input weights stacked by feature.
 */
import * as d3 from "d3";
import type { NeuronKind } from "../analysis/neurons.ts";
export type { NeuronKind };
import {
  append,
  AXIS_WIDTH,
  createFigure,
  drawPanelRow,
  drawRampLegend,
  drawSwatchLegend,
  formatShort,
  LEGEND_HEIGHT,
  MARGIN,
  newDocument,
  PANEL_SIZE,
  px,
  requireLength,
  requirePanels,
  rowWidth,
  serialize,
  type Swatch,
  TITLE_HEIGHT,
} from "./svg.ts";

/** One panel of {@link neuronBarsFigure}: one model's input weights, neuron by neuron. */
export interface NeuronPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** weights[k][i]: the input weight W₁[j, i] of feature i to the k-th neuron drawn. */
  weights: readonly (readonly number[])[];
  /** Each drawn neuron's kind, marked under its bar. */
  kinds: readonly NeuronKind[];
}

/** Width the neuron kinds' swatch legend needs. */
const KINDS_LEGEND_WIDTH = 340;

/** How each kind of neuron is marked under its bar. */
const NEURON_STYLE: Record<NeuronKind, Swatch> = {
  monosemantic: { label: "monosemantic", color: "#4393c3" },
  polysemantic: { label: "polysemantic", color: "#d6604d" },
  dead: { label: "dead", color: "#e4e4e4" },
};

/**
 * The paper's stacked neuron bars (§10, §11): per neuron, its input weights |W₁[j, i]| stacked
 * by feature, positive weights above the axis and negative ones below, coloured by feature
 * (up to ten features a colour each, else a ramp over log(1 + i) from the most important, 0), with
 * a square under each bar marking the neuron mono- or polysemantic (or dead). One panel per
 * model, all on one vertical scale, labelled left of the first panel.
 */
export function neuronBarsFigure(panels: readonly NeuronPanel[]): string {
  requirePanels(panels, "neuronBarsFigure");
  for (const { title, weights, kinds } of panels) {
    requireLength(kinds.length, weights.length, `${title}: kinds`);
  }
  const features = Math.max(...panels.flatMap((panel) => panel.weights.map((row) => row.length)));
  const neurons = Math.max(...panels.map((panel) => panel.weights.length));
  const categorical = features <= d3.schemeTableau10.length;
  // On log(1 + i), so the most important features, where the neurons are, get most of the ramp.
  const ramp = (i: number): string =>
    d3.interpolateViridis(0.9 * Math.log1p(i) / Math.log1p(Math.max(1, features - 1)));
  const featureColor = (i: number): string => categorical ? d3.schemeTableau10[i] : ramp(i);
  const rows = panels.flatMap((panel) => panel.weights);
  const up = Math.max(1e-12, ...rows.map((row) => d3.sum(row, (w: number) => Math.max(0, w))));
  const down = Math.max(0, ...rows.map((row) => d3.sum(row, (w: number) => Math.max(0, -w))));
  const panelWidth = Math.max(PANEL_SIZE, neurons * 8);
  const barsHeight = PANEL_SIZE;
  const y = d3.scaleLinear([-down, up], [barsHeight, 0]);
  const markTop = barsHeight + 6;

  const document = newDocument();
  const legendTop = TITLE_HEIGHT + markTop + 24;
  const kindsTop = legendTop + (categorical ? 24 : LEGEND_HEIGHT);
  const root = createFigure(
    document,
    Math.max(KINDS_LEGEND_WIDTH, AXIS_WIDTH + rowWidth(panels.length, panelWidth)),
    kindsTop + 24,
  );
  const body = append(root, "g", { transform: `translate(${AXIS_WIDTH},0)` });
  const axis = append(body, "g", { transform: `translate(${MARGIN - 4},${TITLE_HEIGHT})` });
  for (const value of down > 0 ? [up, 0, -down] : [up, 0]) {
    append(axis, "text", { y: px(y(value) + 4), "text-anchor": "end", "font-size": 10 })
      .text(formatShort(value));
  }
  drawPanelRow(body, panels, panelWidth, (group, panel) => {
    const x = d3.scaleBand(d3.range(panel.weights.length), [0, panelWidth]).paddingInner(0.2);
    panel.weights.forEach((row, k) => {
      let above = 0;
      let below = 0;
      row.forEach((w, i) => {
        if (w === 0) return;
        const from = w > 0 ? above : below;
        const to = from + w;
        if (w > 0) above = to;
        else below = to;
        append(group, "rect", {
          class: "weight",
          x: px(x(k)),
          y: px(y(Math.max(from, to))),
          width: px(x.bandwidth()),
          height: px(Math.abs(y(from) - y(to))),
          fill: featureColor(i),
        });
      });
      const mark = Math.min(10, x.bandwidth());
      append(group, "rect", {
        class: `neuron-${panel.kinds[k]}`,
        x: px(x(k) + (x.bandwidth() - mark) / 2),
        y: markTop,
        width: px(mark),
        height: px(mark),
        fill: NEURON_STYLE[panel.kinds[k]].color,
      });
    });
    const zero = px(y(0));
    append(group, "line", { x2: panelWidth, y1: zero, y2: zero, stroke: "black" });
  });
  if (categorical) {
    const swatches = d3.range(features).map((i: number) => ({
      label: i === 0 ? "feature 0" : `${i}`,
      color: featureColor(i),
    }));
    drawSwatchLegend(body, MARGIN, legendTop, swatches);
  } else {
    const label = "feature i (most important first; log(1 + i) scale)";
    drawRampLegend(body, MARGIN, legendTop - 8, label, [0, features - 1], ramp);
  }
  drawSwatchLegend(body, MARGIN, kindsTop, Object.values(NEURON_STYLE));
  return serialize(root);
}
