/**
 * @module
 * A generic x–y chart for sweeps: lines, dots and dashed guides over linear or log axes with
 * rounded limits and insets, reference rules, and stacks of charts that share one x axis.
 */
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {
  type Axis,
  axisScale,
  axisValue,
  frameChart,
  linearAxis,
  logAxis,
  textWidth,
  yLabelRoom,
} from "./axes.ts";
import { newDocument, type SvgNode } from "./svg.ts";

/**
 * One series of {@link xyChart}:
 * - "line": a line through its points;
 * - "dot": a dot at each point;
 * - "connected": a line through its points with a dot at each (a sweep's measured values);
 * - "guide": a grey dashed reference curve (e.g. y = x), labelled with its name at the right
 *   of the plot area instead of in the legend.
 */
export interface XySeries {
  /** Legend entry (a legend is drawn when two or more names have points), or a guide's label. */
  name: string;
  /** The series' points. */
  points: readonly { x: number; y: number }[];
  /** How the points are drawn (see the interface). */
  mark: "line" | "dot" | "connected" | "guide";
  /** A CSS colour for this name (default: the next Tableau colour in order of names). */
  color?: string;
}

/** Options of {@link xyChart}. */
export interface XyChartOptions {
  /** A title above the chart. */
  title?: string;
  /** The x axis label. */
  xLabel: string;
  /** The y axis label. */
  yLabel: string;
  /** Logarithmic x axis (default false). */
  logX?: boolean;
  /** Logarithmic y axis (default false). */
  logY?: boolean;
  /** What is drawn. */
  series: readonly XySeries[];
  /** Horizontal reference lines, each labelled at the right end (e.g. y = 1/2, "digon"). */
  rules?: readonly { y: number; label: string }[];
  /** The x ticks (e.g. a sweep's values); by default chosen from the limits. */
  xTicks?: readonly number[];
  /** The x limits (what falls outside is clipped); by default the data's, rounded. */
  xDomain?: readonly [number, number];
  /** The y limits (what falls outside is clipped); by default the data's, rounded. */
  yDomain?: readonly [number, number];
  /** Plot area with axes, in pixels (defaults 640 × 400). */
  width?: number;
  /** See `width`. */
  height?: number;
}

/** Pixels between x ticks, and between y ticks, that the axes aim for. */
const X_TICK_SPACING = 80;
const Y_TICK_SPACING = 40;
/** Log y axes label more ticks (1–2–5 over a decade) in the same room. */
const LOG_Y_TICK_SPACING = 24;
const MARGIN_TOP = 20;
const MARGIN_BOTTOM = 42;
/** Gap between the plot area and the labels of rules and guides at its right. */
const RIGHT_LABEL_GAP = 6;
const GUIDE_STYLE = { stroke: "#999", strokeDasharray: "4,3" };

/** A chart's axes and margins, as {@link xyChart} draws it. */
interface Layout {
  width: number;
  height: number;
  x: Axis;
  y: Axis;
  marginLeft: number;
  marginRight: number;
  labelOffset: number;
}

/** [min, max] of `values` drawable on the axis (positive on a log axis). */
function extentOf(values: readonly number[], log: boolean): [number, number] {
  const drawable = values.filter((value) => Number.isFinite(value) && (!log || value > 0));
  if (drawable.length === 0) return log ? [1, 10] : [0, 1];
  return [Math.min(...drawable), Math.max(...drawable)];
}

/** The x values of a chart's points. */
function xValues(options: XyChartOptions): number[] {
  return options.series.flatMap((entry) => entry.points.map((point) => point.x));
}

/** Where an x axis spans: the data's extent (rounded on a linear axis), or given limits. */
type XSpan = { kind: "data"; xs: readonly number[] } | {
  kind: "given";
  domain: readonly [number, number];
};

/** The x axis over `span`, `plotWidth` px wide, ticked at `ticks` (within it) if given. */
function xAxisOf(span: XSpan, log: boolean, plotWidth: number, ticks?: readonly number[]): Axis {
  if (span.kind === "given") {
    const [low, high] = span.domain;
    const inside = ticks?.filter((tick) => tick >= low && tick <= high);
    const axis = log
      ? logAxis(span.domain, plotWidth, X_TICK_SPACING, inside)
      : linearAxis(span.domain, plotWidth, X_TICK_SPACING, { rounded: false });
    return inside === undefined || log ? axis : { ...axis, ticks: inside };
  }
  if (log) return logAxis(extentOf(span.xs, true), plotWidth, X_TICK_SPACING, ticks);
  const extent = extentOf([...span.xs, ...(ticks ?? [])], false);
  const axis = linearAxis(extent, plotWidth, X_TICK_SPACING);
  return ticks === undefined ? axis : { ...axis, ticks: [...ticks].sort((a, b) => a - b) };
}

/** The x span of a chart alone: its xDomain, else its points. */
function ownSpan(options: XyChartOptions): XSpan {
  return options.xDomain
    ? { kind: "given", domain: options.xDomain }
    : { kind: "data", xs: xValues(options) };
}

/** The labels at the right of the plot area: the rules' and the guides'. */
function rightLabels(options: XyChartOptions): string[] {
  return [
    ...(options.rules ?? []).map((rule) => rule.label),
    ...options.series.filter((entry) => entry.mark === "guide" && entry.points.length > 0)
      .map((entry) => entry.name),
  ];
}

/** The chart's axes and margins, its x axis over `span`. */
function layoutOf(options: XyChartOptions, span = ownSpan(options)): Layout {
  const { logX = false, logY = false } = options;
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const labels = rightLabels(options);
  const marginRight = labels.length > 0
    ? Math.ceil(RIGHT_LABEL_GAP + Math.max(...labels.map((label) => textWidth(label))) + 8)
    : 32;
  const plotHeight = height - MARGIN_TOP - MARGIN_BOTTOM;
  const ys = [
    ...options.series.flatMap((entry) => entry.points.map((point) => point.y)),
    ...(options.rules ?? []).map((rule) => rule.y),
  ];
  const y = logY
    ? logAxis(options.yDomain ?? extentOf(ys, true), plotHeight, LOG_Y_TICK_SPACING)
    : linearAxis(options.yDomain ?? extentOf(ys, false), plotHeight, Y_TICK_SPACING, {
      rounded: options.yDomain === undefined,
    });
  const { marginLeft, labelOffset } = yLabelRoom(y);
  const x = xAxisOf(span, logX, width - marginLeft - marginRight, options.xTicks);
  return { width, height, x, y, marginLeft, marginRight, labelOffset };
}

/** A point in a chart. */
type Point = { x: number; y: number };

/**
 * The pieces of the polyline through `points` whose coordinate `key` lies within [low, high],
 * each segment cut where it crosses the band's edges (the limits' clipping, done here so that
 * every SVG renderer draws the same).
 */
function clipToBand(
  points: readonly Point[],
  [low, high]: readonly [number, number],
  key: "x" | "y",
): Point[][] {
  const inside = (point: Point) => point[key] >= low && point[key] <= high;
  if (points.length === 1) return inside(points[0]) ? [[points[0]]] : [];
  const pieces: Point[][] = [];
  let piece: Point[] = [];
  const close = () => {
    if (piece.length > 0) pieces.push(piece);
    piece = [];
  };
  for (let k = 1; k < points.length; k++) {
    const [from, to] = [points[k - 1], points[k]];
    const rise = to[key] - from[key];
    const edges = rise === 0
      ? (inside(from) ? [0, 1] : [1, 0])
      : [(low - from[key]) / rise, (high - from[key]) / rise].sort((a, b) => a - b);
    const [start, end] = [Math.max(0, edges[0]), Math.min(1, edges[1])];
    if (start > end) {
      close();
      continue;
    }
    const at = (t: number) => ({
      x: from.x + t * (to.x - from.x),
      y: from.y + t * (to.y - from.y),
    });
    if (start > 0 || piece.length === 0) {
      close();
      piece = [at(start)];
    }
    piece.push(at(end));
    if (end < 1) close();
  }
  close();
  return pieces;
}

/** Draws a chart at a layout (see {@link xyChart}). */
function drawChart(options: XyChartOptions, layout: Layout): string {
  const { series, logX = false, logY = false, rules = [] } = options;
  const shown = series.filter((entry) => entry.points.length > 0);
  const guides = shown.filter((entry) => entry.mark === "guide");
  const names = [...new Set(shown.filter((entry) => entry.mark !== "guide").map((e) => e.name))];
  const colors = names.map((name, index) =>
    shown.find((entry) => entry.name === name && entry.color !== undefined)?.color ??
      d3.schemeTableau10[index % 10] as string
  );
  const band = layout.y.domain.map((y) => axisValue(y, logY)) as [number, number];
  const span = layout.x.domain.map((x) => axisValue(x, logX)) as [number, number];
  const rightLabel = { frameAnchor: "right", dx: RIGHT_LABEL_GAP, textAnchor: "start" } as const;
  /** Points as the axes place them, without those a log axis cannot draw. */
  const placed = (points: readonly Point[]) =>
    points.filter((point) => (!logX || point.x > 0) && (!logY || point.y > 0))
      .map((point) => ({ x: axisValue(point.x, logX), y: axisValue(point.y, logY) }));
  /** A line's points within the limits, each with the index of its piece. */
  const pieces = (points: readonly Point[]) =>
    clipToBand(placed(points), span, "x").flatMap((piece) => clipToBand(piece, band, "y"))
      .flatMap((piece, index) => piece.map((point) => ({ ...point, piece: index })));
  const within = (points: readonly Point[]) =>
    placed(points).filter((point) =>
      point.x >= span[0] && point.x <= span[1] && point.y >= band[0] && point.y <= band[1]
    );
  const placedRules = rules.filter((rule) => !logY || rule.y > 0)
    .map((rule) => ({ label: rule.label, y: axisValue(rule.y, logY) }))
    .filter((rule) => rule.y >= band[0] && rule.y <= band[1]);
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: layout.width,
    height: layout.height,
    marginTop: MARGIN_TOP,
    marginLeft: layout.marginLeft,
    marginRight: layout.marginRight,
    marginBottom: MARGIN_BOTTOM,
    x: axisScale(layout.x, logX, options.xLabel),
    y: { ...axisScale(layout.y, logY, options.yLabel), labelOffset: layout.labelOffset },
    color: { domain: names, range: colors },
    marks: [
      Plot.ruleY(placedRules, { y: "y", ...GUIDE_STYLE }),
      Plot.text(placedRules, { y: "y", text: "label", fill: "#555", ...rightLabel }),
      ...guides.flatMap((guide) => {
        const drawn = pieces(guide.points);
        return [
          Plot.line(drawn, { x: "x", y: "y", z: "piece", ...GUIDE_STYLE }),
          Plot.text(drawn.slice(-1), {
            y: "y",
            text: () => guide.name,
            fill: "#555",
            ...rightLabel,
          }),
        ];
      }),
      ...shown.filter((entry) => entry.mark !== "guide").flatMap((entry) => {
        const named = (points: readonly Point[]) =>
          points.map((point) => ({ name: entry.name, ...point }));
        const line = Plot.line(named(pieces(entry.points)), {
          x: "x",
          y: "y",
          z: "piece",
          stroke: "name",
          strokeWidth: 1.5,
        });
        const dots = (r: number, fillOpacity: number) =>
          Plot.dot(named(within(entry.points)), { x: "x", y: "y", fill: "name", r, fillOpacity });
        return entry.mark === "line"
          ? [line]
          : entry.mark === "dot"
          ? [dots(2, 0.5)]
          : [line, dots(3, 1)];
      }),
    ],
  }) as SvgNode;
  const swatches = names.length < 2
    ? []
    : names.map((label, index) => ({ label, color: colors[index] }));
  return frameChart(document, chart, options.title, swatches);
}

/**
 * A generic x–y chart for sweeps (e.g. dimensions per feature vs 1/(1−S)): each series is a
 * line, a set of dots, both, or a dashed guide, with optional log axes; series of one name share
 * a colour (a line through means and its dots); a legend when several names have points. Linear
 * limits are rounded to ticks, log ticks are 10ᵏ, {1, 3}·10ᵏ or {1, 2, 5}·10ᵏ, and the plot area
 * is inset so that points at the limits are drawn whole.
 */
export function xyChart(options: XyChartOptions): string {
  return drawChart(options, layoutOf(options));
}

/**
 * Charts to stack under one another, on one x axis: the union of their x values (and ticks),
 * the same plot-area left edge and width, so that their x scales coincide pixel for pixel and a
 * loss drop can be read against a jump above it. Every chart must agree on `logX`.
 */
export function sharedXCharts(charts: readonly XyChartOptions[]): string[] {
  if (charts.length === 0) return [];
  const logX = charts[0].logX ?? false;
  if (charts.some((chart) => (chart.logX ?? false) !== logX)) {
    throw new Error("sharedXCharts: the charts disagree on logX");
  }
  const given = charts.flatMap((chart) => chart.xDomain ? [chart.xDomain] : []);
  const span: XSpan = given.length > 0
    ? {
      kind: "given",
      domain: [Math.min(...given.map((d) => d[0])), Math.max(...given.map((d) => d[1]))],
    }
    : { kind: "data", xs: charts.flatMap(xValues) };
  const ticks = [...new Set(charts.flatMap((chart) => chart.xTicks ?? []))];
  const own = charts.map((chart) => layoutOf(chart, span));
  const width = Math.max(...own.map((layout) => layout.width));
  const marginLeft = Math.max(...own.map((layout) => layout.marginLeft));
  const marginRight = Math.max(...own.map((layout) => layout.marginRight));
  const labelOffset = Math.max(...own.map((layout) => layout.labelOffset));
  const plotWidth = width - marginLeft - marginRight;
  const x = xAxisOf(span, logX, plotWidth, ticks.length > 0 ? ticks : undefined);
  const shared = { width, x, marginLeft, marginRight, labelOffset };
  return charts.map((chart, k) => drawChart(chart, { ...own[k], ...shared }));
}
