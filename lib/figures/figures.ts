/**
 * @module
 * The paper's figures as standalone SVG strings, rendered headless from plain arrays:
 * d3 + linkedom for the bespoke geometry (feature directions, WᵀW heatmaps, ‖W_i‖ bars) and
 * Observable Plot + linkedom for charts with axes (phase diagrams, sweeps). Every figure uses
 * the font "DejaVu Sans" and a white background, so renders are the same on every machine.
 * Output depends only on the input: equal input gives byte-identical SVG.
 */

import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import { parseHTML } from "linkedom";
import type { NeuronKind } from "../analysis/neurons.ts";
import type { ExtraFeaturePhase } from "../analysis/theory.ts";

// ---------------------------------------------------------------- panel data types

/** One panel of {@link featureDirectionsFigure}: n feature directions in a 2-D hidden space. */
export interface DirectionsPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** W_i ∈ R² for each feature i (the columns of the 2×n weight matrix W), as [x, y]. */
  directions: readonly (readonly [number, number])[];
  /** The value that sets each feature's colour (its importance I_i, or its density p_i). */
  shade: readonly number[];
}

/** One panel of {@link gramHeatmapFigure}: one trained model's WᵀW and bias. */
export interface GramPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** The n×n matrix WᵀW, row-major: gram[i][j] = W_i·W_j. */
  gram: readonly (readonly number[])[];
  /** The bias b ∈ R^n, drawn as a strip beside the matrix (none when absent). */
  bias?: readonly number[];
}

/** One panel of {@link featureNormBarsFigure}: per-feature norms and superposition. */
export interface NormBarsPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** ‖W_i‖ for each feature i (bar length). */
  norms: readonly number[];
  /** Σ_{j≠i} (Ŵ_i·W_j)² for each feature i, with Ŵ_i = W_i/‖W_i‖ (bar colour, clamped to 0..1). */
  superposition: readonly number[];
}

/** One panel of {@link neuronBarsFigure}: one model's input weights, neuron by neuron. */
export interface NeuronPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** weights[k][i]: the input weight W₁[j, i] of feature i to the k-th neuron drawn. */
  weights: readonly (readonly number[])[];
  /** Each drawn neuron's kind, marked under its bar. */
  kinds: readonly NeuronKind[];
}

/** What {@link motifFigure} draws: two features, two neurons and the weights between them. */
export interface MotifDiagram {
  /** Names of the two features (inputs and outputs), e.g. "feature 3". */
  features: readonly [string, string];
  /** Names of the two neurons. */
  neurons: readonly [string, string];
  /** input[j][f]: the weight W₁ from feature f to neuron j. */
  input: readonly (readonly [number, number])[];
  /** output[f][j]: the weight W₂ from neuron j to output f. */
  output: readonly (readonly [number, number])[];
  /** A line under the diagram, e.g. the density and what the motif does. */
  note: string;
}

/** What becomes of the extra feature in the phase diagrams (paper §5; lib/analysis/theory.ts). */
export type Phase = ExtraFeaturePhase;

/** A point of a phase boundary: relative importance r and density p = 1 − S. */
export interface PhasePoint {
  r: number;
  p: number;
}

/** One panel of {@link phaseDiagramFigure}: a grid of phases over (r, p). */
export interface PhasePanel {
  /** Panel title, e.g. "empirical" or "theory". */
  title: string;
  /** Relative importance r of the extra feature at each grid column, ascending (log axis). */
  importance: readonly number[];
  /** Density p = 1 − S at each grid row (log axis). */
  density: readonly number[];
  /** phases[row][column]: the extra feature's phase at (importance[column], density[row]). */
  phases: readonly (readonly Phase[])[];
  /** Optional boundary curves drawn over the cells, each a polyline. */
  boundaries?: readonly (readonly PhasePoint[])[];
}

/** One series of {@link xyChart}: a line through its points, or a dot at each. */
export interface XySeries {
  /** Legend entry (a legend is drawn when there are two or more series). */
  name: string;
  points: readonly { x: number; y: number }[];
  mark: "line" | "dot";
}

/** Options of {@link xyChart}. */
export interface XyChartOptions {
  title?: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis (default false). */
  logX?: boolean;
  /** Logarithmic y axis (default false). */
  logY?: boolean;
  series: readonly XySeries[];
  /** Horizontal reference lines, each labelled at the right end (e.g. y = 1/2, "digon"). */
  rules?: readonly { y: number; label: string }[];
  /** Plot area with axes, in pixels (defaults 640 × 400). */
  width?: number;
  height?: number;
}

// ---------------------------------------------------------------- shared drawing pieces

const FONT_FAMILY = "DejaVu Sans";
const SVG_NAMESPACE = "http://www.w3.org/2000/svg";
const MARGIN = 16;
const TITLE_HEIGHT = 24;
const PANEL_SIZE = 160;
const PANEL_GAP = 28;
const LEGEND_WIDTH = 220;
const LEGEND_HEIGHT = 48;
/** The id of a figure's colour-ramp gradient (unique within one standalone figure). */
const LEGEND_GRADIENT_ID = "legend-ramp";
const FAINT = "#bbbbbb";
/** Room left of a figure's first panel for its value axis labels. */
const AXIS_WIDTH = 28;
/** Width the neuron kinds' swatch legend needs. */
const KINDS_LEGEND_WIDTH = 340;

/** How each phase is drawn, as in the paper: blue = dedicated (orthogonal), red = superposed. */
const PHASE_STYLE: Record<Phase, Swatch> = {
  not_learned: { label: "not learned", color: "#e4e4e4" },
  superposition: { label: "superposition", color: "#d6604d" },
  dedicated: { label: "dedicated dimension", color: "#4393c3" },
};

/** The slice of an SVG element this module touches; linkedom provides it. */
interface SvgNode {
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  outerHTML: string;
}

/** The slice of a DOM document this module touches. */
interface HeadlessDocument {
  createElementNS(namespace: string, name: string): SvgNode;
}

/** A d3 selection (d3 ships without types here, so it is untyped). */
// deno-lint-ignore no-explicit-any
type Selection = any;

/** A legend entry: a colour and what it means. */
interface Swatch {
  label: string;
  color: string;
}

/** Formats a number with at most 2 significant digits, no trailing zeros, a true minus sign. */
function formatShort(value: number): string {
  return String(Number(value.toPrecision(2))).replace("-", "−");
}

/** Rounds a pixel coordinate to 0.01 px, which keeps the SVG small. */
function px(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The panel title for a feature density p = 1 − S, e.g. `1−S = 0.05`. */
export function densityLabel(density: number): string {
  return `1−S = ${formatShort(density)}`;
}

/** An SVG element's attributes by name. */
type Attributes = Record<string, string | number>;

/** Sets the given attributes on a selection; returns it. */
function setAttributes(selection: Selection, attributes: Attributes): Selection {
  for (const [name, value] of Object.entries(attributes)) selection.attr(name, value);
  return selection;
}

/** Appends a `tag` element with the given attributes to `parent`; returns it. */
function append(parent: Selection, tag: string, attributes: Attributes): Selection {
  return setAttributes(parent.append(tag), attributes);
}

function newDocument(): HeadlessDocument {
  const window = parseHTML("<html><body></body></html>") as unknown as {
    document: HeadlessDocument;
  };
  return window.document;
}

/**
 * A blank standalone figure (namespace, font, white background) of the given size, as a d3
 * selection of its SVG root.
 */
function createFigure(document: HeadlessDocument, width: number, height: number): Selection {
  const root = setAttributes(d3.select(document.createElementNS(SVG_NAMESPACE, "svg")), {
    xmlns: SVG_NAMESPACE,
    width: px(width),
    height: px(height),
    viewBox: `0 0 ${px(width)} ${px(height)}`,
    "font-family": FONT_FAMILY,
    "font-size": 12,
  });
  append(root, "rect", { width: "100%", height: "100%", fill: "white" });
  return root;
}

function serialize(root: Selection): string {
  return root.node().outerHTML;
}

function drawTitle(parent: Selection, x: number, y: number, text: string): void {
  const attributes = { x: px(x), y: px(y), "text-anchor": "middle", "font-weight": "bold" };
  append(parent, "text", { ...attributes, "font-size": 13 }).text(text);
}

/**
 * Draws a horizontal colour-ramp legend at (x, y): its label above, the ramp, and the ends of
 * `domain` below; `color` maps a value in `domain` to a CSS colour.
 */
function drawRampLegend(
  parent: Selection,
  x: number,
  y: number,
  label: string,
  domain: readonly [number, number],
  color: (value: number) => string,
): void {
  const [low, high] = domain;
  const gradient = append(append(parent, "defs", {}), "linearGradient", { id: LEGEND_GRADIENT_ID });
  for (const offset of d3.range(0, 1.0001, 0.1)) {
    const stopColor = color(low + offset * (high - low));
    append(gradient, "stop", { offset: offset.toFixed(1), "stop-color": stopColor });
  }
  const legend = append(parent, "g", { class: "legend", transform: `translate(${x},${y})` });
  append(legend, "text", { y: 10 }).text(label);
  append(legend, "rect", {
    y: 16,
    width: LEGEND_WIDTH,
    height: 10,
    fill: `url(#${LEGEND_GRADIENT_ID})`,
  });
  append(legend, "text", { y: 40 }).text(formatShort(low));
  append(legend, "text", { x: LEGEND_WIDTH, y: 40, "text-anchor": "end" }).text(formatShort(high));
}

/** Draws a row of colour swatches at (x, y), each followed by its label. */
function drawSwatchLegend(parent: Selection, x: number, y: number, swatches: Swatch[]): void {
  const legend = append(parent, "g", { class: "legend", transform: `translate(${x},${y})` });
  let offset = 0;
  for (const { label, color } of swatches) {
    append(legend, "rect", { x: offset, width: 12, height: 12, fill: color });
    append(legend, "text", { x: offset + 17, y: 10.5 }).text(label);
    offset += 17 + label.length * 7 + 18; // about 7 px per character at 12 px
  }
}

/**
 * Draws a row of titled panels `panelWidth` wide; `draw` fills each panel's group, whose
 * origin is the panel's top-left corner below the title.
 */
function drawPanelRow<Panel extends { title: string }>(
  root: Selection,
  panels: readonly Panel[],
  panelWidth: number,
  draw: (group: Selection, panel: Panel) => void,
): void {
  panels.forEach((panel, index) => {
    const left = MARGIN + index * (panelWidth + PANEL_GAP);
    drawTitle(root, left + panelWidth / 2, TITLE_HEIGHT - 6, panel.title);
    draw(
      append(root, "g", { class: "panel", transform: `translate(${left},${TITLE_HEIGHT})` }),
      panel,
    );
  });
}

/** Width of a figure holding a row of panels (at least wide enough for a legend). */
function rowWidth(panelCount: number, panelWidth: number): number {
  const panels = panelCount * panelWidth + (panelCount - 1) * PANEL_GAP;
  return 2 * MARGIN + Math.max(panels, LEGEND_WIDTH);
}

function requirePanels(panels: readonly unknown[], figure: string): void {
  if (panels.length === 0) throw new Error(`${figure}: no panels`);
}

function requireLength(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what} has length ${actual}, expected ${expected}`);
}

/** Plot options for a labelled axis; log axes label their ticks with {@link formatShort}. */
function axisOptions(log: boolean, label: string, tickSuffix = ""): Plot.ScaleOptions {
  if (!log) return { type: "linear", label, labelAnchor: "center" };
  // Below 10⁻³ in powers of ten ("1e−5"), which stay as narrow as the tick labels above them.
  const tickFormat = (value: number) =>
    (value > 0 && value < 1e-3 ? value.toExponential(0).replace("-", "−") : formatShort(value)) +
    tickSuffix;
  return { type: "log", label, labelAnchor: "center", tickFormat };
}

/**
 * Puts a Plot chart into a standalone figure with an optional title above and an optional
 * swatch legend below.
 */
function frameChart(
  document: HeadlessDocument,
  chart: SvgNode,
  title: string | undefined,
  swatches: Swatch[],
): string {
  const chartWidth = Number(chart.getAttribute("width"));
  const chartHeight = Number(chart.getAttribute("height"));
  const top = title === undefined ? 0 : TITLE_HEIGHT + 4;
  const legendHeight = swatches.length === 0 ? 0 : 28;
  const root = createFigure(document, chartWidth, top + chartHeight + legendHeight);
  if (title !== undefined) drawTitle(root, chartWidth / 2, TITLE_HEIGHT - 4, title);
  setAttributes(root.append(() => chart), { y: top, "font-family": FONT_FAMILY, "font-size": 12 });
  if (swatches.length > 0) drawSwatchLegend(root, MARGIN, top + chartHeight + 8, swatches);
  return serialize(root);
}

// ---------------------------------------------------------------- figures

/**
 * Small multiples of feature directions in a 2-D hidden space (the paper's intro figure):
 * each feature i is a line from the origin to W_i with a dot at the tip, coloured by its `shade`
 * over a faint unit circle. With a string `legend`, shade is a value (darker = higher; the intro
 * colours by importance I_i) under a ramp legend of that title; with a list of names, shade is
 * the index of the feature's category (e.g. its correlated set), under a swatch legend. All
 * panels share one scale, on which max(1, max‖W_i‖) reaches the panel's edge.
 */
export function featureDirectionsFigure(
  panels: readonly DirectionsPanel[],
  legend: string | readonly string[] = "importance Iᵢ",
): string {
  requirePanels(panels, "featureDirectionsFigure");
  for (const { title, directions, shade } of panels) {
    requireLength(shade.length, directions.length, `${title}: shade`);
  }
  const [lowest, highest] = d3.extent(panels.flatMap((panel) => panel.shade));
  // Viridis from yellow-green (lowest) to dark purple (highest).
  const ramp = d3.scaleSequential(
    lowest < highest ? [lowest, highest] : [0, highest],
    (t: number) => d3.interpolateViridis(0.85 * (1 - t)),
  );
  const categoryColor = (category: number): string =>
    d3.schemeTableau10[category % d3.schemeTableau10.length];
  const shadeColor = typeof legend === "string" ? ramp : categoryColor;
  const norms = panels.flatMap((panel) => panel.directions.map(([x, y]) => Math.hypot(x, y)));
  const half = PANEL_SIZE / 2;
  const scale = (half - 6) / Math.max(1, ...norms);

  const document = newDocument();
  const legendTop = TITLE_HEIGHT + PANEL_SIZE + 12;
  const root = createFigure(
    document,
    rowWidth(panels.length, PANEL_SIZE),
    legendTop + LEGEND_HEIGHT,
  );
  drawPanelRow(root, panels, PANEL_SIZE, (group, panel) => {
    const origin = append(group, "g", { transform: `translate(${half},${half})` });
    append(origin, "circle", { class: "unit-circle", r: px(scale), fill: "none", stroke: FAINT });
    // Lowest first, so the highest (the most important features) are drawn on top.
    const order = d3.range(panel.directions.length)
      .sort((a: number, b: number) => panel.shade[a] - panel.shade[b] || b - a);
    for (const i of order) {
      const [x, y] = panel.directions[i];
      const color = shadeColor(panel.shade[i]);
      const tip = { x: px(x * scale), y: px(-y * scale) };
      append(origin, "line", {
        class: "feature",
        x2: tip.x,
        y2: tip.y,
        stroke: color,
        "stroke-width": 2,
      });
      append(origin, "circle", { class: "feature-tip", cx: tip.x, cy: tip.y, r: 3.5, fill: color });
    }
  });
  if (typeof legend === "string") {
    drawRampLegend(root, MARGIN, legendTop, legend, ramp.domain(), ramp);
  } else {
    const swatches = legend.map((label, category) => ({ label, color: categoryColor(category) }));
    drawSwatchLegend(root, MARGIN, legendTop + 8, swatches);
  }
  return serialize(root);
}

/**
 * Heatmaps of an n×n matrix per model, by default WᵀW (entry (i, j) = W_i·W_j), each with its
 * bias b as a column strip on the right when given. Diverging colour scale centred at 0, clamped
 * to −1..1 (red negative, white 0, blue positive). `label` names the matrix.
 */
export function gramHeatmapFigure(panels: readonly GramPanel[], label = "WᵀW"): string {
  requirePanels(panels, "gramHeatmapFigure");
  const color = d3.scaleDiverging([-1, 0, 1], d3.interpolateRdBu).clamp(true).unknown("#888888");
  const mostFeatures = Math.max(...panels.map((panel) => panel.gram.length));
  const withBias = panels.some((panel) => panel.bias !== undefined);
  const stripLeft = PANEL_SIZE + 6;
  const stripWidth = withBias ? Math.max(PANEL_SIZE / mostFeatures, 8) : 0;
  const panelWidth = withBias ? stripLeft + stripWidth : PANEL_SIZE;

  const document = newDocument();
  const legendTop = TITLE_HEIGHT + PANEL_SIZE + 28;
  const root = createFigure(
    document,
    rowWidth(panels.length, panelWidth),
    legendTop + LEGEND_HEIGHT,
  );
  drawPanelRow(root, panels, panelWidth, (group, panel) => {
    const n = panel.gram.length;
    if (panel.bias !== undefined) requireLength(panel.bias.length, n, `${panel.title}: bias`);
    const cell = px(PANEL_SIZE / n);
    group.attr("shape-rendering", "crispEdges");
    panel.gram.forEach((row, i) => {
      requireLength(row.length, n, `${panel.title}: WᵀW row ${i}`);
      row.forEach((value, j) => {
        const position = { x: px(j * cell), y: px(i * cell) };
        append(group, "rect", {
          class: "gram-cell",
          ...position,
          width: cell,
          height: cell,
          fill: color(value),
        });
      });
    });
    panel.bias?.forEach((value, i) => {
      const position = { x: px(stripLeft), y: px(i * cell) };
      append(group, "rect", {
        class: "bias-cell",
        ...position,
        width: px(stripWidth),
        height: cell,
        fill: color(value),
      });
    });
    const under = { y: PANEL_SIZE + 16, "text-anchor": "middle" };
    append(group, "text", { ...under, x: PANEL_SIZE / 2 }).text(label);
    if (panel.bias !== undefined) {
      append(group, "text", { ...under, x: px(stripLeft + stripWidth / 2) }).text("b");
    }
  });
  drawRampLegend(root, MARGIN, legendTop, withBias ? `${label} and b` : label, [-1, 1], color);
  return serialize(root);
}

/**
 * Horizontal bars of ‖W_i‖ per feature i (feature 0 at the top), one panel per model, each
 * bar coloured by its superposition Σ_{j≠i} (Ŵ_i·W_j)² on 0..1: dark = orthogonal to all
 * other features, yellow = superposed. A faint dashed line marks ‖W_i‖ = 1.
 */
export function featureNormBarsFigure(panels: readonly NormBarsPanel[]): string {
  requirePanels(panels, "featureNormBarsFigure");
  // Inferno from black (0) to yellow (1), stopping short of its palest end.
  const color = d3.scaleSequential([0, 1], (t: number) => d3.interpolateInferno(0.9 * t)).clamp(
    true,
  );
  const longest = Math.max(1, ...panels.flatMap((panel) => panel.norms));
  const x = d3.scaleLinear([0, longest * 1.05], [0, PANEL_SIZE]);
  const mostFeatures = Math.max(...panels.map((panel) => panel.norms.length));
  const barsHeight = Math.min(PANEL_SIZE, mostFeatures * 16);

  const document = newDocument();
  const legendTop = TITLE_HEIGHT + barsHeight + 44;
  const root = createFigure(
    document,
    rowWidth(panels.length, PANEL_SIZE),
    legendTop + LEGEND_HEIGHT,
  );
  drawPanelRow(root, panels, PANEL_SIZE, (group, panel) => {
    requireLength(panel.superposition.length, panel.norms.length, `${panel.title}: superposition`);
    const y = d3.scaleBand(d3.range(panel.norms.length), [0, barsHeight]).paddingInner(0.15);
    panel.norms.forEach((norm, i) => {
      const bar = { y: px(y(i)), width: px(x(norm)), height: px(y.bandwidth()) };
      append(group, "rect", { class: "norm-bar", ...bar, fill: color(panel.superposition[i]) });
    });
    append(group, "line", { y2: barsHeight, stroke: "black" });
    const unit = px(x(1));
    append(group, "line", {
      x1: unit,
      x2: unit,
      y2: barsHeight,
      stroke: FAINT,
      "stroke-dasharray": "3,3",
    });
    const label = { y: barsHeight + 14, "text-anchor": "middle" };
    append(group, "text", { ...label, x: 0 }).text("0");
    append(group, "text", { ...label, x: unit }).text("1");
    append(group, "text", { ...label, x: PANEL_SIZE / 2, y: barsHeight + 28 }).text("‖Wᵢ‖");
  });
  drawRampLegend(root, MARGIN, legendTop, "superposition Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)²", [0, 1], color);
  return serialize(root);
}

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

/**
 * A two-layer circuit: two input features on the left, two neurons in the middle, the two
 * outputs on the right, an edge per non-zero weight, blue for positive and red for negative,
 * as wide as |w| (relative to the largest) and labelled with w. The paper draws its asymmetric
 * superposition motif (§11) this way.
 */
export function motifFigure(diagram: MotifDiagram): string {
  const width = 620;
  const height = 250;
  const column = [150, width / 2, width - 150];
  const row = [70, 190];
  const largest = Math.max(1e-12, ...[...diagram.input, ...diagram.output].flat().map(Math.abs));
  const document = newDocument();
  const root = createFigure(document, width, height + 30);
  const edge = (x1: number, y1: number, x2: number, y2: number, w: number, at: number) => {
    if (w === 0) return;
    append(root, "line", {
      class: "weight",
      x1,
      y1,
      x2,
      y2,
      stroke: w > 0 ? PHASE_STYLE.dedicated.color : PHASE_STYLE.superposition.color,
      "stroke-width": px(1 + 7 * Math.abs(w) / largest),
    });
    const label = { x: px(x1 + at * (x2 - x1)), y: px(y1 + at * (y2 - y1) - 8) };
    append(root, "text", { ...label, "text-anchor": "middle", "font-size": 11 })
      .text(formatShort(w));
  };
  for (let j = 0; j < 2; j++) {
    for (let f = 0; f < 2; f++) {
      edge(column[0], row[f], column[1], row[j], diagram.input[j][f], 0.25);
      edge(column[1], row[j], column[2], row[f], diagram.output[f][j], 0.75);
    }
  }
  const node = (
    x: number,
    y: number,
    label: string,
    side: "left" | "right" | "above" | "below",
  ) => {
    append(root, "circle", { cx: x, cy: y, r: 16, fill: "white", stroke: "black" });
    const at = {
      left: { x: x - 22, y: y + 4, "text-anchor": "end" },
      right: { x: x + 22, y: y + 4, "text-anchor": "start" },
      above: { x, y: y - 24, "text-anchor": "middle" },
      below: { x, y: y + 34, "text-anchor": "middle" },
    }[side];
    append(root, "text", at).text(label);
  };
  diagram.features.forEach((name, f) => {
    node(column[0], row[f], `${name} in`, "left");
    node(column[2], row[f], `${name} out`, "right");
  });
  diagram.neurons.forEach((name, j) => node(column[1], row[j], name, j === 0 ? "above" : "below"));
  const heading = { y: 20, "font-weight": "bold", "text-anchor": "middle" };
  append(root, "text", { ...heading, x: (column[0] + column[1]) / 2 }).text("W₁");
  append(root, "text", { ...heading, x: (column[1] + column[2]) / 2 }).text("W₂");
  append(root, "text", { x: width / 2, y: height + 16, "text-anchor": "middle" })
    .text(diagram.note);
  return serialize(root);
}

/** Cell edges on a log axis: geometric midpoints between neighbours, mirrored at the ends. */
function logCellEdges(centers: readonly number[]): number[] {
  if (centers.length === 1) return [centers[0] / 2, centers[0] * 2];
  const inner = d3.range(1, centers.length).map((i: number) =>
    Math.sqrt(centers[i - 1] * centers[i])
  );
  const last = centers.length - 1;
  return [centers[0] ** 2 / inner[0], ...inner, centers[last] ** 2 / inner[inner.length - 1]];
}

/**
 * Phase diagrams of the extra feature over relative importance r (log x, e.g. 0.1–10) and
 * density p = 1 − S (log y, 1 at the top down to e.g. 0.01): one panel per grid (say empirical
 * and theoretical, side by side), cells coloured by phase, optional boundary curves on top.
 */
export function phaseDiagramFigure(panels: readonly PhasePanel[]): string {
  requirePanels(panels, "phaseDiagramFigure");
  const cells = panels.flatMap((panel) => {
    requireLength(panel.phases.length, panel.density.length, `${panel.title}: phases`);
    const xEdges = logCellEdges(panel.importance);
    const yEdges = logCellEdges(panel.density);
    return panel.phases.flatMap((row, rowIndex) => {
      requireLength(row.length, panel.importance.length, `${panel.title}: phases[${rowIndex}]`);
      return row.map((phase, column) => ({
        panel: panel.title,
        phase,
        x1: xEdges[column],
        x2: xEdges[column + 1],
        y1: yEdges[rowIndex],
        y2: yEdges[rowIndex + 1],
      }));
    });
  });
  const curves = panels.flatMap((panel) =>
    (panel.boundaries ?? []).flatMap((curve, index) =>
      curve.map(({ r, p }) => ({ panel: panel.title, curve: index, r, p }))
    )
  );
  const phases = Object.keys(PHASE_STYLE) as Phase[];
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: MARGIN + panels.length * 300,
    height: 320,
    marginLeft: 56,
    marginRight: 24,
    marginBottom: 42,
    fx: { domain: panels.map((panel) => panel.title), label: null, padding: 0.12 },
    x: axisOptions(true, "relative importance r of the extra feature", "×"),
    y: axisOptions(true, "density 1−S"),
    color: { domain: phases, range: phases.map((phase) => PHASE_STYLE[phase].color) },
    marks: [
      Plot.rect(cells, {
        fx: "panel",
        x1: "x1",
        x2: "x2",
        y1: "y1",
        y2: "y2",
        fill: "phase",
        shapeRendering: "crispEdges",
      }),
      Plot.line(curves, {
        fx: "panel",
        x: "r",
        y: "p",
        z: "curve",
        stroke: "black",
        strokeWidth: 1.5,
      }),
    ],
  }) as SvgNode;
  return frameChart(document, chart, undefined, phases.map((phase) => PHASE_STYLE[phase]));
}

/**
 * A generic x–y chart for sweeps (e.g. dimensions per feature vs 1/(1−S)): each series is a
 * line or a set of dots, with optional log axes; series of one name share a colour (a line
 * through means and its dots); a legend when there are several names.
 */
export function xyChart(options: XyChartOptions): string {
  const { series, logX = false, logY = false, rules = [] } = options;
  const names = [...new Set(series.map((entry) => entry.name))];
  const colors = names.map((_, index) => d3.schemeTableau10[index % 10] as string);
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: options.width ?? 640,
    height: options.height ?? 400,
    marginLeft: 64,
    marginRight: rules.length > 0 ? 150 : 32,
    marginBottom: 42,
    grid: true,
    x: axisOptions(logX, options.xLabel),
    // The label clears tick labels as wide as "0.0003".
    y: { ...axisOptions(logY, options.yLabel), labelOffset: 54 },
    color: { domain: names, range: colors },
    marks: [
      Plot.ruleY(rules, { y: "y", stroke: "#999", strokeDasharray: "4,3" }),
      Plot.text(rules, {
        y: "y",
        frameAnchor: "right",
        dx: 6,
        textAnchor: "start",
        text: "label",
        fill: "#555",
      }),
      ...series.map((entry) => {
        const data = entry.points.map((point) => ({ name: entry.name, ...point }));
        return entry.mark === "line"
          ? Plot.line(data, { x: "x", y: "y", stroke: "name", strokeWidth: 1.5 })
          : Plot.dot(data, { x: "x", y: "y", fill: "name", r: 2, fillOpacity: 0.5 });
      }),
    ],
  }) as SvgNode;
  const swatches = names.length < 2
    ? []
    : names.map((label, index) => ({ label, color: colors[index] }));
  return frameChart(document, chart, options.title, swatches);
}

// ---------------------------------------------------------------- composition

/** The width and height attributes of an SVG string's root element. */
function svgSize(svg: string): { width: number; height: number } {
  const root = svg.slice(0, svg.indexOf(">"));
  const attribute = (name: string) => Number(root.match(new RegExp(` ${name}="([\\d.]+)"`))?.[1]);
  const size = { width: attribute("width"), height: attribute("height") };
  if (!(size.width > 0 && size.height > 0)) throw new Error("svgSize: no width or height");
  return size;
}

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const HEADING_HEIGHT = 30;
const BLOCK_GAP = 12;

/**
 * Stacks standalone figures vertically into one SVG, each block under a bold heading, left
 * aligned. Each block's gradient ids are suffixed with its index, so the legends of several
 * figures of this module (which all name their ramp {@link LEGEND_GRADIENT_ID}) stay distinct.
 */
export function stackFigures(blocks: readonly { heading: string; svgs: string[] }[]): string {
  const parts: string[] = [];
  let top = 0;
  let width = 0;
  let index = 0;
  for (const block of blocks) {
    parts.push(
      `<text x="16" y="${top + 20}" font-size="16" font-weight="bold">${
        escapeText(block.heading)
      }</text>`,
    );
    top += HEADING_HEIGHT;
    for (const svg of block.svgs) {
      const size = svgSize(svg);
      const unique = svg.replaceAll(LEGEND_GRADIENT_ID, `${LEGEND_GRADIENT_ID}-${index++}`);
      parts.push(unique.replace(/^<svg /, `<svg x="0" y="${top}" `));
      top += size.height;
      width = Math.max(width, size.width);
    }
    top += BLOCK_GAP;
  }
  const height = top - BLOCK_GAP;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans" font-size="12">` +
    `<rect width="100%" height="100%" fill="white"></rect>${parts.join("")}</svg>`;
}
