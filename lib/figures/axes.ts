/**
 * @module
 * Shared axes for the Plot-based charts (sweeps, phase diagrams): linear and log scales with
 * rounded limits, chosen ticks and readable tick labels, the room their labels take, and the
 * frame that puts a Plot chart into a standalone figure with its title and legend.
 */
import type * as Plot from "@observablehq/plot";
import * as d3 from "d3";
/** Plot's scale options, which {@link axisScale} returns. */
export type ScaleOptions = Plot.ScaleOptions;
import {
  createFigure,
  drawSwatchLegend,
  drawTitle,
  FONT_FAMILY,
  formatShort,
  type HeadlessDocument,
  MARGIN,
  type Selection,
  serialize,
  setAttributes,
  type SvgNode,
  type Swatch,
  TITLE_HEIGHT,
} from "./svg.ts";

/** Font size of every chart text (tick labels, axis labels, legends), in px. */
const FONT_SIZE = 12;
/** Room between the plot area's frame and the data's extremes, so dots there are drawn whole. */
export const PLOT_INSET = 8;

/** An axis: its limits, the values it labels, and how it labels them. */
export interface Axis {
  /** The limits [low, high]. */
  domain: [number, number];
  /** Tick values, ascending, within the limits. */
  ticks: number[];
  /** A tick's label. */
  format: (value: number) => string;
}

/**
 * A log axis's tick label: 2 significant digits ({@link formatShort}), below 10⁻³ in
 * scientific notation ("1e−5", "5.6e−4"), which stays as narrow as the labels above it.
 */
function logTickLabel(value: number): string {
  return value > 0 && value < 1e-3
    ? Number(value.toPrecision(2)).toExponential().replace("-", "−")
    : formatShort(value);
}

/**
 * Plot options for a labelled axis with its limits and ticks given by `axis`, inset. A log axis
 * is drawn as a linear one over log₁₀ of the values (pass the data through {@link axisValue}),
 * so that every chosen tick is labelled (Plot's log axes drop labels they find crowded).
 */
export function axisScale(axis: Axis, log: boolean, label: string): ScaleOptions {
  const value = (v: number) => axisValue(v, log);
  return {
    type: "linear",
    label,
    labelAnchor: "center",
    domain: axis.domain.map(value),
    ticks: axis.ticks.map(value),
    tickFormat: (tick: number) => axis.format(log ? 10 ** tick : tick),
    inset: PLOT_INSET,
    grid: true,
  };
}

/** A value as an axis of {@link axisScale} places it: log₁₀ of it on a log axis. */
export function axisValue(value: number, log: boolean): number {
  return log ? Math.log10(value) : value;
}

/** [low, high] widened around a single value, so that an axis has a span. */
function spanned([low, high]: readonly [number, number], log: boolean): [number, number] {
  if (low < high) return [low, high];
  if (log) return [low / 2, low * 2];
  const half = low === 0 ? 1 : Math.abs(low) / 10;
  return [low - half, low + half];
}

/**
 * A linear axis over `extent` about `pixels` long: the limits rounded outwards to ticks
 * (d3's nice) unless `rounded` is false, about one tick per `spacing` px, labelled with the
 * ticks' common precision.
 */
export function linearAxis(
  extent: readonly [number, number],
  pixels: number,
  spacing: number,
  { rounded = true } = {},
): Axis {
  const count = Math.max(2, Math.round(pixels / spacing));
  const scale = d3.scaleLinear().domain(spanned(extent, false));
  if (rounded) scale.nice(count);
  const [low, high] = scale.domain() as [number, number];
  return { domain: [low, high], ticks: scale.ticks(count), format: scale.tickFormat(count) };
}

/** Mantissas of log ticks, sparsest first: powers of ten, then 1–3, 1–2–5, every digit. */
const LOG_MANTISSAS = [[1], [1, 3], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];

/**
 * The ticks m·10ᵏ within [low, high] for the given mantissas (to rounding).
 */
export function logTicks(low: number, high: number, mantissas: readonly number[]): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
    for (const mantissa of mantissas) {
      const value = Number((mantissa * 10 ** power).toPrecision(12));
      if (value >= low * (1 - 1e-9) && value <= high * (1 + 1e-9)) ticks.push(value);
    }
  }
  return ticks;
}

/**
 * A log axis over `extent` (positive) about `pixels` long, with ticks at `ticks` when given
 * (a sweep's values, which then widen the limits), else at the sparsest of 10ᵏ, {1, 3}·10ᵏ,
 * {1, 2, 5}·10ᵏ that gives four or more and leaves `spacing` px to each (a sparser one where
 * the next would not); powers of ten are thinned to every second, third… where they crowd.
 */
export function logAxis(
  extent: readonly [number, number],
  pixels: number,
  spacing: number,
  ticks?: readonly number[],
): Axis {
  if (ticks !== undefined && ticks.length > 0) {
    const domain = spanned([Math.min(extent[0], ...ticks), Math.max(extent[1], ...ticks)], true);
    return { domain, ticks: [...ticks].sort((a, b) => a - b), format: logTickLabel };
  }
  const domain = spanned(extent, true);
  const most = Math.max(2, Math.floor(pixels / spacing));
  const powers = logTicks(domain[0], domain[1], LOG_MANTISSAS[0]);
  if (powers.length > most) {
    const every = Math.ceil(powers.length / most);
    const thinned = powers.filter((value) => Math.round(Math.log10(value)) % every === 0);
    return { domain, ticks: thinned, format: logTickLabel };
  }
  let chosen = powers;
  for (const mantissas of LOG_MANTISSAS.slice(1)) {
    if (chosen.length >= 4) break;
    const denser = logTicks(domain[0], domain[1], mantissas);
    if (denser.length > most && chosen.length >= 2) break;
    chosen = denser;
  }
  return { domain, ticks: chosen, format: logTickLabel };
}

/**
 * The width of `text` in DejaVu Sans at `size` px, estimated from the font's advance widths
 * (digits 0.636 em, the point 0.318 em, the minus sign 0.838 em, about 0.65 em otherwise).
 */
export function textWidth(text: string, size = FONT_SIZE): number {
  let em = 0;
  for (const character of text) {
    em += /[0-9]/.test(character)
      ? 0.636
      : ".,: ".includes(character)
      ? 0.318
      : "−+×=".includes(character)
      ? 0.838
      : 0.65;
  }
  return em * size;
}

/**
 * The left margin and the y label's offset that fit an axis's tick labels (tick 6 px, padding
 * 3 px) beside the rotated axis label, without the two touching.
 */
export function yLabelRoom(axis: Axis): { marginLeft: number; labelOffset: number } {
  const widest = Math.max(0, ...axis.ticks.map((tick) => textWidth(axis.format(tick))));
  const labelOffset = Math.ceil(widest + 9 + FONT_SIZE + 6);
  return { marginLeft: labelOffset + 8, labelOffset };
}

/** Text written "a_b" has b set as a subscript: the characters after "_", up to a space or "/". */
const SUBSCRIPT = /_([^\s/_]+)/;

/**
 * Sets every "_x" in the figure's texts as a subscript x (a smaller tspan, lowered), e.g.
 * "‖W‖²_F" as ‖W‖²_F written the way the paper does.
 */
function typesetSubscripts(root: Selection): void {
  root.selectAll("text").each(function (this: SvgNode & { textContent: string }) {
    const parts = this.textContent.split(SUBSCRIPT);
    if (parts.length === 1) return;
    const text = root.select(() => this);
    text.text(parts[0]);
    for (let k = 1; k < parts.length; k += 2) {
      text.append("tspan").attr("dy", 3).attr("font-size", 9).text(parts[k]);
      if (parts[k + 1]) text.append("tspan").attr("dy", -3).text(parts[k + 1]);
    }
  });
}

/**
 * Puts a Plot chart into a standalone figure with an optional title above and an optional
 * swatch legend below; "_x" in its texts is set as a subscript.
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
  typesetSubscripts(root);
  return serialize(root);
}
