import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { featureNormBarsFigure } from "../../lib/figures/norm_bars.ts";

function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

const panel = {
  title: "t",
  norms: Array.from({ length: 20 }, (_, i) => 1 - i / 20),
  superposition: Array<number>(20).fill(0),
};

Deno.test("featureNormBarsFigure() labels the feature indices of its bars", () => {
  const doc = parseSvg(featureNormBarsFigure([panel]));
  const labels = [...doc.querySelectorAll("g.index-ticks text")].map((text) => text.textContent);
  assert.deepEqual(labels, ["0", "5", "10", "15"]);
});

Deno.test("featureNormBarsFigure() marks a threshold norm in every panel and names it", () => {
  const plain = parseSvg(featureNormBarsFigure([panel, panel]));
  assert.equal(plain.querySelectorAll("line.norm-mark").length, 2); // ‖W_i‖ = 1 only
  const svg = featureNormBarsFigure([panel, panel], {
    threshold: { norm: 0.5, label: "represented beyond 0.5" },
  });
  const doc = parseSvg(svg);
  const marks = [...doc.querySelectorAll("g.panel")[0].querySelectorAll("line.norm-mark")]
    .map((line) => Number(line.getAttribute("x1")));
  assert.equal(marks.length, 2);
  assert.ok(Math.abs(marks[1] - marks[0] / 2) < 0.01, "0.5 lies halfway to 1");
  assert.equal(doc.querySelectorAll("line.norm-mark").length, 4);
  assert.ok(svg.includes(">represented beyond 0.5<"));
  assert.ok(svg.includes(">0.5<"));
});

Deno.test("featureNormBarsFigure() wraps panels into rows of `columns` under one legend", () => {
  const oneRow = parseSvg(featureNormBarsFigure([panel, panel, panel]));
  const wrapped = parseSvg(featureNormBarsFigure([panel, panel, panel], { columns: 2 }));
  const size = (doc: ReturnType<typeof parseSvg>) => {
    const root = doc.querySelector("svg")!;
    return [Number(root.getAttribute("width")), Number(root.getAttribute("height"))];
  };
  const [oneWidth, oneHeight] = size(oneRow);
  const [width, height] = size(wrapped);
  assert.ok(
    width < oneWidth && height > oneHeight,
    `${width}×${height} vs ${oneWidth}×${oneHeight}`,
  );
  assert.equal(wrapped.querySelectorAll("g.panel").length, 3);
  assert.equal(wrapped.querySelectorAll("g.legend").length, 1);
  // The third panel starts a second row, at the first panel's x.
  const offsets = [...wrapped.querySelectorAll("g.panel")].map((group) =>
    group.getAttribute("transform")
  );
  assert.equal(offsets[2], offsets[0]);
});
