import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { neuronBarsFigure, type NeuronPanel } from "../../lib/figures/neurons.ts";

/** Parses an SVG string into a document to query. */
function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

/** The texts of the elements matching `selector`. */
function texts(svg: string, selector: string): string[] {
  return [...parseSvg(svg).querySelectorAll(selector)].map((node) => node.textContent ?? "");
}

const panels: NeuronPanel[] = [
  { title: "dense", weights: [[1, 0, 0], [0, 1, 0]], kinds: ["monosemantic", "monosemantic"] },
  {
    title: "sparse",
    weights: [[1, -0.5, 0.9], [0.2, 1, -3.3], [2.3, 0, 0]],
    kinds: ["polysemantic", "polysemantic", "monosemantic"],
  },
];

Deno.test("neuronBarsFigure() draws a bar segment and a heatmap cell per non-zero weight, a mark per neuron", () => {
  const doc = parseSvg(neuronBarsFigure(panels));
  const perPanel = (selector: string) =>
    [...doc.querySelectorAll("g.panel")].map((panel) => panel.querySelectorAll(selector).length);
  assert.deepEqual(perPanel("rect.weight"), [2, 7]);
  assert.deepEqual(perPanel("rect.heatmap-cell"), [2, 7]);
  assert.deepEqual(perPanel("rect.neuron-monosemantic"), [2, 1]);
  assert.deepEqual(perPanel("rect.neuron-polysemantic"), [0, 2]);
});

Deno.test("neuronBarsFigure() heatmap: a row per feature, a neuron's column under its bar, blue > 0 and red < 0", () => {
  const doc = parseSvg(neuronBarsFigure([panels[1]]));
  const bars = [...doc.querySelectorAll("rect.weight")];
  const cells = [...doc.querySelectorAll("rect.heatmap-cell")];
  bars.forEach((bar, k) => assert.equal(cells[k].getAttribute("x"), bar.getAttribute("x")));
  const y = (k: number) => Number(cells[k].getAttribute("y"));
  assert.ok(y(0) < y(1) && y(1) < y(2), "feature 0 on top");
  const fill = (k: number) => cells[k].getAttribute("fill")!;
  const rgb = (k: number) => fill(k).match(/\d+/g)!.map(Number);
  assert.ok(rgb(0)[2] > rgb(0)[0], "W = 1 is blue");
  assert.ok(rgb(1)[0] > rgb(1)[2], "W = −0.5 is red");
});

Deno.test("neuronBarsFigure() value axis: round ticks, labelled, not the stacks' raw extent", () => {
  const svg = neuronBarsFigure(panels, { weightLabel: "W[j, i]" });
  const ticks = texts(svg, "g.value-axis text").filter((text) => !text.includes("W"));
  assert.ok(ticks.length >= 3);
  for (const tick of ticks) {
    const value = Number(tick.replace("−", "-"));
    assert.ok(Number.isInteger(value * 2), `tick ${tick} is a multiple of ½`);
  }
  assert.ok(!ticks.includes("4.2") && !ticks.includes("−3.3"));
  assert.ok(texts(svg, "g.value-axis text").includes("W[j, i], stacked"));
  assert.ok(texts(svg, "g.feature-axis text").includes("feature i"));
});

Deno.test("neuronBarsFigure() legends list only the kinds and features that appear", () => {
  const legend = (svg: string) => texts(svg, "g.legend text");
  const dense = legend(neuronBarsFigure([panels[0]]));
  assert.ok(dense.includes("monosemantic"));
  assert.ok(!dense.includes("polysemantic") && !dense.includes("dead"));
  assert.ok(dense.includes("feature 0") && dense.includes("1") && !dense.includes("2"));
  const withDead = legend(
    neuronBarsFigure([{ title: "t", weights: [[1], [0]], kinds: ["monosemantic", "dead"] }]),
  );
  assert.ok(withDead.includes("dead"));
});

Deno.test("neuronBarsFigure() labels large segments with their feature where bars are wide", () => {
  const labels = texts(neuronBarsFigure(panels), "text.segment-label");
  assert.ok(labels.includes("0") && labels.includes("2"));
});

Deno.test("neuronBarsFigure() colours many features by importance band, ⌊log₂(1 + i)⌋", () => {
  const weights = [Array.from({ length: 100 }, (_, i) => (i % 7 === 0 ? 0.5 : 0))];
  const svg = neuronBarsFigure([{ title: "n = 100", weights, kinds: ["polysemantic"] }]);
  const legend = texts(svg, "g.legend text");
  for (const band of ["feature 0", "7–14", "63–99"]) assert.ok(legend.includes(band), band);
  assert.ok(!legend.includes("1–2"), "features 1 and 2 have no weight");
  const fills = [...parseSvg(svg).querySelectorAll("rect.weight")].map((bar) =>
    bar.getAttribute("fill")
  );
  // Features 7 and 14 share a band; 0 and 7 do not.
  assert.equal(fills[1], fills[2]);
  assert.notEqual(fills[0], fills[1]);
});

Deno.test("neuronBarsFigure() lays out perRow panels a row, each row with its own value axis, and says so", () => {
  const svg = neuronBarsFigure([...panels, panels[0]], { perRow: 2 });
  const doc = parseSvg(svg);
  assert.equal(doc.querySelectorAll("g.value-axis").length, 2);
  assert.equal(doc.querySelectorAll("g.panel").length, 3);
  assert.match(texts(svg, "text.note").join(), /own value axis/);
  assert.deepEqual(texts(neuronBarsFigure(panels), "text.note"), []);
});

Deno.test("neuronBarsFigure() is deterministic and throws on inconsistent panels", () => {
  assert.equal(neuronBarsFigure(panels), neuronBarsFigure(panels));
  assert.throws(() => neuronBarsFigure([]), /no panels/);
  assert.throws(
    () => neuronBarsFigure([{ title: "t", weights: [[1]], kinds: [] }]),
    /kinds has length 0/,
  );
});
