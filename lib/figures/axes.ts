/**
 * @module
 * Shared axes for the Plot-based charts (sweeps, phase diagrams): linear and log scales with
 * readable tick labels, and the frame that puts a Plot chart into a standalone figure with its title
 * and legend.
 */
import type * as Plot from "@observablehq/plot";
/** Plot's scale options, which {@link axisOptions} returns. */
export type ScaleOptions = Plot.ScaleOptions;
import {
  createFigure,
  drawSwatchLegend,
  drawTitle,
  FONT_FAMILY,
  formatShort,
  type HeadlessDocument,
  MARGIN,
  serialize,
  setAttributes,
  type SvgNode,
  type Swatch,
  TITLE_HEIGHT,
} from "./svg.ts";

/** Plot options for a labelled axis; log axes label their ticks with {@link formatShort}. */
export function axisOptions(log: boolean, label: string, tickSuffix = ""): ScaleOptions {
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
export function frameChart(
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
