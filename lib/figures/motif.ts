/**
 * @module
 * A two-layer circuit diagram: the paper's asymmetric superposition motif (§11).
 */
import {
  append,
  createFigure,
  formatShort,
  NEGATIVE_COLOR,
  newDocument,
  POSITIVE_COLOR,
  px,
  serialize,
} from "./svg.ts";

/** What {@link motifFigure} draws: two features, two neurons and the weights between them. */
export interface MotifDiagram {
  /** Names of the two features (inputs and outputs), e.g. "feature 3". */
  features: readonly [string, string];
  /** Names of the two neurons. */
  neurons: readonly [string, string];
  /** input[j][f]: the weight W₁ from feature f to neuron j. */
  input: readonly (readonly [number, number])[];
  /** output[f][j]: the weight W₂ from neuron j to output f. */
  output: readonly (readonly [number, number])[];
  /** A line under the diagram, e.g. the density and what the motif does. */
  note: string;
}

/**
 * A two-layer circuit: two input features on the left, two neurons in the middle, the two
 * outputs on the right, an edge per non-zero weight, blue for positive and red for negative,
 * as wide as |w| (relative to the largest) and labelled with w. The paper draws its asymmetric
 * superposition motif (§11) this way.
 */
export function motifFigure(diagram: MotifDiagram): string {
  const width = 620;
  const height = 250;
  const column = [150, width / 2, width - 150];
  const row = [70, 190];
  const largest = Math.max(1e-12, ...[...diagram.input, ...diagram.output].flat().map(Math.abs));
  const document = newDocument();
  const root = createFigure(document, width, height + 30);
  const edge = (x1: number, y1: number, x2: number, y2: number, w: number, at: number) => {
    if (w === 0) return;
    append(root, "line", {
      class: "weight",
      x1,
      y1,
      x2,
      y2,
      stroke: w > 0 ? POSITIVE_COLOR : NEGATIVE_COLOR,
      "stroke-width": px(1 + 7 * Math.abs(w) / largest),
    });
    const label = { x: px(x1 + at * (x2 - x1)), y: px(y1 + at * (y2 - y1) - 8) };
    append(root, "text", { ...label, "text-anchor": "middle", "font-size": 11 })
      .text(formatShort(w));
  };
  for (let j = 0; j < 2; j++) {
    for (let f = 0; f < 2; f++) {
      edge(column[0], row[f], column[1], row[j], diagram.input[j][f], 0.25);
      edge(column[1], row[j], column[2], row[f], diagram.output[f][j], 0.75);
    }
  }
  const node = (
    x: number,
    y: number,
    label: string,
    side: "left" | "right" | "above" | "below",
  ) => {
    append(root, "circle", { cx: x, cy: y, r: 16, fill: "white", stroke: "black" });
    const at = {
      left: { x: x - 22, y: y + 4, "text-anchor": "end" },
      right: { x: x + 22, y: y + 4, "text-anchor": "start" },
      above: { x, y: y - 24, "text-anchor": "middle" },
      below: { x, y: y + 34, "text-anchor": "middle" },
    }[side];
    append(root, "text", at).text(label);
  };
  diagram.features.forEach((name, f) => {
    node(column[0], row[f], `${name} in`, "left");
    node(column[2], row[f], `${name} out`, "right");
  });
  diagram.neurons.forEach((name, j) => node(column[1], row[j], name, j === 0 ? "above" : "below"));
  const heading = { y: 20, "font-weight": "bold", "text-anchor": "middle" };
  append(root, "text", { ...heading, x: (column[0] + column[1]) / 2 }).text("W₁");
  append(root, "text", { ...heading, x: (column[1] + column[2]) / 2 }).text("W₂");
  append(root, "text", { x: width / 2, y: height + 16, "text-anchor": "middle" })
    .text(diagram.note);
  return serialize(root);
}
