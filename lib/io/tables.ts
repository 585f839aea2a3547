/**
 * @module
 * The tables every section writes under its folder — `instances.csv`, `features.csv`,
 * `weights.csv` — and the one description of every column, which the README's column table is
 * generated from (and checked against). Sections' own tables declare their columns the same way.
 *
 * Notation as in the paper: n features, m hidden dimensions, W (or W₁) is m×n and its column
 * W_i is the direction of feature i; p = 1 − S is a feature's density.
 */
import { join } from "node:path";
import {
  dimensionsPerFeature,
  featureDimensionality,
  featureNorms,
  superposition,
} from "../analysis/metrics.ts";
import type { TrainResult } from "../engine/result.ts";
import { biasVector, modelName, paramLayout, type RunSpec, weightMatrix } from "../engine/spec.ts";
import { type CsvCell, writeCsv } from "./csv.ts";

/** A column of a CSV table: its name and what it holds, in one sentence. */
export interface Column {
  name: string;
  doc: string;
}

/** A CSV table a section writes: its file name, what a row is, and its columns. */
export interface TableSpec {
  file: string;
  row: string;
  columns: readonly Column[];
}

/** One CSV row, keyed by column name. */
export type Row = Record<string, CsvCell>;

const KEY_COLUMNS: readonly Column[] = [
  { name: "experiment", doc: "the trained run within the section (e.g. `relu`, `n2m1`)" },
  {
    name: "model",
    doc: "`linear`, `relu_output`, `relu_hidden` or `abs` (the model's equation, paper §1.2)",
  },
  { name: "config", doc: "the sweep point the instance trains (restarts of it share this)" },
  { name: "seed", doc: "the instance's seed (initial weights and data stream)" },
  { name: "instance", doc: "the instance's index within its run" },
];

/** The `density` column of a table whose rows are models at one density shared by every feature. */
export const DENSITY_COLUMN: Column = { name: "density", doc: "p = 1 − S shared by every feature" };

const SELECTED: Column = {
  name: "selected",
  doc: "1 for the best of its configuration's restarts (best-of-k; never a non-finite one)",
};

/** `instances.csv`: one row per trained instance. */
export const INSTANCES_TABLE: TableSpec = {
  file: "instances.csv",
  row: "one trained instance",
  columns: [
    ...KEY_COLUMNS,
    {
      name: "density",
      doc: "p = 1 − S shared by the instance's features; empty where they differ",
    },
    {
      name: "loss",
      doc: "final loss, notebook normalisation (paper's per-sample loss / n); empty if not finite",
    },
    { name: "dims_per_feature", doc: "m/‖W‖²_F, the paper's dimensions per feature D*" },
    {
      name: "finite",
      doc: "0 where the loss or a weight is NaN or ±∞ (training diverged), else 1",
    },
    SELECTED,
  ],
};

/** `features.csv`: one row per instance and feature. */
export const FEATURES_TABLE: TableSpec = {
  file: "features.csv",
  row: "one feature of one instance",
  columns: [
    ...KEY_COLUMNS,
    { name: "feature", doc: "the feature's index i (0 is the first, usually most important)" },
    { name: "importance", doc: "the feature's importance I_i" },
    { name: "density", doc: "the feature's density p_i = 1 − S_i" },
    { name: "norm", doc: "‖W_i‖ (W₁ when untied)" },
    { name: "bias", doc: "b_i" },
    { name: "superposition", doc: "Σ_{j≠i} (Ŵ_i·W_j)²: 0 when W_i is orthogonal to the others" },
    { name: "dimensionality", doc: "D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² (0 for an unlearned feature)" },
    SELECTED,
  ],
};

/** `weights.csv`: one row per parameter. */
export const WEIGHTS_TABLE: TableSpec = {
  file: "weights.csv",
  row: "one parameter",
  columns: [
    { name: "experiment", doc: "as in `instances.csv`" },
    { name: "instance", doc: "as in `instances.csv`" },
    { name: "matrix", doc: "`W` (m×n, tied), `W1` (m×n) and `W2` (n×m) when untied, or `b`" },
    { name: "row", doc: "row index (j < m for `W`/`W1`, i < n for `W2`, 0 for `b`)" },
    { name: "col", doc: "column index (i < n for `W`/`W1`/`b`, j < m for `W2`)" },
    { name: "value", doc: "the parameter's value" },
  ],
};

/** The three tables every section writes. */
export const CONTRACT_TABLES: readonly TableSpec[] = [
  INSTANCES_TABLE,
  FEATURES_TABLE,
  WEIGHTS_TABLE,
];

/** One trained run as the contract's tables show it. */
export interface ContractExperiment {
  /** The `experiment` column (e.g. "intro", "linear", "n2m1"). */
  experiment: string;
  run: RunSpec;
  result: TrainResult;
  /**
   * Per instance: overrides of the trainer's final loss (notebook normalisation) and best-of-k
   * selection, for a section that scores restarts by a less noisy estimate than the last batches.
   */
  loss?: readonly number[];
  selected?: readonly boolean[];
}

/** The key columns of instance k. */
function keyCells(experiment: ContractExperiment, k: number): Row {
  const instance = experiment.run.instances[k];
  return {
    experiment: experiment.experiment,
    model: modelName(experiment.run.model),
    config: instance.config,
    seed: instance.seed,
    instance: k,
  };
}

/** The density shared by all of an instance's features, or NaN (an empty cell) where they differ. */
function sharedDensity(density: readonly number[]): number {
  return density.every((p) => p === density[0]) ? density[0] : NaN;
}

function selectedFlag(experiment: ContractExperiment, k: number): number {
  return (experiment.selected ?? experiment.result.selected)[k] ? 1 : 0;
}

/**
 * Rows of `instances.csv`: per instance k, its final loss (notebook normalisation: Σ_i I_i
 * (x_i − x'_i)² / n averaged over the batch), D* = m/‖W‖²_F, whether it is finite, and whether
 * it is its configuration's best restart.
 */
export function instanceRows(experiment: ContractExperiment): Row[] {
  const { run, result } = experiment;
  const { m, n } = run.model;
  return run.instances.map((instance, k) => ({
    ...keyCells(experiment, k),
    density: sharedDensity(instance.density),
    loss: result.finite[k] ? (experiment.loss ?? result.finalLoss)[k] : NaN,
    dims_per_feature: dimensionsPerFeature(weightMatrix(run.model, result.params[k]), m, n),
    finite: result.finite[k] ? 1 : 0,
    selected: selectedFlag(experiment, k),
  }));
}

/**
 * Rows of `features.csv`: per instance k and feature i, I_i, p_i, ‖W_i‖, b_i, the superposition
 * Σ_{j≠i} (Ŵ_i·W_j)² and the dimensionality D_i = ‖W_i‖²/Σ_j (Ŵ_i·W_j)², on W (W₁ when untied).
 */
export function featureRows(experiment: ContractExperiment): Row[] {
  const { run, result } = experiment;
  const { m, n } = run.model;
  return run.instances.flatMap((instance, k) => {
    const W = weightMatrix(run.model, result.params[k]);
    const b = biasVector(run.model, result.params[k]);
    const norms = featureNorms(W, m, n);
    const overlaps = superposition(W, m, n);
    const dimensionality = featureDimensionality(W, m, n);
    return Array.from({ length: n }, (_, i) => ({
      ...keyCells(experiment, k),
      feature: i,
      importance: instance.importance[i],
      density: instance.density[i],
      norm: norms[i],
      bias: b[i],
      superposition: overlaps[i],
      dimensionality: dimensionality[i],
      selected: selectedFlag(experiment, k),
    }));
  });
}

/**
 * Rows of `weights.csv`: every parameter of every instance. Tied: matrix "W" with row j < m,
 * col i < n holding (W_i)_j. Untied: "W1" (m×n) likewise and "W2" (n×m, row i, col j). Then "b"
 * with row 0, col i holding b_i.
 */
export function weightRows(experiment: ContractExperiment): Row[] {
  const { run, result } = experiment;
  const { m, n, tied } = run.model;
  const layout = paramLayout(run.model);
  const rows: Row[] = [];
  const push = (instance: number, matrix: string, row: number, col: number, value: number) =>
    rows.push({ experiment: experiment.experiment, instance, matrix, row, col, value });
  result.params.forEach((params, k) => {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) push(k, tied ? "W" : "W1", j, i, params[layout.w1 + j * n + i]);
    }
    if (!tied) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) push(k, "W2", i, j, params[layout.w2 + i * m + j]);
      }
    }
    for (let i = 0; i < n; i++) push(k, "b", 0, i, params[layout.bias + i]);
  });
  return rows;
}

/** Writes `table` to `<dir>/<table.file>` atomically; throws before writing if a row lacks a column. */
export async function writeTable(
  dir: string,
  table: TableSpec,
  rows: readonly Row[],
): Promise<void> {
  await writeCsv(join(dir, table.file), table.columns.map((column) => column.name), rows);
}

/** The contract's three tables for `experiments`, in order: [table, rows] pairs. */
export function contractTables(
  experiments: readonly ContractExperiment[],
): [TableSpec, Row[]][] {
  return [
    [INSTANCES_TABLE, experiments.flatMap(instanceRows)],
    [FEATURES_TABLE, experiments.flatMap(featureRows)],
    [WEIGHTS_TABLE, experiments.flatMap(weightRows)],
  ];
}

/** Text as a Markdown table cell: its pipes escaped (\\|), so |x| does not split the cell. */
export function markdownCell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/**
 * The Markdown table of `tables`' columns (file, column, meaning), as the README shows it: one
 * place describes each column, and a test checks the README against this.
 */
export function columnsMarkdown(tables: readonly TableSpec[]): string {
  const rows = tables.flatMap((table) =>
    table.columns.map((column) =>
      `| \`${table.file}\` | \`${column.name}\` | ${markdownCell(column.doc)} |`
    )
  );
  return ["| file | column | holds |", "| --- | --- | --- |", ...rows].join("\n");
}
