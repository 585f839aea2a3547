/**
 * @module
 * The paper's stacked neuron bars (§10, §11): each neuron's input weights stacked by feature, and
 * under them the same weights as a feature × neuron heatmap, column by column.
 */
import * as d3 from "d3";
import type { NeuronKind } from "../analysis/neurons.ts";
export type { NeuronKind };
import {
  append,
  createFigure,
  drawPanelRow,
  drawRampLegend,
  drawSwatchLegend,
  formatShort,
  LEGEND_HEIGHT,
  MARGIN,
  newDocument,
  PANEL_GAP,
  PANEL_SIZE,
  px,
  requireLength,
  requirePanels,
  type Selection,
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

/** Options of {@link neuronBarsFigure}. */
export interface NeuronBarsOptions {
  /** What a bar stacks, on its value axis, e.g. "W₁[j, i] (rescaled)". */
  weightLabel?: string;
  /** Panels per row (default: all in one row); each row has its own value axis, labelled. */
  perRow?: number;
}

/** Room left of the first panel for the value axis, the feature axis and their labels. */
const AXIS_ROOM = 58;
/** Width of a neuron's column (bar and gap) where a panel has many neurons, in px. */
const NEURON_WIDTH = 7;
/** Height of the bars, in px. */
const BARS_HEIGHT = PANEL_SIZE;
/** Gap between the bars and the row of neuron-kind marks, and the mark's largest side. */
const MARK_GAP = 6;
const MARK_SIZE = 10;
/** Gap between the marks and the heatmap. */
const HEATMAP_GAP = 10;
/** A heatmap row's height: 14 px for a few features, down to 2 px for a hundred. */
const HEATMAP_ROWS_HEIGHT = 200;
const HEATMAP_ROW_RANGE = [2, 14] as const;
/** Vertical gap between two rows of panels. */
const ROW_GAP = 18;
/** Height of one row of swatches in the legend. */
const SWATCH_ROW = 24;
/** The narrowest figure, so the legends fit beside a single panel. */
const LEGEND_ROW_WIDTH = 360;
/** Least segment height and bar width, in px, at which a segment is labelled with its feature. */
const SEGMENT_LABEL = { height: 12, width: 14 } as const;

/**
 * How each kind of neuron is marked under its bar: shades of grey, so the marks do not read as
 * weights of the blue–red heatmap below them.
 */
const NEURON_STYLE: Record<NeuronKind, Swatch> = {
  monosemantic: { label: "monosemantic", color: "#9a9a9a" },
  polysemantic: { label: "polysemantic", color: "#222222" },
  dead: { label: "dead", color: "#e4e4e4" },
};

/** The bars' colour of each feature i, the legend's entries, and the entry of feature i. */
interface FeatureColors {
  color: (i: number) => string;
  legend: Swatch[];
  entry: (i: number) => number;
}

/**
 * The feature colours of the bars. Up to ten features: one categorical colour each (d3's
 * category10, whose neighbours differ in hue and lightness). More: one colour per band of
 * importance, band b = ⌊log₂(1 + i)⌋ (features 0, 1–2, 3–6, 7–14, …), from dark (most important)
 * to light, since a hundred shades cannot be told apart; the heatmap shows each feature.
 */
function featureColors(features: number): FeatureColors {
  if (features <= d3.schemeCategory10.length) {
    const color = (i: number) => d3.schemeCategory10[i];
    const legend = d3.range(features).map((i: number) => ({
      label: i === 0 ? "feature 0" : `${i}`,
      color: color(i),
    }));
    return { color, legend, entry: (i) => i };
  }
  const band = (i: number) => Math.floor(Math.log2(1 + i));
  const bands = band(features - 1) + 1;
  const color = (i: number) => d3.interpolateViridis(0.92 * band(i) / (bands - 1));
  const legend = d3.range(bands).map((b: number) => {
    const [first, last] = [2 ** b - 1, Math.min(features, 2 ** (b + 1) - 1) - 1];
    const range = first === last ? `${first}` : `${first}–${last}`;
    return { label: b === 0 ? `feature ${range}` : range, color: color(first) };
  });
  return { color, legend, entry: band };
}

/** A d3 linear scale (d3 ships without types here, so it is untyped). */
// deno-lint-ignore no-explicit-any
type Scale = any;

/** A text colour readable on `fill`: black on light colours, white on dark ones. */
function textOn(fill: string): string {
  return d3.hsl(fill).l > 0.55 ? "black" : "white";
}

/** Draws a rotated axis label centred at (x, y). */
function drawAxisLabel(parent: Selection, x: number, y: number, text: string): void {
  append(parent, "text", {
    transform: `translate(${px(x)},${px(y)}) rotate(-90)`,
    "text-anchor": "middle",
    "font-size": 11,
  }).text(text);
}

/** Where a row of panels puts its parts, in px from the row's top; shared by every row. */
interface RowLayout {
  panelWidth: number;
  /** Top of the neuron-kind marks. */
  markTop: number;
  /** Top of the heatmap, and the height of one of its rows (a feature). */
  heatTop: number;
  heatRow: number;
  features: number;
}

/** Where the stacked segments of a bar go: feature i from `from` to `to` (W₁[j, i] = to − from). */
function stackSegments(weights: readonly number[]): { i: number; from: number; to: number }[] {
  let above = 0;
  let below = 0;
  return weights.flatMap((w, i) => {
    if (w === 0) return [];
    const from = w > 0 ? above : below;
    if (w > 0) above += w;
    else below += w;
    return [{ i, from, to: from + w }];
  });
}

/** Draws a row's value axis (round ticks of `y`) and its feature axis, left of the first panel. */
function drawRowAxes(block: Selection, y: Scale, layout: RowLayout, weightLabel: string): void {
  const tickLabel = (parent: Selection, at: number, text: string) =>
    append(parent, "text", { x: AXIS_ROOM - 6, y: px(at + 3.5), "text-anchor": "end" })
      .attr("font-size", 10).text(text);
  const axis = append(block, "g", { class: "value-axis" });
  for (const value of y.ticks(5)) {
    const at = px(y(value));
    append(axis, "line", { x1: AXIS_ROOM - 4, x2: AXIS_ROOM, y1: at, y2: at, stroke: "black" });
    tickLabel(axis, at, formatShort(value));
  }
  const [bottom, top] = y.range();
  append(axis, "line", { x1: AXIS_ROOM, x2: AXIS_ROOM, y1: bottom, y2: top, stroke: "black" });
  drawAxisLabel(axis, 12, (top + bottom) / 2, `${weightLabel}, stacked`);
  const { features, heatTop, heatRow } = layout;
  const featureAxis = append(block, "g", { class: "feature-axis" });
  for (const i of features <= 10 ? d3.range(features) : d3.range(0, features, 20)) {
    tickLabel(featureAxis, heatTop + (i + 0.5) * heatRow, String(i));
  }
  drawAxisLabel(featureAxis, 12, heatTop + features * heatRow / 2, "feature i");
}

/** Draws one panel: its bars on `y`, the neurons' kind marks, and its heatmap in `heatColor`. */
function drawNeuronPanel(
  group: Selection,
  panel: NeuronPanel,
  layout: RowLayout,
  y: Scale,
  colors: FeatureColors,
  heatColor: (w: number) => string,
): void {
  const { panelWidth, markTop, heatTop, heatRow, features } = layout;
  const x = d3.scaleBand(d3.range(panel.weights.length), [0, panelWidth]).paddingInner(0.2);
  const width = px(x.bandwidth());
  const labelled = x.bandwidth() >= SEGMENT_LABEL.width;
  panel.weights.forEach((weights, k) => {
    const left = px(x(k));
    for (const { i, from, to } of stackSegments(weights)) {
      const fill = colors.color(i);
      const height = Math.abs(y(from) - y(to));
      append(group, "rect", {
        class: "weight",
        x: left,
        y: px(y(Math.max(from, to))),
        width,
        height: px(height),
        fill,
      });
      if (labelled && height >= SEGMENT_LABEL.height) {
        append(group, "text", {
          class: "segment-label",
          x: px(x(k) + x.bandwidth() / 2),
          y: px(y((from + to) / 2) + 3.5),
          "text-anchor": "middle",
          "font-size": 9,
          fill: textOn(fill),
        }).text(String(i));
      }
      append(group, "rect", {
        class: "heatmap-cell",
        x: left,
        y: px(heatTop + i * heatRow),
        width,
        height: heatRow,
        fill: heatColor(to - from),
      });
    }
    const mark = Math.min(MARK_SIZE, x.bandwidth());
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
  append(group, "rect", {
    class: "heatmap-frame",
    y: heatTop,
    width: panelWidth,
    height: features * heatRow,
    fill: "none",
    stroke: "#dddddd",
  });
}

/**
 * The heatmap's colour of W₁[j, i]: red < 0, white 0, blue > 0, on a symmetric scale that
 * saturates at the median neuron's largest |W₁[j, i]| (rounded up), so that the few largest
 * weights do not wash out the rest; `clamped` says whether any weight lies beyond it.
 */
function heatmapScale(panels: readonly NeuronPanel[]) {
  const largest = panels.flatMap((panel) =>
    panel.weights.map((row) => Math.max(0, ...row.map(Math.abs)))
  );
  const typical = Math.max(1e-12, d3.median(largest) ?? 0);
  const limit: number = d3.scaleLinear().domain([0, typical]).nice(4).domain()[1];
  const color = d3.scaleDiverging([-limit, 0, limit], d3.interpolateRdBu).clamp(true);
  return { color: (w: number): string => color(w), limit, clamped: Math.max(...largest) > limit };
}

/**
 * The paper's stacked neuron bars (§10, §11) over a feature × neuron heatmap of the same weights.
 * Per neuron (a bar, and the heatmap's column below it), its input weights W₁[j, i] stacked by
 * feature, positive above the axis and negative below, coloured by feature ({@link featureColors})
 * and labelled with the feature where the segment is large enough; a grey or black square under
 * the bar marks the neuron mono- or polysemantic (light grey: dead). The heatmap has a row per
 * feature (most important at the top), coloured by {@link heatmapScale}, one scale for the whole
 * figure. Panels are laid out `perRow` to a row; the panels of a row share a value axis with
 * round limits, labelled on the left, and a note says so where there are several rows. Legends
 * list only the features and kinds that appear.
 */
export function neuronBarsFigure(
  panels: readonly NeuronPanel[],
  options: NeuronBarsOptions = {},
): string {
  requirePanels(panels, "neuronBarsFigure");
  for (const { title, weights, kinds } of panels) {
    requireLength(kinds.length, weights.length, `${title}: kinds`);
  }
  const weightLabel = options.weightLabel ?? "W[j, i]";
  const perRow = options.perRow ?? panels.length;
  const features = Math.max(...panels.flatMap((panel) => panel.weights.map((row) => row.length)));
  const neurons = Math.max(...panels.map((panel) => panel.weights.length));
  const colors = featureColors(features);
  const heatmap = heatmapScale(panels);
  const [fewest, most] = HEATMAP_ROW_RANGE;
  const markTop = TITLE_HEIGHT + BARS_HEIGHT + MARK_GAP;
  const layout: RowLayout = {
    panelWidth: Math.max(PANEL_SIZE, neurons * NEURON_WIDTH),
    markTop,
    heatTop: markTop + MARK_SIZE + HEATMAP_GAP,
    heatRow: Math.min(most, Math.max(fewest, Math.floor(HEATMAP_ROWS_HEIGHT / features))),
    features,
  };
  const rowHeight = layout.heatTop + features * layout.heatRow + ROW_GAP;
  const rows = d3.range(0, panels.length, perRow).map((start: number) =>
    panels.slice(start, start + perRow)
  );
  const columns = Math.min(perRow, panels.length);
  const width = AXIS_ROOM + columns * layout.panelWidth + (columns - 1) * PANEL_GAP + MARGIN;
  const legendTop = rows.length * rowHeight;
  const note = rows.length > 1 ? SWATCH_ROW : 0;
  const document = newDocument();
  const root = createFigure(
    document,
    Math.max(LEGEND_ROW_WIDTH, width),
    legendTop + 2 * SWATCH_ROW + LEGEND_HEIGHT + note,
  );
  rows.forEach((row: readonly NeuronPanel[], r: number) => {
    const block = append(root, "g", { transform: `translate(0,${r * rowHeight})` });
    const neuronsOfRow = row.flatMap((panel) => panel.weights);
    const stack = (sign: number) =>
      Math.max(0, ...neuronsOfRow.map((ws) => d3.sum(ws, (w: number) => Math.max(0, sign * w))));
    // Round limits at a fine step, so a stack of 1.0006 does not stretch the axis to 1.5.
    const y = d3.scaleLinear([-stack(-1), Math.max(1e-12, stack(1))], [
      markTop - MARK_GAP,
      TITLE_HEIGHT,
    ])
      .nice(10);
    drawRowAxes(block, y, layout, weightLabel);
    const panelsGroup = append(block, "g", { transform: `translate(${AXIS_ROOM - MARGIN},0)` });
    drawPanelRow(panelsGroup, row, layout.panelWidth, (group, panel) => {
      // drawPanelRow's group starts below the title; the layout's coordinates include it.
      const shifted = append(group, "g", { transform: `translate(0,${-TITLE_HEIGHT})` });
      drawNeuronPanel(shifted, panel, layout, y, colors, heatmap.color);
    });
  });
  const usedFeatures = new Set(
    panels.flatMap((panel) => panel.weights.flatMap((row) => row.flatMap((w, i) => w ? [i] : []))),
  );
  const usedEntries = new Set([...usedFeatures].map(colors.entry));
  const kinds = (Object.keys(NEURON_STYLE) as NeuronKind[])
    .filter((kind) => panels.some((panel) => panel.kinds.includes(kind)));
  const legend = append(root, "g", { transform: `translate(${AXIS_ROOM - MARGIN},${legendTop})` });
  drawSwatchLegend(legend, MARGIN, 0, colors.legend.filter((_, index) => usedEntries.has(index)));
  drawSwatchLegend(legend, MARGIN, SWATCH_ROW, kinds.map((kind) => NEURON_STYLE[kind]));
  const clamp = heatmap.clamped ? `; clamped at ±${formatShort(heatmap.limit)}` : "";
  drawRampLegend(
    legend,
    MARGIN,
    2 * SWATCH_ROW,
    `heatmap: ${weightLabel} (blue > 0, red < 0${clamp})`,
    [-heatmap.limit, heatmap.limit],
    heatmap.color,
  );
  if (note > 0) {
    append(legend, "text", { class: "note", x: MARGIN, y: 2 * SWATCH_ROW + LEGEND_HEIGHT + 12 })
      .text("Each row of panels has its own value axis: compare bar heights within a row.");
  }
  return serialize(root);
}
