/**
 * @module
 * Feature directions in a 2-D hidden space, one panel per model (the paper's intro figure),
 * optionally with each model's WᵀW under its directions, in rows of a given number of panels.
 */
import * as d3 from "d3";
import { drawGramLegend, drawGramMatrix, gramHeight, type GramMatrix } from "./heatmap.ts";
import {
  append,
  createFigure,
  drawPanelGrid,
  drawRampLegend,
  drawSwatchLegend,
  FAINT,
  gridShape,
  LEGEND_GRADIENT_ID,
  LEGEND_HEIGHT,
  LEGEND_WIDTH,
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

/** One panel of {@link featureDirectionsFigure}: n feature directions in a 2-D hidden space. */
export interface DirectionsPanel {
  /** Panel title, e.g. `densityLabel(0.05)`. */
  title: string;
  /** W_i ∈ R² for each feature i (the columns of the 2×n weight matrix W), as [x, y]. */
  directions: readonly (readonly [number, number])[];
  /** The value that sets each feature's colour (its importance I_i, or its density p_i). */
  shade: readonly number[];
  /** The model's WᵀW (and b), drawn under its directions as the paper's intro figure does. */
  gram?: GramMatrix;
}

/** Options of {@link featureDirectionsFigure}. */
export interface DirectionsOptions {
  /** Panels per row; more panels wrap onto further rows (default: all in one row). */
  columns?: number;
}

/** Vertical space between a panel's directions and its WᵀW, and between rows, in px. */
const ROW_GAP = 12;

/**
 * Small multiples of feature directions in a 2-D hidden space (the paper's intro figure):
 * each feature i is a line from the origin to W_i with a dot at the tip, coloured by its `shade`
 * over a faint unit circle, with the panel's WᵀW and b under it where given. With a string
 * `legend`, shade is a value (darker = higher; the intro colours by importance I_i) under a ramp
 * legend of that title; with a list of names, shade is the index of the feature's category (e.g.
 * its correlated set), under a swatch legend. All panels share one scale, on which
 * max(1, max‖W_i‖) reaches the panel's edge.
 */
export function featureDirectionsFigure(
  panels: readonly DirectionsPanel[],
  legend: string | readonly string[] = "importance Iᵢ",
  options: DirectionsOptions = {},
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
  const grams = panels.flatMap((panel) => panel.gram === undefined ? [] : [panel.gram]);
  const withGram = grams.length > 0;
  const { columns, rows } = gridShape(panels.length, options.columns);
  const panelHeight = PANEL_SIZE + (withGram ? ROW_GAP + gramHeight(grams) : 0);
  const rowHeight = TITLE_HEIGHT + panelHeight + ROW_GAP;

  const drawDirections = (group: Selection, panel: DirectionsPanel) => {
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
    if (panel.gram !== undefined) {
      const under = append(group, "g", { transform: `translate(0,${PANEL_SIZE + ROW_GAP})` });
      drawGramMatrix(under, { title: panel.title, ...panel.gram }, "WᵀW");
    }
  };

  const document = newDocument();
  const legendTop = rows * rowHeight;
  const root = createFigure(
    document,
    rowWidth(columns, PANEL_SIZE),
    legendTop + LEGEND_HEIGHT,
  );
  drawPanelGrid(root, panels, { columns, panelWidth: PANEL_SIZE, rowHeight }, drawDirections);
  if (typeof legend === "string") {
    drawRampLegend(root, MARGIN, legendTop, legend, ramp.domain(), ramp);
  } else {
    const swatches = legend.map((label, category) => ({ label, color: categoryColor(category) }));
    drawSwatchLegend(root, MARGIN, legendTop + 8, swatches);
  }
  if (withGram) {
    const left = MARGIN + LEGEND_WIDTH + 48;
    drawGramLegend(root, left, legendTop, "WᵀW and b", `${LEGEND_GRADIENT_ID}-gram`);
  }
  return serialize(root);
}
