/**
 * @module
 * Heatmaps of an n×n matrix per model (WᵀW, or cosines), with the bias as a strip beside it.
 */
import * as d3 from "d3";
import {
  append,
  createFigure,
  drawPanelRow,
  drawRampLegend,
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

/** One panel of {@link gramHeatmapFigure}: one trained model's WᵀW and bias. */
export interface GramPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** The n×n matrix WᵀW, row-major: gram[i][j] = W_i·W_j. */
  gram: readonly (readonly number[])[];
  /** The bias b ∈ R^n, drawn as a strip beside the matrix (none when absent). */
  bias?: readonly number[];
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
