/**
 * @module
 * Phase diagrams of the extra feature over relative importance and density (paper §5).
 */
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import type { ExtraFeaturePhase } from "../analysis/theory.ts";
import { frameChart, logTicks } from "./axes.ts";
import {
  formatShort,
  MARGIN,
  NEGATIVE_COLOR,
  newDocument,
  POSITIVE_COLOR,
  requireLength,
  requirePanels,
  type SvgNode,
  type Swatch,
} from "./svg.ts";

/** What becomes of the extra feature in the phase diagrams (paper §5; lib/analysis/theory.ts). */
export type Phase = ExtraFeaturePhase;

/** A point of a phase boundary: relative importance r and density p = 1 − S. */
export interface PhasePoint {
  /** Relative importance of the extra feature. */
  r: number;
  /** Density 1 − S. */
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

/** How each phase is drawn, as in the paper: blue = dedicated (orthogonal), red = superposed. */
const PHASE_STYLE: Record<Phase, Swatch> = {
  not_learned: { label: "not learned", color: "#e4e4e4" },
  superposition: { label: "superposition", color: NEGATIVE_COLOR },
  dedicated: { label: "dedicated dimension", color: POSITIVE_COLOR },
};

/** Cell edges on a log axis: geometric midpoints between neighbours, mirrored at the ends. */
function logCellEdges(centers: readonly number[]): number[] {
  if (centers.length === 1) return [centers[0] / 2, centers[0] * 2];
  const inner = d3.range(1, centers.length).map((i: number) =>
    Math.sqrt(centers[i - 1] * centers[i])
  );
  const last = centers.length - 1;
  return [centers[0] ** 2 / inner[0], ...inner, centers[last] ** 2 / inner[inner.length - 1]];
}

/** Ticks of both log axes: 1, 2 and 5 per decade, so that 0.5 sits by the triple point p = 4/7. */
const TICK_MANTISSAS = [1, 2, 5];

/**
 * Phase diagrams of the extra feature over relative importance r (log x, e.g. 0.1–10) and
 * density p = 1 − S (log y, 1 at the top down to e.g. 0.01): one panel per grid (say empirical
 * and theoretical, side by side), cells coloured by phase, optional boundary curves on top, an
 * optional title above, ticks at 1, 2 and 5 per decade.
 */
export function phaseDiagramFigure(panels: readonly PhasePanel[], title?: string): string {
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
  const ticksWithin = (edges: number[]) =>
    logTicks(Math.min(...edges), Math.max(...edges), TICK_MANTISSAS);
  const xTicks = ticksWithin(cells.flatMap((cell) => [cell.x1, cell.x2]));
  const yTicks = ticksWithin(cells.flatMap((cell) => [cell.y1, cell.y2]));
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: MARGIN + panels.length * 300,
    height: 320,
    marginLeft: 56,
    marginRight: 24,
    marginBottom: 42,
    fx: { domain: panels.map((panel) => panel.title), label: null, padding: 0.12 },
    x: { type: "log" },
    y: { type: "log" },
    color: { domain: phases, range: phases.map((phase) => PHASE_STYLE[phase].color) },
    marks: [
      // Axis marks with their own text: Plot's log axes blank some labels of explicit ticks.
      Plot.axisX(xTicks, {
        text: (r: number) => `${formatShort(r)}×`,
        label: "relative importance r of the extra feature",
        labelAnchor: "center",
      }),
      Plot.axisY(yTicks, {
        text: (p: number) => formatShort(p),
        label: "density p = 1−S",
        labelAnchor: "center",
      }),
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
  return frameChart(document, chart, title, phases.map((phase) => PHASE_STYLE[phase]));
}
