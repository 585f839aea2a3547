/**
 * @module
 * A generic x–y chart for sweeps: lines and dots over linear or log axes, reference rules.
 */
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import { axisOptions, frameChart } from "./axes.ts";
import { newDocument, type SvgNode } from "./svg.ts";

/** One series of {@link xyChart}: a line through its points, or a dot at each. */
export interface XySeries {
  /** Legend entry (a legend is drawn when there are two or more series). */
  name: string;
  /** The series' points. */
  points: readonly { x: number; y: number }[];
  /** A line through the points, or a dot at each. */
  mark: "line" | "dot";
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
  /** The x axis' extent (default: the data's). */
  xDomain?: readonly [number, number];
  /** The y axis' extent (default: the data's). */
  yDomain?: readonly [number, number];
  /** Plot area with axes, in pixels (defaults 640 × 400). */
  width?: number;
  /** See `width`. */
  height?: number;
}

/**
 * A generic x–y chart for sweeps (e.g. dimensions per feature vs 1/(1−S)): each series is a
 * line or a set of dots, with optional log axes; series of one name share a colour (a line
 * through means and its dots); a legend when there are several names.
 */
export function xyChart(options: XyChartOptions): string {
  const { series, logX = false, logY = false, rules = [] } = options;
  const names = [...new Set(series.map((entry) => entry.name))];
  const colors = names.map((name, index) =>
    series.find((entry) => entry.name === name && entry.color !== undefined)?.color ??
      d3.schemeTableau10[index % 10] as string
  );
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: options.width ?? 640,
    height: options.height ?? 400,
    marginLeft: 64,
    marginRight: rules.length > 0 ? 150 : 32,
    marginBottom: 42,
    grid: true,
    x: { ...axisOptions(logX, options.xLabel), domain: options.xDomain },
    // The label clears tick labels as wide as "0.0003".
    y: { ...axisOptions(logY, options.yLabel), labelOffset: 54, domain: options.yDomain },
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
