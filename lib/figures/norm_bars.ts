/**
 * @module
 * Per-feature norm bars coloured by superposition, one panel per model (the paper's §3 bars).
 */
import * as d3 from "d3";
import {
  append,
  createFigure,
  drawPanelRow,
  drawRampLegend,
  FAINT,
  LEGEND_HEIGHT,
  MARGIN,
  newDocument,
  PANEL_SIZE,
  px,
  requireLength,
  requirePanels,
  rowWidth,
  serialize,
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
