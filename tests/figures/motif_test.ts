import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { type MotifDiagram, motifFigure } from "../../lib/figures/motif.ts";
import { NEGATIVE_COLOR, POSITIVE_COLOR } from "../../lib/figures/svg.ts";

/** The paper's motif (§11): W₁ = [2, −½] into the neuron, W₂ = [½, 2] out, and an inhibitor. */
const diagram: MotifDiagram = {
  features: ["feature 0", "feature 1"],
  neurons: ["neuron 0", "inhibitor 1"],
  input: [[2, -0.5], [1, 0]],
  output: [[0.5, 0], [2, -3]],
  note: "the paper's example",
};

const doc = new DOMParser().parseFromString(motifFigure(diagram), "image/svg+xml");

Deno.test("motifFigure() draws an edge per non-zero weight, blue > 0, red < 0, as wide as |w|", () => {
  const edges = [...doc.querySelectorAll("line.weight")];
  assert.equal(edges.length, 6);
  const width = (edge: (typeof edges)[number]) => Number(edge.getAttribute("stroke-width"));
  const widest = edges.reduce((a, b) => width(a) >= width(b) ? a : b);
  assert.equal(widest.getAttribute("stroke"), NEGATIVE_COLOR); // w = −3
  const strokes = new Set(edges.map((edge) => edge.getAttribute("stroke")));
  assert.deepEqual(strokes, new Set([POSITIVE_COLOR, NEGATIVE_COLOR]));
});

Deno.test("motifFigure() labels each edge near its own end, off the crossings, on a white box", () => {
  const labels = [...doc.querySelectorAll("g.edge-labels text")];
  const boxes = [...doc.querySelectorAll("g.edge-labels rect")];
  assert.equal(labels.length, 6);
  assert.equal(boxes.length, 6);
  assert.ok(boxes.every((box) => box.getAttribute("fill") === "white"));
  // The two diagonals of each layer cross halfway between the columns; no label sits there.
  const edges = [...doc.querySelectorAll("line.weight")];
  const crossings = new Set(
    edges.filter((edge) => edge.getAttribute("y1") !== edge.getAttribute("y2")).map((edge) =>
      (Number(edge.getAttribute("x1")) + Number(edge.getAttribute("x2"))) / 2
    ),
  );
  for (const label of labels) {
    const x = Number(label.getAttribute("x"));
    for (const crossing of crossings) assert.ok(Math.abs(x - crossing) > 40);
  }
});

Deno.test("motifFigure() has a legend of the signs and of the widths", () => {
  const legend = [...doc.querySelectorAll("g.legend text")].map((text) => text.textContent);
  for (const entry of ["w > 0", "w < 0", "width ∝ |w|:", "3"]) {
    assert.ok(legend.includes(entry), entry);
  }
  assert.equal(doc.querySelectorAll("g.legend line").length, 5);
});
