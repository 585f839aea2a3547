import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import { xyChart, type XyChartOptions } from "../../lib/figures/chart.ts";
import { type DirectionsPanel, featureDirectionsFigure } from "../../lib/figures/directions.ts";
import { gramHeatmapFigure, type GramPanel } from "../../lib/figures/heatmap.ts";
import { featureNormBarsFigure, type NormBarsPanel } from "../../lib/figures/norm_bars.ts";
import { phaseDiagramFigure, type PhasePanel } from "../../lib/figures/phase.ts";
import { densityLabel } from "../../lib/figures/svg.ts";

/** Parses an SVG string into a document to query. */
function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

/** The number of elements matching `selector` inside each `g.panel`, in order. */
function countPerPanel(svg: string, selector: string): number[] {
  const panels = [...parseSvg(svg).querySelectorAll("g.panel")];
  return panels.map((panel) => panel.querySelectorAll(selector).length);
}

const pentagon = [0, 1, 2, 3, 4].map((k) => {
  const angle = 2 * Math.PI * k / 5;
  return [Math.cos(angle), Math.sin(angle)] as [number, number];
});

const directionsPanels: DirectionsPanel[] = [
  {
    title: densityLabel(1),
    directions: [[1, 0], [0, 1], [0, 0], [0, 0], [0, 0]],
    shade: [1, 0.9, 0.81, 0.73, 0.66],
  },
  { title: densityLabel(0.1), directions: pentagon, shade: [1, 0.9, 0.81, 0.73, 0.66] },
  { title: "three", directions: [[1, 0], [-1, 0], [0, 1.2]], shade: [1, 1, 1] },
];

const identityGram = (n: number, kept: number) =>
  Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => i === j && i < kept ? 1 : 0),
  );

const gramPanels: GramPanel[] = [
  { title: "linear", gram: identityGram(6, 3), bias: [0, 0, 0, 0.5, 0.5, 0.5] },
  { title: "relu", gram: identityGram(4, 4), bias: [-0.1, -0.1, -0.2, -0.3] },
];

const barsPanels: NormBarsPanel[] = [
  { title: "dense", norms: [1, 1, 0, 0], superposition: [0, 0, 0, 0] },
  { title: "sparse", norms: [1, 0.9, 0.8, 0.5, 0.2], superposition: [0, 2, 1, 0.5, 0] },
];

const importance = [0.1, 0.3, 1, 3, 10];
const density = [1, 0.3, 0.1, 0.01];
const phasePanels: PhasePanel[] = [
  {
    title: "empirical",
    importance,
    density,
    phases: density.map((p) =>
      importance.map((r) => p > 0.5 ? (r > 1 ? "dedicated" : "not_learned") : "superposition")
    ),
  },
  {
    title: "theory",
    importance: [0.1, 10],
    density: [1, 0.01],
    phases: [["not_learned", "dedicated"], ["superposition", "superposition"]],
    boundaries: [
      [{ r: 0.1, p: 0.16 }, { r: 1, p: 4 / 7 }, { r: 10, p: 0.16 }],
      [{ r: 1, p: 4 / 7 }, { r: 1, p: 1 }],
    ],
  },
];

const xyOptions: XyChartOptions = {
  title: "Dimensions per feature",
  xLabel: "1/(1−S)",
  yLabel: "dimensions per feature",
  logX: true,
  series: [
    {
      name: "features",
      mark: "dot",
      points: [1, 10, 100].map((x) => ({ x, y: 1 / Math.log2(2 * x) })),
    },
    {
      name: "model",
      mark: "line",
      points: [1, 10, 100].map((x) => ({ x, y: 0.8 / Math.log2(2 * x) })),
    },
    { name: "bound", mark: "line", points: [{ x: 1, y: 1 }, { x: 100, y: 1 }] },
  ],
};

const figures: [string, () => string][] = [
  ["featureDirectionsFigure", () => featureDirectionsFigure(directionsPanels)],
  ["gramHeatmapFigure", () => gramHeatmapFigure(gramPanels)],
  ["featureNormBarsFigure", () => featureNormBarsFigure(barsPanels)],
  ["phaseDiagramFigure", () => phaseDiagramFigure(phasePanels)],
  ["xyChart", () => xyChart(xyOptions)],
];

for (const [name, render] of figures) {
  Deno.test(`${name}() returns a standalone SVG in DejaVu Sans`, () => {
    const svg = render();
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /^<svg [^>]*font-family="DejaVu Sans"/);
    assert.match(svg, /<\/svg>$/);
    const root = parseSvg(svg).documentElement;
    assert.equal(root.tagName, "svg");
    assert.ok(Number(root.getAttribute("width")) > 0 && Number(root.getAttribute("height")) > 0);
  });

  Deno.test(`${name}() gives identical output for equal input`, () => {
    assert.equal(render(), render());
  });
}

Deno.test("featureDirectionsFigure() draws a line and a tip per feature in each panel", () => {
  const svg = featureDirectionsFigure(directionsPanels);
  assert.deepEqual(countPerPanel(svg, "line.feature"), [5, 5, 3]);
  assert.deepEqual(countPerPanel(svg, "circle.feature-tip"), [5, 5, 3]);
  assert.deepEqual(countPerPanel(svg, "circle.unit-circle"), [1, 1, 1]);
  for (const title of ["1−S = 1", "1−S = 0.1", "three"]) assert.ok(svg.includes(`>${title}<`));
});

Deno.test("featureDirectionsFigure() draws all panels on one scale that fits the longest", () => {
  const doc = parseSvg(featureDirectionsFigure(directionsPanels));
  const radii = [...doc.querySelectorAll("circle.unit-circle")].map((c) =>
    Number(c.getAttribute("r"))
  );
  assert.equal(new Set(radii).size, 1);
  // Panel 3's feature 2 is W = (0, 1.2): straight up, 1.2 unit radii long.
  const panel = doc.querySelectorAll("g.panel")[2];
  const tip = [...panel.querySelectorAll("line.feature")]
    .find((line) => Number(line.getAttribute("x2")) === 0)!;
  assert.ok(Math.abs(Number(tip.getAttribute("y2")) + 1.2 * radii[0]) < 0.05);
  // The panel's origin is its top-left corner; the vectors start at the centre group's origin.
  const center = panel.querySelector("g")!.getAttribute("transform")!;
  const [, centerY] = center.match(/translate\(([\d.]+),([\d.]+)\)/)!.slice(1).map(Number);
  assert.ok(centerY + Number(tip.getAttribute("y2")) >= 0, "the longest vector leaves its panel");
});

Deno.test("featureDirectionsFigure() colours features by their shade, titled by the legend", () => {
  const doc = parseSvg(featureDirectionsFigure([directionsPanels[1]]));
  const colors = new Set(
    [...doc.querySelectorAll("line.feature")].map((line) => line.getAttribute("stroke")),
  );
  assert.equal(colors.size, 5);
  assert.match(featureDirectionsFigure([directionsPanels[1]]), /importance Iᵢ/);
  assert.match(featureDirectionsFigure([directionsPanels[1]], "density pᵢ"), /density pᵢ/);
});

Deno.test("featureDirectionsFigure() colours categories with one colour each and a swatch per name", () => {
  const panel = {
    title: "sets",
    directions: [[1, 0], [0, 1], [-1, 0], [0, -1]] as [number, number][],
    shade: [0, 0, 1, 1],
  };
  const doc = parseSvg(featureDirectionsFigure([panel], ["set 1", "set 2"]));
  const strokes = [...doc.querySelectorAll("line.feature")].map((line) =>
    line.getAttribute("stroke")
  );
  assert.equal(new Set(strokes).size, 2);
  const swatches = [...doc.querySelectorAll("g.legend rect")].map((rect) =>
    rect.getAttribute("fill")
  );
  assert.deepEqual(new Set(swatches), new Set(strokes));
  const labels = [...doc.querySelectorAll("g.legend text")].map((text) => text.textContent);
  assert.deepEqual(labels, ["set 1", "set 2"]);
});

Deno.test("gramHeatmapFigure() draws n×n cells and n bias cells per panel", () => {
  const svg = gramHeatmapFigure(gramPanels);
  assert.deepEqual(countPerPanel(svg, "rect.gram-cell"), [36, 16]);
  assert.deepEqual(countPerPanel(svg, "rect.bias-cell"), [6, 4]);
  const withoutBias = gramHeatmapFigure(
    gramPanels.map(({ title, gram }) => ({ title, gram })),
    "cos",
  );
  assert.deepEqual(countPerPanel(withoutBias, "rect.bias-cell"), [0, 0]);
  assert.ok(withoutBias.includes(">cos<"));
});

Deno.test("gramHeatmapFigure() centres its colours at 0 and clamps to −1..1", () => {
  const doc = parseSvg(gramHeatmapFigure([{ title: "t", gram: [[1, 2], [0, -1]], bias: [-5, 0] }]));
  const cells = [...doc.querySelectorAll("rect.gram-cell")].map((cell) =>
    cell.getAttribute("fill")
  );
  const bias = [...doc.querySelectorAll("rect.bias-cell")].map((cell) => cell.getAttribute("fill"));
  assert.equal(cells[0], cells[1]); // 1 and 2 both at the top of the scale
  assert.equal(bias[0], cells[3]); // −5 clamps to −1
  assert.equal(bias[1], cells[2]); // 0 is the centre
  assert.notEqual(cells[0], cells[3]);
});

Deno.test("featureNormBarsFigure() draws one bar per feature with length ∝ ‖W_i‖", () => {
  const svg = featureNormBarsFigure(barsPanels);
  assert.deepEqual(countPerPanel(svg, "rect.norm-bar"), [4, 5]);
  const widths = [...parseSvg(svg).querySelectorAll("g.panel")[1].querySelectorAll("rect.norm-bar")]
    .map((bar) => Number(bar.getAttribute("width")));
  barsPanels[1].norms.forEach((norm, i) =>
    assert.ok(Math.abs(widths[i] - widths[0] * norm) < 0.05)
  );
});

Deno.test("featureNormBarsFigure() colours bars by superposition clamped to 0..1", () => {
  const doc = parseSvg(featureNormBarsFigure([barsPanels[1]]));
  const fills = [...doc.querySelectorAll("rect.norm-bar")].map((bar) => bar.getAttribute("fill"));
  assert.equal(fills[1], fills[2]); // 2 clamps to 1
  assert.equal(fills[0], fills[4]);
  assert.notEqual(fills[0], fills[3]);
  assert.notEqual(fills[3], fills[2]);
});

Deno.test("phaseDiagramFigure() draws one cell per grid point, coloured by phase", () => {
  const doc = parseSvg(phaseDiagramFigure(phasePanels));
  const facets = [...doc.querySelectorAll('g[aria-label="rect"] > g')];
  assert.deepEqual(facets.map((facet) => facet.querySelectorAll("rect").length), [20, 4]);
  const phases = phasePanels.flatMap((panel) => panel.phases.flat());
  const fills = facets.flatMap((facet) =>
    [...facet.querySelectorAll("rect")].map((cell) => cell.getAttribute("fill"))
  );
  phases.forEach((phase, i) =>
    phases.forEach((other, j) => assert.equal(fills[i] === fills[j], phase === other))
  );
  for (const title of ["empirical", "theory"]) assert.ok(doc.toString().includes(`>${title}<`));
});

Deno.test("phaseDiagramFigure() overlays one path per boundary curve", () => {
  const doc = parseSvg(phaseDiagramFigure(phasePanels));
  assert.equal(doc.querySelectorAll('g[aria-label="line"] path').length, 2);
});

Deno.test("xyChart() draws a path per line series and a dot per point, with a legend", () => {
  const svg = xyChart(xyOptions);
  const doc = parseSvg(svg);
  assert.equal(doc.querySelectorAll('g[aria-label="line"] path').length, 2);
  assert.equal(doc.querySelectorAll('g[aria-label="dot"] circle').length, 3);
  assert.equal(doc.querySelectorAll("g.legend rect").length, 3);
  for (const text of ["Dimensions per feature", "features", "model", "bound"]) {
    assert.ok(svg.includes(`>${text}<`), `missing ${text}`);
  }
});

Deno.test("densityLabel() formats 1−S with at most two significant digits", () => {
  assert.equal(densityLabel(0.05), "1−S = 0.05");
  assert.equal(densityLabel(1), "1−S = 1");
  assert.equal(densityLabel(20 ** -0.5), "1−S = 0.22");
});

Deno.test("figures throw on empty or inconsistent panels", () => {
  assert.throws(() => featureDirectionsFigure([]), /no panels/);
  assert.throws(
    () => featureDirectionsFigure([{ title: "t", directions: [[1, 0]], shade: [1, 2] }]),
    /shade has length 2, expected 1/,
  );
  assert.throws(() => gramHeatmapFigure([{ title: "t", gram: [[1]], bias: [0, 0] }]), /bias/);
  assert.throws(
    () => featureNormBarsFigure([{ title: "t", norms: [1], superposition: [] }]),
    /superposition/,
  );
  assert.throws(
    () =>
      phaseDiagramFigure([{
        title: "t",
        importance: [1],
        density: [1, 0.1],
        phases: [["dedicated"]],
      }]),
    /phases/,
  );
});
