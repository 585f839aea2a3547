/**
 * @module
 * A two-layer circuit diagram: the paper's asymmetric superposition motif (§11).
 */
import {
  append,
  createFigure,
  formatShort,
  MARGIN,
  NEGATIVE_COLOR,
  newDocument,
  POSITIVE_COLOR,
  px,
  type Selection,
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

/** The figure's size and where the three columns and two rows of nodes sit, in px. */
const WIDTH = 660;
const COLUMNS = [150, 330, 510] as const;
const ROWS = [64, 220] as const;
/** Where along an edge its label sits: near its own end, away from where the edges cross. */
const LABEL_AT = { input: 0.22, output: 0.78 } as const;
/** Stroke width of an edge of |w| = 0 and the extra width of the largest |w|. */
const THINNEST = 1;
const EXTRA_WIDTH = 7;
/** About how wide a character of an edge label (11 px) is, in px. */
const CHARACTER_WIDTH = 6.6;

/**
 * A two-layer circuit: two input features on the left, two neurons in the middle, the two
 * outputs on the right, an edge per non-zero weight, blue for positive and red for negative,
 * 1 + 7·|w|/max|w| px wide and labelled with w on a white box near its own end (where no other
 * edge passes), with a legend of the colours and widths. The paper draws its asymmetric
 * superposition motif (§11) this way.
 */
export function motifFigure(diagram: MotifDiagram): string {
  const largest = Math.max(1e-12, ...[...diagram.input, ...diagram.output].flat().map(Math.abs));
  const strokeWidth = (w: number) => px(THINNEST + EXTRA_WIDTH * Math.abs(w) / largest);
  const legendTop = ROWS[1] + 62;
  const height = legendTop + 58;
  const document = newDocument();
  const root = createFigure(document, WIDTH, height);
  const edges = append(root, "g", { class: "edges" });
  const labels = append(root, "g", { class: "edge-labels" });
  const edge = (
    from: readonly [number, number],
    to: readonly [number, number],
    w: number,
    at: number,
  ) => {
    if (w === 0) return;
    const [x1, y1] = from;
    const [x2, y2] = to;
    append(edges, "line", {
      class: "weight",
      x1,
      y1,
      x2,
      y2,
      stroke: w > 0 ? POSITIVE_COLOR : NEGATIVE_COLOR,
      "stroke-width": strokeWidth(w),
    });
    const label = formatShort(w);
    const [x, y] = [x1 + at * (x2 - x1), y1 + at * (y2 - y1)];
    const box = { width: label.length * CHARACTER_WIDTH + 6, height: 15 };
    append(labels, "rect", {
      x: px(x - box.width / 2),
      y: px(y - box.height / 2),
      ...box,
      rx: 3,
      fill: "white",
      stroke: "#999999",
      "stroke-width": 0.5,
    });
    append(labels, "text", { x: px(x), y: px(y + 4), "text-anchor": "middle", "font-size": 11 })
      .text(label);
  };
  for (let j = 0; j < 2; j++) {
    for (let f = 0; f < 2; f++) {
      edge([COLUMNS[0], ROWS[f]], [COLUMNS[1], ROWS[j]], diagram.input[j][f], LABEL_AT.input);
      edge([COLUMNS[1], ROWS[j]], [COLUMNS[2], ROWS[f]], diagram.output[f][j], LABEL_AT.output);
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
    node(COLUMNS[0], ROWS[f], `${name} in`, "left");
    node(COLUMNS[2], ROWS[f], `${name} out`, "right");
  });
  diagram.neurons.forEach((name, j) =>
    node(COLUMNS[1], ROWS[j], name, j === 0 ? "above" : "below")
  );
  const heading = { y: 18, "font-weight": "bold", "text-anchor": "middle" };
  append(root, "text", { ...heading, x: (COLUMNS[0] + COLUMNS[1]) / 2 }).text("W₁");
  append(root, "text", { ...heading, x: (COLUMNS[1] + COLUMNS[2]) / 2 }).text("W₂");
  drawEdgeLegend(root, legendTop, largest, strokeWidth);
  append(root, "text", { x: WIDTH / 2, y: height - 10, "text-anchor": "middle" })
    .text(diagram.note);
  return serialize(root);
}

/** The legend of {@link motifFigure}'s edges: the two signs' colours, and three widths. */
function drawEdgeLegend(
  root: Selection,
  top: number,
  largest: number,
  strokeWidth: (w: number) => number,
): void {
  const legend = append(root, "g", { class: "legend", transform: `translate(${MARGIN},${top})` });
  const sample = (x: number, color: string, width: number, label: string) => {
    append(legend, "line", {
      x1: x,
      x2: x + 28,
      y1: 6,
      y2: 6,
      stroke: color,
      "stroke-width": width,
    });
    append(legend, "text", { x: x + 34, y: 10 }).text(label);
  };
  sample(0, POSITIVE_COLOR, 3, "w > 0");
  sample(84, NEGATIVE_COLOR, 3, "w < 0");
  append(legend, "text", { x: 190, y: 10 }).text("width ∝ |w|:");
  [0.25, 0.5, 1].forEach((share, k) => {
    const w = share * largest;
    sample(276 + k * 72, "#555555", strokeWidth(w), formatShort(w));
  });
}
