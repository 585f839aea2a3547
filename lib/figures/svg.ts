/**
 * @module
 * The drawing kit every figure module shares: a headless SVG document (linkedom), the figure
 * frame (namespace, "DejaVu Sans", white background), titles, colour-ramp and swatch legends, rows
 * of titled panels, number formatting and the layout constants. Output depends only on the input.
 */
import * as d3 from "d3";
import { parseHTML } from "linkedom";

/** The one font of every figure, so renders are the same on every machine. */
export const FONT_FAMILY = "DejaVu Sans";
/** The SVG namespace of every figure's root. */
export const SVG_NAMESPACE = "http://www.w3.org/2000/svg";
/** Space around a figure's content, in px. */
export const MARGIN = 16;
/** Height of a panel's title line, in px. */
export const TITLE_HEIGHT = 24;
/** Side of a square panel (directions, heatmaps, bars), in px. */
export const PANEL_SIZE = 160;
/** Horizontal gap between the panels of a row, in px. */
export const PANEL_GAP = 28;
/** Width of a colour-ramp legend, in px. */
export const LEGEND_WIDTH = 220;
/** Height a colour-ramp legend takes under a figure, in px. */
export const LEGEND_HEIGHT = 48;
/** The id of a figure's colour-ramp gradient (unique within one standalone figure). */
export const LEGEND_GRADIENT_ID = "legend-ramp";
/** The colour of guides: unit circles, reference lines. */
export const FAINT = "#bbbbbb";
/** Room left of a figure's first panel for its value axis labels. */
export const AXIS_WIDTH = 28;

/** Colours of a signed weight or a phase, as the paper draws them: blue positive, red negative. */
export const POSITIVE_COLOR = "#4393c3";
/** See {@link POSITIVE_COLOR}. */
export const NEGATIVE_COLOR = "#d6604d";

/** The slice of an SVG element this module touches; linkedom provides it. */
export interface SvgNode {
  /** Sets an attribute. */
  setAttribute(name: string, value: string): void;
  /** An attribute's value, or null. */
  getAttribute(name: string): string | null;
  /** The element serialised. */
  outerHTML: string;
}

/** The slice of a DOM document this module touches. */
export interface HeadlessDocument {
  /** Creates an element in a namespace. */
  createElementNS(namespace: string, name: string): SvgNode;
}

/** A d3 selection (d3 ships without types here, so it is untyped). */
// deno-lint-ignore no-explicit-any
export type Selection = any;

/** A legend entry: a colour and what it means. */
export interface Swatch {
  /** What the colour means. */
  label: string;
  /** A CSS colour. */
  color: string;
}

/** Formats a number with at most 2 significant digits, no trailing zeros, a true minus sign. */
export function formatShort(value: number): string {
  return String(Number(value.toPrecision(2))).replace("-", "−");
}

/** Rounds a pixel coordinate to 0.01 px, which keeps the SVG small. */
export function px(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The panel title for a feature density p = 1 − S, e.g. `1−S = 0.05`. */
export function densityLabel(density: number): string {
  return `1−S = ${formatShort(density)}`;
}

/** An SVG element's attributes by name. */
export type Attributes = Record<string, string | number>;

/** Sets the given attributes on a selection; returns it. */
export function setAttributes(selection: Selection, attributes: Attributes): Selection {
  for (const [name, value] of Object.entries(attributes)) selection.attr(name, value);
  return selection;
}

/** Appends a `tag` element with the given attributes to `parent`; returns it. */
export function append(parent: Selection, tag: string, attributes: Attributes): Selection {
  return setAttributes(parent.append(tag), attributes);
}

/** A fresh headless document to draw one figure in. */
export function newDocument(): HeadlessDocument {
  const window = parseHTML("<html><body></body></html>") as unknown as {
    document: HeadlessDocument;
  };
  return window.document;
}

/**
 * A blank standalone figure (namespace, font, white background) of the given size, as a d3
 * selection of its SVG root.
 */
export function createFigure(document: HeadlessDocument, width: number, height: number): Selection {
  const root = setAttributes(d3.select(document.createElementNS(SVG_NAMESPACE, "svg")), {
    xmlns: SVG_NAMESPACE,
    width: px(width),
    height: px(height),
    viewBox: `0 0 ${px(width)} ${px(height)}`,
    "font-family": FONT_FAMILY,
    "font-size": 12,
  });
  append(root, "rect", { width: "100%", height: "100%", fill: "white" });
  return root;
}

/** A figure's SVG root as a standalone SVG string. */
export function serialize(root: Selection): string {
  return root.node().outerHTML;
}

/** Draws a bold title centred at (x, y). */
export function drawTitle(parent: Selection, x: number, y: number, text: string): void {
  const attributes = { x: px(x), y: px(y), "text-anchor": "middle", "font-weight": "bold" };
  append(parent, "text", { ...attributes, "font-size": 13 }).text(text);
}

/**
 * Draws a horizontal colour-ramp legend at (x, y): its label above, the ramp, and the ends of
 * `domain` below; `color` maps a value in `domain` to a CSS colour.
 */
export function drawRampLegend(
  parent: Selection,
  x: number,
  y: number,
  label: string,
  domain: readonly [number, number],
  color: (value: number) => string,
): void {
  const [low, high] = domain;
  const gradient = append(append(parent, "defs", {}), "linearGradient", { id: LEGEND_GRADIENT_ID });
  for (const offset of d3.range(0, 1.0001, 0.1)) {
    const stopColor = color(low + offset * (high - low));
    append(gradient, "stop", { offset: offset.toFixed(1), "stop-color": stopColor });
  }
  const legend = append(parent, "g", { class: "legend", transform: `translate(${x},${y})` });
  append(legend, "text", { y: 10 }).text(label);
  append(legend, "rect", {
    y: 16,
    width: LEGEND_WIDTH,
    height: 10,
    fill: `url(#${LEGEND_GRADIENT_ID})`,
  });
  append(legend, "text", { y: 40 }).text(formatShort(low));
  append(legend, "text", { x: LEGEND_WIDTH, y: 40, "text-anchor": "end" }).text(formatShort(high));
}

/** Draws a row of colour swatches at (x, y), each followed by its label. */
export function drawSwatchLegend(
  parent: Selection,
  x: number,
  y: number,
  swatches: Swatch[],
): void {
  const legend = append(parent, "g", { class: "legend", transform: `translate(${x},${y})` });
  let offset = 0;
  for (const { label, color } of swatches) {
    append(legend, "rect", { x: offset, width: 12, height: 12, fill: color });
    append(legend, "text", { x: offset + 17, y: 10.5 }).text(label);
    offset += 17 + label.length * 7 + 18; // about 7 px per character at 12 px
  }
}

/**
 * Draws a row of titled panels `panelWidth` wide; `draw` fills each panel's group, whose
 * origin is the panel's top-left corner below the title.
 */
export function drawPanelRow<Panel extends { title: string }>(
  root: Selection,
  panels: readonly Panel[],
  panelWidth: number,
  draw: (group: Selection, panel: Panel) => void,
): void {
  panels.forEach((panel, index) => {
    const left = MARGIN + index * (panelWidth + PANEL_GAP);
    drawTitle(root, left + panelWidth / 2, TITLE_HEIGHT - 6, panel.title);
    draw(
      append(root, "g", { class: "panel", transform: `translate(${left},${TITLE_HEIGHT})` }),
      panel,
    );
  });
}

/**
 * Draws titled panels in rows of at most `columns` (all in one row by default), each row
 * `rowHeight` below the last, with {@link drawPanelRow}; returns the columns and rows used.
 */
export function drawPanelGrid<Panel extends { title: string }>(
  root: Selection,
  panels: readonly Panel[],
  layout: { columns?: number; panelWidth: number; rowHeight: number },
  draw: (group: Selection, panel: Panel) => void,
): { columns: number; rows: number } {
  const { columns, rows } = gridShape(panels.length, layout.columns);
  for (let row = 0; row < rows; row++) {
    const group = append(root, "g", { transform: `translate(0,${row * layout.rowHeight})` });
    drawPanelRow(group, panels.slice(row * columns, (row + 1) * columns), layout.panelWidth, draw);
  }
  return { columns, rows };
}

/** The columns and rows {@link drawPanelGrid} lays `count` panels out in. */
export function gridShape(count: number, columns?: number): { columns: number; rows: number } {
  const used = Math.min(columns ?? count, count);
  return { columns: used, rows: Math.ceil(count / used) };
}

/** Width of a figure holding a row of panels (at least wide enough for a legend). */
export function rowWidth(panelCount: number, panelWidth: number): number {
  const panels = panelCount * panelWidth + (panelCount - 1) * PANEL_GAP;
  return 2 * MARGIN + Math.max(panels, LEGEND_WIDTH);
}

/** Throws where a figure is given no panels. */
export function requirePanels(panels: readonly unknown[], figure: string): void {
  if (panels.length === 0) throw new Error(`${figure}: no panels`);
}

/** Throws where an array has the wrong length, naming it. */
export function requireLength(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what} has length ${actual}, expected ${expected}`);
}

/**
 * The indices 0, k, 2k, … below `count` to label on an index axis whose entries are `spacing` px
 * apart: k is the smallest of 1, 2, 5, 10, 20, 50, … that puts labels at least 18 px apart.
 */
export function indexTicks(count: number, spacing: number): number[] {
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const step = steps.find((k) => k * spacing >= 18) ?? count;
  return d3.range(0, count, step);
}

/** Colour of index tick labels (feature numbers along a matrix or a column of bars). */
export const TICK_COLOR = "#555555";

/**
 * Labels entries of an index axis (e.g. feature i): each index in `indices` at the centre of its
 * entry, `center(i)` px along the axis. `rows` puts them left of x = 0, right-aligned; `columns`
 * puts them under y = `below`, centred.
 */
export function drawIndexTicks(
  parent: Selection,
  indices: readonly number[],
  center: (index: number) => number,
  axis: { kind: "rows" } | { kind: "columns"; below: number },
): void {
  const ticks = append(parent, "g", { class: "index-ticks", "font-size": 9, fill: TICK_COLOR });
  for (const index of indices) {
    const position: Attributes = axis.kind === "rows"
      ? { x: -3, y: px(center(index)), dy: "0.32em", "text-anchor": "end" }
      : { x: px(center(index)), y: px(axis.below + 10), "text-anchor": "middle" };
    append(ticks, "text", position).text(String(index));
  }
}

/** The extent [0, top'] of an axis from 0 to `top`, with top' rounded up to a tick (d3's nice). */
export function niceFromZero(top: number): [number, number] {
  return d3.scaleLinear().domain([0, top]).nice().domain() as [number, number];
}
