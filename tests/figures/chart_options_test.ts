import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { xyChart, type XyChartOptions } from "../../lib/figures/chart.ts";

function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

const options: XyChartOptions = {
  xLabel: "x",
  yLabel: "y",
  series: [
    { name: "a", mark: "dot", points: [{ x: 2, y: 0.3 }, { x: 3, y: 0.6 }] },
    { name: "b", mark: "dot", color: "#a0a0a0", points: [{ x: 2.5, y: 0.4 }] },
  ],
};

/** The tick labels of the axis whose aria-label is `axis`. */
function ticks(svg: string, axis: string): string[] {
  const group = parseSvg(svg).querySelector(`g[aria-label="${axis}"]`)!;
  return [...group.querySelectorAll("text")].map((text) => text.textContent!);
}

Deno.test("xyChart() spans the axes over a given domain instead of the data's", () => {
  assert.ok(!ticks(xyChart(options), "y-axis tick label").includes("0.0"));
  const svg = xyChart({ ...options, xDomain: [0, 10], yDomain: [0, 1] });
  assert.ok(ticks(svg, "y-axis tick label").includes("0.0"));
  assert.ok(ticks(svg, "y-axis tick label").includes("1.0"));
  assert.ok(ticks(svg, "x-axis tick label").includes("10"));
});

Deno.test("xyChart() gives a series its own colour where set, in the marks and the legend", () => {
  const doc = parseSvg(xyChart(options));
  const fills = [...doc.querySelectorAll('g[aria-label="dot"] circle')].map((dot) =>
    dot.getAttribute("fill")
  );
  assert.ok(fills.includes("#a0a0a0"));
  assert.ok(fills.some((fill) => fill !== "#a0a0a0"));
  const swatches = [...doc.querySelectorAll("g.legend rect")].map((rect) =>
    rect.getAttribute("fill")
  );
  assert.equal(swatches[1], "#a0a0a0");
});
