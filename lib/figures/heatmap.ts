/**
 * @module
 * Heatmaps of an n×n matrix per model (WᵀW, or cosines), with the bias as a strip beside it,
 * feature indices along both axes and optional lines between sets of features.
 */
import * as d3 from "d3";
import {
  append,
  createFigure,
  drawIndexTicks,
  drawPanelRow,
  drawRampLegend,
  indexTicks,
  LEGEND_GRADIENT_ID,
  LEGEND_HEIGHT,
  MARGIN,
  newDocument,
  PANEL_SIZE,
  px,
  requireLength,
  requirePanels,
  rowWidth,
  type Selection,
  serialize,
  TITLE_HEIGHT,
} from "./svg.ts";

/** One trained model's n×n matrix and bias, as {@link drawGramMatrix} draws them. */
export interface GramMatrix {
  /** The n×n matrix WᵀW, row-major: gram[i][j] = W_i·W_j. */
  gram: readonly (readonly number[])[];
  /** The bias b ∈ R^n, drawn as a strip beside the matrix (none when absent). */
  bias?: readonly number[];
}

/** One panel of {@link gramHeatmapFigure}: one trained model's WᵀW and bias. */
export interface GramPanel extends GramMatrix {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
}

/** Options of {@link gramHeatmapFigure} and {@link drawGramMatrix}. */
export interface GramOptions {
  /**
   * Feature indices s (0 < s < n) where a new set of features starts (e.g. [10] for two sets of
   * ten): a line is drawn between rows s − 1 and s and between columns s − 1 and s.
   */
  separators?: readonly number[];
}

/** Gap between the matrix and the bias strip, in px. */
const STRIP_GAP = 6;

/**
 * Where {@link drawGramMatrix} puts an n×n matrix and its bias strip within a
 * {@link PANEL_SIZE} square, and the height it takes with its column indices and label.
 */
export function gramLayout(n: number, withBias: boolean) {
  const stripWidth = withBias ? Math.min(16, Math.max(8, (PANEL_SIZE - STRIP_GAP) / (n + 1))) : 0;
  const side = withBias ? PANEL_SIZE - STRIP_GAP - stripWidth : PANEL_SIZE;
  return { side, cell: side / n, stripLeft: side + STRIP_GAP, stripWidth, height: side + 30 };
}

/** The height {@link drawGramMatrix} takes for the tallest of `matrices`. */
export function gramHeight(matrices: readonly GramMatrix[]): number {
  return Math.max(
    ...matrices.map((matrix) => gramLayout(matrix.gram.length, matrix.bias !== undefined).height),
  );
}

/** The diverging scale of a matrix entry: red −1, white 0, blue 1, clamped; grey for NaN. */
export const gramColor = d3.scaleDiverging([-1, 0, 1], d3.interpolateRdBu).clamp(true).unknown(
  "#888888",
);

/**
 * Draws an n×n matrix at the group's origin, within a {@link PANEL_SIZE} square: cell (i, j) is
 * coloured by gram[i][j] ({@link gramColor}), the bias (if any) is a column strip on the right
 * (the matrix shrinks to leave room for it), feature indices label the rows (left) and columns
 * (below), `label` names the matrix under it, and `separators` mark the sets. The panel's title
 * only names it in errors.
 */
export function drawGramMatrix(
  group: Selection,
  matrix: GramPanel,
  label: string,
  options: GramOptions = {},
): void {
  const n = matrix.gram.length;
  if (matrix.bias !== undefined) requireLength(matrix.bias.length, n, `${matrix.title}: bias`);
  const { side, cell, stripLeft, stripWidth } = gramLayout(n, matrix.bias !== undefined);
  const cells = append(group, "g", { "shape-rendering": "crispEdges" });
  matrix.gram.forEach((row, i) => {
    requireLength(row.length, n, `${matrix.title}: ${label} row ${i}`);
    row.forEach((value, j) => {
      append(cells, "rect", {
        class: "gram-cell",
        x: px(j * cell),
        y: px(i * cell),
        width: px(cell),
        height: px(cell),
        fill: gramColor(value),
      });
    });
  });
  matrix.bias?.forEach((value, i) => {
    append(cells, "rect", {
      class: "bias-cell",
      x: px(stripLeft),
      y: px(i * cell),
      width: px(stripWidth),
      height: px(cell),
      fill: gramColor(value),
    });
  });
  for (const s of options.separators ?? []) {
    const at = px(s * cell);
    const line = { class: "separator", stroke: "black", "stroke-width": 1 };
    append(group, "line", { ...line, x1: at, x2: at, y2: px(side) });
    append(group, "line", { ...line, y1: at, y2: at, x2: px(side) });
  }
  const ticks = indexTicks(n, cell);
  const center = (i: number) => (i + 0.5) * cell;
  drawIndexTicks(group, ticks, center, { kind: "rows" });
  drawIndexTicks(group, ticks, center, { kind: "columns", below: side });
  const under = { y: px(side + 24), "text-anchor": "middle" };
  append(group, "text", { ...under, x: px(side / 2) }).text(label);
  if (matrix.bias !== undefined) {
    append(group, "text", { ...under, x: px(stripLeft + stripWidth / 2) }).text("b");
  }
}

/**
 * Draws the colour legend of {@link gramColor} at (x, y); a figure that holds another ramp gives
 * it its own `gradientId` (starting with {@link LEGEND_GRADIENT_ID}, which stacked figures rename).
 */
export function drawGramLegend(
  parent: Selection,
  x: number,
  y: number,
  label: string,
  gradientId = LEGEND_GRADIENT_ID,
): void {
  const legend = append(parent, "g", {});
  drawRampLegend(legend, x, y, label, [-1, 1], gramColor);
  if (gradientId === LEGEND_GRADIENT_ID) return;
  legend.select(`[id="${LEGEND_GRADIENT_ID}"]`).attr("id", gradientId);
  legend.select(`rect[fill="url(#${LEGEND_GRADIENT_ID})"]`).attr("fill", `url(#${gradientId})`);
}

/**
 * Heatmaps of an n×n matrix per model, by default WᵀW (entry (i, j) = W_i·W_j, row i, column j),
 * each with its bias b as a column strip on the right when given, drawn by
 * {@link drawGramMatrix}: diverging colours centred at 0, clamped to −1..1 (red negative, white
 * 0, blue positive). `label` names the matrix; `separators` mark sets of features.
 */
export function gramHeatmapFigure(
  panels: readonly GramPanel[],
  label = "WᵀW",
  options: GramOptions = {},
): string {
  requirePanels(panels, "gramHeatmapFigure");
  const withBias = panels.some((panel) => panel.bias !== undefined);
  const document = newDocument();
  const legendTop = TITLE_HEIGHT + gramHeight(panels) + 6;
  const root = createFigure(
    document,
    rowWidth(panels.length, PANEL_SIZE),
    legendTop + LEGEND_HEIGHT,
  );
  drawPanelRow(root, panels, PANEL_SIZE, (group, panel) => {
    drawGramMatrix(group, panel, label, options);
  });
  const legendLabel = `${withBias ? `${label} and b` : label} (row i, column j)`;
  drawGramLegend(root, MARGIN, legendTop, legendLabel);
  return serialize(root);
}
