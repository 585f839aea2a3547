import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { gramHeatmapFigure, gramLayout } from "../../lib/figures/heatmap.ts";
import { PANEL_SIZE } from "../../lib/figures/svg.ts";

function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

const identity = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => i === j ? 1 : 0));

Deno.test("gramHeatmapFigure() fits the matrix and its bias strip in one panel width", () => {
  for (const n of [2, 5, 20, 100]) {
    const layout = gramLayout(n, true);
    assert.ok(layout.stripLeft + layout.stripWidth <= PANEL_SIZE + 1e-9, `n = ${n}`);
    assert.ok(Math.abs(layout.cell * n - layout.side) < 1e-9);
  }
  const doc = parseSvg(
    gramHeatmapFigure([{ title: "t", gram: identity(5), bias: [0, 0, 0, 0, 0] }]),
  );
  const right = Math.max(
    ...[...doc.querySelectorAll("rect.bias-cell")].map((cell) =>
      Number(cell.getAttribute("x")) + Number(cell.getAttribute("width"))
    ),
  );
  assert.ok(right <= PANEL_SIZE + 0.01);
});

Deno.test("gramHeatmapFigure() labels feature indices along the rows and the columns", () => {
  const doc = parseSvg(gramHeatmapFigure([{ title: "t", gram: identity(20) }]));
  const axes = [...doc.querySelectorAll("g.index-ticks")].map((axis) =>
    [...axis.querySelectorAll("text")].map((text) => text.textContent)
  );
  assert.deepEqual(axes, [["0", "5", "10", "15"], ["0", "5", "10", "15"]]);
  const small = parseSvg(gramHeatmapFigure([{ title: "t", gram: identity(5) }]));
  const labels = [...small.querySelectorAll("g.index-ticks")[0].querySelectorAll("text")];
  assert.deepEqual(labels.map((text) => text.textContent), ["0", "1", "2", "3", "4"]);
});

Deno.test("gramHeatmapFigure() draws a line between sets at each separator, on both axes", () => {
  const plain = parseSvg(gramHeatmapFigure([{ title: "t", gram: identity(6) }]));
  assert.equal(plain.querySelectorAll("line.separator").length, 0);
  const svg = gramHeatmapFigure([{ title: "t", gram: identity(6) }], "cos", { separators: [3] });
  const lines = [...parseSvg(svg).querySelectorAll("line.separator")];
  const cell = PANEL_SIZE / 6;
  assert.equal(lines.length, 2);
  const vertical = lines.find((line) => line.getAttribute("x1") === line.getAttribute("x2"))!;
  const horizontal = lines.find((line) => line.getAttribute("y1") === line.getAttribute("y2"))!;
  assert.ok(Math.abs(Number(vertical.getAttribute("x1")) - 3 * cell) < 0.01);
  assert.ok(Math.abs(Number(horizontal.getAttribute("y1")) - 3 * cell) < 0.01);
});
