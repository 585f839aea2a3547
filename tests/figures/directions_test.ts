import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { featureDirectionsFigure } from "../../lib/figures/directions.ts";
import { PANEL_SIZE, rowWidth } from "../../lib/figures/svg.ts";

function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

const panel = (title: string) => ({
  title,
  directions: [[1, 0], [0, 1], [-1, 0]] as [number, number][],
  shade: [1, 0.9, 0.8],
});

/** Each panel's top-left corner in the figure: its row's offset plus its own. */
function corners(svg: string): [number, number][] {
  const doc = parseSvg(svg);
  return [...doc.querySelectorAll("g.panel")].map((group) => {
    const [x, y] = group.getAttribute("transform")!.match(/[\d.]+/g)!.map(Number);
    const row = group.parentElement!.getAttribute("transform")!.match(/[\d.]+/g)!.map(Number);
    return [x + row[0], y + row[1]];
  });
}

Deno.test("featureDirectionsFigure() wraps its panels into rows of `columns`", () => {
  const panels = ["a", "b", "c", "d", "e", "f", "g"].map(panel);
  const svg = featureDirectionsFigure(panels, "importance Iᵢ", { columns: 3 });
  const rows = [...new Set(corners(svg).map(([, y]) => y))];
  assert.equal(rows.length, 3);
  const columns = corners(svg).map(([x]) => x);
  assert.deepEqual(columns.slice(3, 6), columns.slice(0, 3));
  const width = Number(parseSvg(svg).documentElement.getAttribute("width"));
  assert.equal(width, rowWidth(3, PANEL_SIZE));
  const oneRow = featureDirectionsFigure(panels);
  assert.equal(new Set(corners(oneRow).map(([, y]) => y)).size, 1);
});

Deno.test("featureDirectionsFigure() draws each panel's WᵀW and b under it, with its own ramp", () => {
  const gram = { gram: [[1, 0, -1], [0, 1, 0], [-1, 0, 1]], bias: [0, -0.1, 0] };
  const svg = featureDirectionsFigure([{ ...panel("a"), gram }, { ...panel("b"), gram }]);
  const doc = parseSvg(svg);
  const panels = [...doc.querySelectorAll("g.panel")];
  assert.deepEqual(panels.map((group) => group.querySelectorAll("rect.gram-cell").length), [9, 9]);
  assert.deepEqual(panels.map((group) => group.querySelectorAll("rect.bias-cell").length), [3, 3]);
  // Two ramps, each filled from its own gradient.
  const ids = [...doc.querySelectorAll("linearGradient")].map((g) => g.getAttribute("id"));
  assert.equal(new Set(ids).size, 2);
  const fills = [...doc.querySelectorAll("g.legend rect")].map((rect) => rect.getAttribute("fill"));
  assert.deepEqual(new Set(fills), new Set(ids.map((id) => `url(#${id})`)));
});
