/**
 * @module
 * Tests of the geometry metrics against exact polytopes built here (oracles O9, O10, O18 of
 * paper.md §16.1) and the paper's closed forms.
 */
import assert from "node:assert/strict";
import {
  dataPointDimensionality,
  dimensionsPerFeature,
  featureDimensionality,
  featureNorms,
  gram,
  hiddenVectors,
  polysemanticity,
  superposition,
  vectorDimensionality,
} from "../../lib/analysis/metrics.ts";

/** A weight matrix given by its columns W_i (the feature directions), stored row-major m×n. */
interface Weights {
  W: number[];
  m: number;
  n: number;
}

function fromColumns(columns: number[][]): Weights {
  const n = columns.length;
  const m = columns[0].length;
  const W = new Array<number>(m * n);
  columns.forEach((column, i) => column.forEach((value, j) => W[j * n + i] = value));
  return { W, m, n };
}

function unit(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

function regularPolygon(k: number): number[][] {
  return Array.from(
    { length: k },
    (_, i) => [Math.cos(2 * Math.PI * i / k), Math.sin(2 * Math.PI * i / k)],
  );
}

const PHI = (1 + Math.sqrt(5)) / 2;

/** All sign choices of a vector's non-zero entries. */
function signVariants(vector: number[]): number[][] {
  return vector.reduce<number[][]>(
    (variants, value) =>
      variants.flatMap((prefix) =>
        value === 0 ? [[...prefix, 0]] : [[...prefix, value], [...prefix, -value]]
      ),
    [[]],
  );
}

/** The three cyclic permutations of (a, b, c), with all sign choices, as unit vectors. */
function cyclicSigned(vector: [number, number, number]): number[][] {
  const [a, b, c] = vector;
  return [[a, b, c], [c, a, b], [b, c, a]].flatMap(signVariants).map(unit);
}

const TETRAHEDRON = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]].map(unit);
const OCTAHEDRON = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
const CUBE = signVariants([1, 1, 1]).map(unit);
const ICOSAHEDRON = cyclicSigned([0, 1, PHI]);
const DODECAHEDRON = [...CUBE, ...cyclicSigned([0, 1 / PHI, PHI])];

/**
 * The regular d-simplex in d dimensions: the d+1 basis vectors of R^{d+1} projected orthogonally to
 * (1, …, 1), in the coordinates of the Helmert basis h_k = (1, …, 1, −k, 0, …)/√(k(k+1)).
 */
function regularSimplex(d: number): number[][] {
  return Array.from({ length: d + 1 }, (_, i) =>
    Array.from({ length: d }, (_, row) => {
      const k = row + 1;
      const entry = i < k ? 1 : i === k ? -k : 0;
      return entry / Math.sqrt(k * (k + 1));
    }));
}

/** A square antiprism of unit vectors: squares at heights ±h, the lower one turned by 45°. */
function squareAntiprism(h: number): number[][] {
  const radius = Math.sqrt(1 - h * h);
  return Array.from({ length: 8 }, (_, i) => {
    const angle = (Math.PI / 2) * Math.floor(i / 2) + (i % 2) * Math.PI / 4;
    return [radius * Math.cos(angle), radius * Math.sin(angle), i % 2 === 0 ? h : -h];
  });
}

/** A polygon in the xy-plane plus the antipodal pair ±e_z. */
function bipyramid(k: number): number[][] {
  return [...regularPolygon(k).map(([x, y]) => [x, y, 0]), [0, 0, 1], [0, 0, -1]];
}

function assertClose(actual: number, expected: number, tolerance = 1e-6): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

function assertAllClose(actual: number[], expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assertClose(value, expected[i], tolerance));
}

function dimensionalities(columns: number[][]): number[] {
  const { W, m, n } = fromColumns(columns);
  return featureDimensionality(W, m, n);
}

/** A fixed generic rotation of R³: three Givens rotations by unremarkable angles. */
function rotate(columns: number[][]): number[][] {
  const givens = (a: number, b: number, angle: number) => (v: number[]) => {
    const result = [...v];
    result[a] = Math.cos(angle) * v[a] - Math.sin(angle) * v[b];
    result[b] = Math.sin(angle) * v[a] + Math.cos(angle) * v[b];
    return result;
  };
  const steps = [givens(0, 1, 0.7), givens(1, 2, -1.3), givens(0, 2, 2.1)];
  return columns.map((column) => steps.reduce((v, step) => step(v), column));
}

Deno.test("featureNorms() returns the length of each column", () => {
  const { W, m, n } = fromColumns([[3, 4], [0, 0], [-1, 0]]);
  assertAllClose(featureNorms(W, m, n), [5, 0, 1], 1e-12);
});

Deno.test("featureNorms() rejects a W whose length is not m*n", () => {
  assert.throws(() => featureNorms([1, 2, 3], 2, 2), RangeError);
});

Deno.test("featureDimensionality() of an orthogonal basis is 1", () => {
  assertAllClose(dimensionalities([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), [1, 1, 1]);
});

Deno.test("featureDimensionality() of the digon and regular polygons is 1/2 or 2/k", () => {
  const digon = [[Math.cos(0.4), Math.sin(0.4)], [-Math.cos(0.4), -Math.sin(0.4)]];
  assertAllClose(dimensionalities(digon), [1 / 2, 1 / 2]);
  const expected: [number, number][] = [[3, 2 / 3], [4, 1 / 2], [5, 2 / 5], [6, 1 / 3], [7, 2 / 7]];
  for (const [k, value] of expected) {
    assertAllClose(dimensionalities(regularPolygon(k)), new Array(k).fill(value));
  }
});

Deno.test("featureDimensionality() of tetrahedron, octahedron, icosahedron: 3/4, 1/2, 1/4", () => {
  assertAllClose(dimensionalities(TETRAHEDRON), new Array(4).fill(3 / 4));
  assertAllClose(dimensionalities(OCTAHEDRON), new Array(6).fill(1 / 2));
  assertAllClose(dimensionalities(ICOSAHEDRON), new Array(12).fill(1 / 4));
});

Deno.test("featureDimensionality() of the regular 4- and 5-simplex is 4/5 and 5/6", () => {
  assertAllClose(dimensionalities(regularSimplex(4)), new Array(5).fill(4 / 5));
  assertAllClose(dimensionalities(regularSimplex(5)), new Array(6).fill(5 / 6));
});

Deno.test("featureDimensionality() of the tight square antiprism (h² = 1/3) is 3/8", () => {
  assertAllClose(dimensionalities(squareAntiprism(Math.sqrt(1 / 3))), new Array(8).fill(3 / 8));
});

Deno.test("featureDimensionality() splits bipyramids into their tegum factors", () => {
  assertAllClose(dimensionalities(bipyramid(3)), [2 / 3, 2 / 3, 2 / 3, 1 / 2, 1 / 2]);
  assertAllClose(dimensionalities(bipyramid(5)), [2 / 5, 2 / 5, 2 / 5, 2 / 5, 2 / 5, 1 / 2, 1 / 2]);
});

Deno.test("featureDimensionality() gives d/k on tight frames, summing to d", () => {
  const tightFrames: [number[][], number][] = [
    [regularPolygon(5), 2],
    [regularPolygon(7), 2],
    [TETRAHEDRON, 3],
    [OCTAHEDRON, 3],
    [CUBE, 3],
    [ICOSAHEDRON, 3],
    [DODECAHEDRON, 3],
    [squareAntiprism(Math.sqrt(1 / 3)), 3],
    [regularSimplex(4), 4],
    [regularSimplex(5), 5],
  ];
  for (const [frame, d] of tightFrames) {
    const values = dimensionalities(frame);
    assertAllClose(values, new Array(frame.length).fill(d / frame.length));
    assertClose(values.reduce((sum, value) => sum + value, 0), d);
  }
});

Deno.test("featureDimensionality() is invariant under rotation and global scaling", () => {
  const bipyramidValues = [2 / 3, 2 / 3, 2 / 3, 1 / 2, 1 / 2];
  const irregular = [[0.9, 0.1, -0.3], [0.2, -0.7, 0.5], [-0.4, 0.3, 0.8], [0.6, 0.6, 0.1]];
  for (const scale of [2.5, 1e-4]) {
    const scaled = (columns: number[][]) => columns.map((v) => v.map((x) => scale * x));
    assertAllClose(dimensionalities(scaled(rotate(bipyramid(3)))), bipyramidValues);
    assertAllClose(dimensionalities(scaled(rotate(irregular))), dimensionalities(irregular));
  }
});

Deno.test("featureDimensionality() gives exactly 0 for a zero or negligible column", () => {
  const triangle = regularPolygon(3);
  assert.deepEqual(dimensionalities([[0, 0, 0]]), [0]);
  assertAllClose(dimensionalities([...triangle, [0, 0]]), [2 / 3, 2 / 3, 2 / 3, 0]);
  const withTiny = dimensionalities([...triangle, [1e-13, 0]]);
  assert.equal(withTiny[3], 0);
  assertAllClose(withTiny.slice(0, 3), [2 / 3, 2 / 3, 2 / 3]);
});

Deno.test("vectorDimensionality() rejects vectors of different lengths", () => {
  assert.throws(() => vectorDimensionality([[1, 0], [1, 0, 0]]), RangeError);
});

Deno.test("hiddenVectors() computes h = W x", () => {
  const W = [1, 2, 3, 4, 5, 6]; // m = 2, n = 3
  assert.deepEqual(hiddenVectors(W, 2, 3, [[1, 0, 0], [1, 1, 1], [0, 2, -1]]), [
    [1, 4],
    [6, 15],
    [1, 4],
  ]);
});

Deno.test("dataPointDimensionality() of data points on an ideal T-gon in m=2 is 2/T", () => {
  // Two antipodal pairs (n=4, m=2): h = (x₀ − x₂, x₁ − x₃), so the non-negative data point
  // (c⁺, s⁺, c⁻, s⁻) built from (c, s) = (cos θ, sin θ) lands on (c, s).
  const W = [1, 0, -1, 0, 0, 1, 0, -1];
  for (let T = 3; T <= 8; T++) {
    const points = regularPolygon(T).map(([c, s]) => [
      Math.max(c, 0),
      Math.max(s, 0),
      Math.max(-c, 0),
      Math.max(-s, 0),
    ]);
    assertAllClose(dataPointDimensionality(W, 2, 4, points), new Array(T).fill(2 / T));
  }
});

Deno.test("superposition() of an orthogonal basis and of a zero column is 0", () => {
  const { W, m, n } = fromColumns([[2, 0, 0], [0, 0.5, 0], [0, 0, 1], [0, 0, 0]]);
  assert.deepEqual(superposition(W, m, n), [0, 0, 0, 0]);
});

Deno.test("superposition() of a pentagon is Σ_{j≠i} cos² of the angles, times ‖W_j‖²", () => {
  const closedForm = [1, 2, 3, 4].reduce((sum, k) => sum + Math.cos(2 * Math.PI * k / 5) ** 2, 0);
  for (const scale of [1, 3]) {
    const { W, m, n } = fromColumns(regularPolygon(5).map((v) => v.map((x) => scale * x)));
    assertAllClose(superposition(W, m, n), new Array(5).fill(scale ** 2 * closedForm));
  }
});

Deno.test("polysemanticity() is √(Σ_{j≠i} (Ŵ_i·W_j)²) with Ŵ_i = W_i/(1e-5 + ‖W_i‖)", () => {
  const closedForm = [1, 2, 3, 4].reduce((sum, k) => sum + Math.cos(2 * Math.PI * k / 5) ** 2, 0);
  const { W, m, n } = fromColumns([...regularPolygon(5), [0, 0]]);
  const expected = [...new Array(5).fill(Math.sqrt(closedForm) / (1 + 1e-5)), 0];
  assertAllClose(polysemanticity(W, m, n), expected, 1e-12);
});

Deno.test("dimensionsPerFeature() is m/‖W‖_F²", () => {
  const pentagon = fromColumns(regularPolygon(5));
  assertClose(dimensionsPerFeature(pentagon.W, pentagon.m, pentagon.n), 2 / 5);
  const basis = fromColumns([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assertClose(dimensionsPerFeature(basis.W, basis.m, basis.n), 1);
  assert.equal(dimensionsPerFeature([0, 0, 0, 0], 2, 2), Infinity);
});

Deno.test("gram() is WᵀW: the cosines of a unit pentagon's angles", () => {
  const { W, m, n } = fromColumns(regularPolygon(5));
  const expected = Array.from(
    { length: 25 },
    (_, index) => Math.cos(2 * Math.PI * (Math.floor(index / 5) - (index % 5)) / 5),
  );
  assertAllClose(gram(W, m, n), expected, 1e-12);
});
