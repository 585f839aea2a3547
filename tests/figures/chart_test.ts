import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { linearAxis, logAxis, PLOT_INSET, textWidth } from "../../lib/figures/axes.ts";
import { sharedXCharts, xyChart, type XyChartOptions } from "../../lib/figures/chart.ts";
import { stackFigures } from "../../lib/figures/compose.ts";

/** Parses an SVG string into a document to query. */
function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

/** The texts of the elements matching `selector`. */
function texts(svg: string, selector: string): string[] {
  return [...parseSvg(svg).querySelectorAll(selector)].map((node) => node.textContent ?? "");
}

/** The x of each x-axis tick (from its translate), in order. */
function xTickPositions(svg: string): number[] {
  const ticks = parseSvg(svg).querySelectorAll('g[aria-label="x-axis tick"] path');
  return [...ticks].map((tick) =>
    Number(/translate\(([-\d.]+)/.exec(tick.getAttribute("transform")!)![1])
  );
}

/** The left edge of the plot area (where the y grid lines start), in px. */
function plotLeft(svg: string): number {
  const grid = parseSvg(svg).querySelector('g[aria-label="y-grid"] line')!;
  return Number(grid.getAttribute("x1"));
}

const sweep: XyChartOptions = {
  xLabel: "training examples T",
  yLabel: "loss",
  logX: true,
  xTicks: [3, 5, 10, 30],
  series: [
    { name: "test", mark: "connected", points: [3, 5, 10, 30].map((x) => ({ x, y: 1 / x })) },
    { name: "unused", mark: "line", points: [] },
    { name: "m/T", mark: "guide", points: [3, 30].map((x) => ({ x, y: 2 / x })) },
  ],
};

Deno.test("logAxis: the sparsest of 10ᵏ, 1–3, 1–2–5 with four ticks; thinned powers of ten", () => {
  assert.deepEqual(logAxis([1, 20], 500, 80).ticks, [1, 2, 5, 10, 20]);
  assert.deepEqual(logAxis([0.003, 1], 500, 80).ticks, [0.003, 0.01, 0.03, 0.1, 0.3, 1]);
  assert.deepEqual(logAxis([1, 10_000], 500, 80).ticks, [1, 10, 100, 1000, 10_000]);
  assert.deepEqual(logAxis([1e-9, 1], 150, 24).ticks, [1e-8, 1e-6, 1e-4, 0.01, 1]);
  const given = logAxis([3, 1000], 500, 80, [5, 3, 1000]);
  assert.deepEqual(given.ticks, [3, 5, 1000]);
  assert.deepEqual(given.domain, [3, 1000]);
  assert.equal(logAxis([1e-4, 1], 500, 80).format(5.6e-4), "5.6e−4");
});

Deno.test("linearAxis: limits rounded outwards to ticks unless told not to", () => {
  const axis = linearAxis([-4.7, 3.3], 300, 40);
  assert.deepEqual(axis.domain, [-5, 4]);
  assert.equal(axis.format(-4), "−4");
  assert.deepEqual(linearAxis([0.985, 1.015], 200, 40, { rounded: false }).domain, [0.985, 1.015]);
  assert.deepEqual(linearAxis([2, 2], 200, 40).domain, [1.8, 2.2]);
});

Deno.test("textWidth: digits are wider than points, in proportion to the font size", () => {
  assert.ok(textWidth("0.001") < textWidth("00001"));
  assert.equal(textWidth("10", 24), 2 * textWidth("10", 12));
});

Deno.test("xyChart() labels every given tick, skips empty series and keeps guides out of the legend", () => {
  const svg = xyChart(sweep);
  assert.deepEqual(texts(svg, 'g[aria-label="x-axis tick label"] text'), ["3", "5", "10", "30"]);
  const legend = texts(svg, "g.legend text");
  assert.deepEqual(legend, []);
  assert.ok(svg.includes(">m/T<"), "the guide is labelled at its end");
  const doc = parseSvg(svg);
  assert.equal(doc.querySelectorAll('g[aria-label="dot"] circle').length, 4);
});

Deno.test("xyChart() insets the plot area so that dots at the limits are drawn whole", () => {
  const svg = xyChart({
    xLabel: "x",
    yLabel: "y",
    width: 400,
    height: 300,
    series: [{ name: "a", mark: "dot", points: [0, 10, 20, 30].map((x) => ({ x, y: x / 30 })) }],
  });
  const circles = [...parseSvg(svg).querySelectorAll('g[aria-label="dot"] circle')];
  const left = plotLeft(svg);
  for (const circle of circles) {
    const [cx, cy, r] = ["cx", "cy", "r"].map((name) => Number(circle.getAttribute(name)));
    assert.ok(cx - r >= left && cy - r >= 20, `dot at (${cx}, ${cy}) touches the frame`);
  }
  const xs = circles.map((circle) => Number(circle.getAttribute("cx")));
  assert.equal(Math.min(...xs), left + PLOT_INSET);
});

Deno.test("xyChart() sets _x as a subscript and gives the y label room beside its ticks", () => {
  const svg = xyChart({
    xLabel: "T",
    yLabel: "norm",
    series: [
      { name: "‖W‖_F", mark: "line", points: [{ x: 1, y: 0.0001 }, { x: 2, y: 0.0003 }] },
      { name: "‖b‖", mark: "line", points: [{ x: 1, y: 0.0002 }, { x: 2, y: 0.0001 }] },
    ],
  });
  assert.ok(!svg.includes("_F"));
  const subscript = parseSvg(svg).querySelector("g.legend tspan")!;
  assert.equal(subscript.textContent, "F");
  assert.equal(subscript.getAttribute("font-size"), "9");
  const doc = parseSvg(svg);
  const offset = Number(
    /translate\(-([\d.]+)/.exec(
      doc.querySelector('g[aria-label="y-axis label"]')!.getAttribute("transform")!,
    )![1],
  );
  const widest = Math.max(
    ...texts(svg, 'g[aria-label="y-axis tick label"] text').map((label) => textWidth(label)),
  );
  assert.ok(offset - 12 > widest + 9, `label at ${offset} px over ticks ${widest} px wide`);
});

Deno.test("xyChart() with yDomain cuts lines at its limits and drops dots outside", () => {
  const svg = xyChart({
    xLabel: "x",
    yLabel: "y",
    height: 300,
    yDomain: [0.9, 1.1],
    series: [{
      name: "a",
      mark: "connected",
      points: [{ x: 1, y: 1 }, { x: 2, y: 3 }, { x: 3, y: 1.05 }, { x: 4, y: 0.95 }],
    }],
  });
  const doc = parseSvg(svg);
  assert.equal(doc.querySelectorAll('g[aria-label="dot"] circle').length, 3);
  const paths = [...doc.querySelectorAll('g[aria-label="line"] path')];
  assert.equal(paths.length, 2, "one piece before the excursion, one after");
  for (const path of paths) {
    for (const [, y] of path.getAttribute("d")!.matchAll(/,([-\d.]+)/g)) {
      assert.ok(Number(y) >= 20 && Number(y) <= 300 - 42, `y ${y} outside the plot area`);
    }
  }
});

Deno.test("sharedXCharts() gives stacked charts one plot area and one x scale", () => {
  const wide = {
    xLabel: "step",
    yLabel: "D",
    logX: true,
    series: [{ name: "a", mark: "line" as const, points: [{ x: 1, y: 0.5 }, { x: 100, y: 1 }] }],
    rules: [{ y: 0.5, label: "a long rule label here" }],
  };
  const narrow = {
    xLabel: "step",
    yLabel: "loss",
    logX: true,
    logY: true,
    series: [{
      name: "loss",
      mark: "line" as const,
      points: [{ x: 1, y: 0.00123 }, { x: 1000, y: 0.0000456 }],
    }],
  };
  const [top, bottom] = sharedXCharts([wide, narrow]);
  assert.equal(plotLeft(top), plotLeft(bottom));
  assert.deepEqual(xTickPositions(top), xTickPositions(bottom));
  assert.deepEqual(texts(top, 'g[aria-label="x-axis tick label"] text'), [
    "1",
    "10",
    "100",
    "1000",
  ]);
  assert.throws(() => sharedXCharts([wide, { ...narrow, logX: false }]), /logX/);
  assert.ok(!stackFigures([{ heading: "", svgs: [top] }]).includes("font-weight"));
});

Deno.test("xyChart() keeps to a given xDomain and gives a series its colour where set", () => {
  const svg = xyChart({
    xLabel: "x",
    yLabel: "y",
    xDomain: [0, 10],
    series: [
      { name: "a", mark: "dot", points: [{ x: 5, y: 1 }, { x: 20, y: 2 }] },
      { name: "b", mark: "dot", color: "#a0a0a0", points: [{ x: 2, y: 1.5 }] },
    ],
  });
  const dots = [...parseSvg(svg).querySelectorAll('g[aria-label="dot"] circle')];
  assert.deepEqual(dots.map((dot) => dot.getAttribute("fill")), ["#4e79a7", "#a0a0a0"]);
  assert.deepEqual(texts(svg, 'g[aria-label="x-axis tick label"] text').at(-1), "10");
});
