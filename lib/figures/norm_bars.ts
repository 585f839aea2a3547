/**
 * @module
 * Per-feature norm bars coloured by superposition, one panel per model (the paper's §3 bars).
 */
import * as d3 from "d3";
import {
  append,
  createFigure,
  drawIndexTicks,
  drawPanelGrid,
  drawRampLegend,
  FAINT,
  formatShort,
  gridShape,
  indexTicks,
  LEGEND_HEIGHT,
  LEGEND_WIDTH,
  MARGIN,
  newDocument,
  PANEL_SIZE,
  px,
  requireLength,
  requirePanels,
  rowWidth,
  serialize,
  TICK_COLOR,
  TITLE_HEIGHT,
} from "./svg.ts";

/** One panel of {@link featureNormBarsFigure}: per-feature norms and superposition. */
export interface NormBarsPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** ‖W_i‖ for each feature i (bar length). */
  norms: readonly number[];
  /** Σ_{j≠i} (Ŵ_i·W_j)² for each feature i, with Ŵ_i = W_i/‖W_i‖ (bar colour, clamped to 0..1). */
  superposition: readonly number[];
}

/** Options of {@link featureNormBarsFigure}. */
export interface NormBarsOptions {
  /**
   * A norm the figure's counts use (e.g. ‖W_i‖ > 0.5 for "represented"), drawn as a dashed
   * line in every panel and named in the legend by `label`.
   */
  threshold?: { norm: number; label: string };
  /** Panels per row (default: all in one row); every row shares the scale and the legend. */
  columns?: number;
}

/** The dash of the threshold line, darker than the unit line. */
const THRESHOLD_STYLE = { stroke: TICK_COLOR, "stroke-dasharray": "2,2" };

/**
 * Horizontal bars of ‖W_i‖ per feature i (feature 0 at the top, indices on the left), one panel
 * per model, each bar coloured by its superposition Σ_{j≠i} (Ŵ_i·W_j)² on 0..1: dark =
 * orthogonal to all other features, yellow = superposed. A faint dashed line marks ‖W_i‖ = 1,
 * and a darker one the `threshold` where given.
 */
export function featureNormBarsFigure(
  panels: readonly NormBarsPanel[],
  options: NormBarsOptions = {},
): string {
  requirePanels(panels, "featureNormBarsFigure");
  // Inferno from black (0) to yellow (1), stopping short of its palest end.
  const color = d3.scaleSequential([0, 1], (t: number) => d3.interpolateInferno(0.9 * t)).clamp(
    true,
  );
  const longest = Math.max(1, ...panels.flatMap((panel) => panel.norms));
  const x = d3.scaleLinear([0, longest * 1.05], [0, PANEL_SIZE]);
  const mostFeatures = Math.max(...panels.map((panel) => panel.norms.length));
  const barsHeight = Math.min(PANEL_SIZE, mostFeatures * 16);
  const { threshold } = options;
  const rowHeight = TITLE_HEIGHT + barsHeight + 44;
  const { columns, rows } = gridShape(panels.length, options.columns);

  const document = newDocument();
  const legendTop = rows * rowHeight;
  const root = createFigure(document, rowWidth(columns, PANEL_SIZE), legendTop + LEGEND_HEIGHT);
  drawPanelGrid(root, panels, { columns, panelWidth: PANEL_SIZE, rowHeight }, (group, panel) => {
    requireLength(panel.superposition.length, panel.norms.length, `${panel.title}: superposition`);
    const y = d3.scaleBand(d3.range(panel.norms.length), [0, barsHeight]).paddingInner(0.15);
    panel.norms.forEach((norm, i) => {
      const bar = { y: px(y(i)), width: px(x(norm)), height: px(y.bandwidth()) };
      append(group, "rect", { class: "norm-bar", ...bar, fill: color(panel.superposition[i]) });
    });
    const ticks = indexTicks(panel.norms.length, y.step());
    drawIndexTicks(group, ticks, (i) => y(i) + y.bandwidth() / 2, { kind: "rows" });
    append(group, "line", { y2: barsHeight, stroke: "black" });
    const label = { y: barsHeight + 14, "text-anchor": "middle" };
    const marks = [{ norm: 1, style: { stroke: FAINT, "stroke-dasharray": "3,3" } }];
    if (threshold !== undefined) marks.push({ norm: threshold.norm, style: THRESHOLD_STYLE });
    append(group, "text", { ...label, x: 0 }).text("0");
    for (const { norm, style } of marks) {
      const at = px(x(norm));
      append(group, "line", { class: "norm-mark", x1: at, x2: at, y2: barsHeight, ...style });
      append(group, "text", { ...label, x: at }).text(formatShort(norm));
    }
    append(group, "text", { ...label, x: PANEL_SIZE / 2, y: barsHeight + 28 }).text("‖Wᵢ‖");
  });
  drawRampLegend(root, MARGIN, legendTop, "superposition Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)²", [0, 1], color);
  if (threshold !== undefined) {
    const left = MARGIN + LEGEND_WIDTH + 40;
    const legend = append(root, "g", {
      class: "legend",
      transform: `translate(${left},${legendTop})`,
    });
    append(legend, "line", { x2: 24, y1: 21, y2: 21, "stroke-width": 1.5, ...THRESHOLD_STYLE });
    append(legend, "text", { x: 30, y: 25 }).text(threshold.label);
  }
  return serialize(root);
}
