/**
 * @module
 * Tidy CSV output: one header row, one row per observation, numbers written as plain
 * decimals. Files are written atomically, so an interrupted run never leaves half a file.
 */

import { stringify } from "csv-stringify/sync";
import { dirname } from "node:path";

/** One CSV field before formatting; `undefined` and `NaN` become an empty field. */
export type CsvCell = string | number | undefined;

/** Significant digits kept for non-integers: 9 round-trips any float32 exactly. */
const SIGNIFICANT_DIGITS = 9;

const fractionFormat = new Intl.NumberFormat("en-US", {
  maximumSignificantDigits: SIGNIFICANT_DIGITS,
  useGrouping: false,
});
const integerFormat = new Intl.NumberFormat("en-US", {
  maximumFractionDigits: 0,
  useGrouping: false,
});

/**
 * Formats a number as a plain decimal, never in exponent notation: integers exactly
 * (`1e21` → `1000000000000000000000`), others to 9 significant digits (`1e-9` → `0.000000001`).
 * NaN becomes the empty string; ±Infinity becomes `Infinity` / `-Infinity`.
 */
export function formatCsvNumber(value: number): string {
  if (Number.isNaN(value)) return "";
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  return (Number.isInteger(value) ? integerFormat : fractionFormat).format(value);
}

/**
 * Writes `data` (text or bytes) to `path` atomically: creates the parent directories, writes
 * `path.tmp-<random>`, then renames it over `path`. On failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporaryPath = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(temporaryPath, data);
    else await Deno.writeFile(temporaryPath, data);
    await Deno.rename(temporaryPath, path);
  } catch (error) {
    await Deno.remove(temporaryPath).catch(() => {});
    throw error;
  }
}

/**
 * Writes a tidy CSV with a header row of `columns` and one line per row, in column order
 * (keys of a row that are not in `columns` are not written). Throws before writing anything
 * if a row lacks one of the columns.
 */
export async function writeCsv(
  path: string,
  columns: readonly string[],
  rows: readonly Record<string, CsvCell>[],
): Promise<void> {
  const records = rows.map((row, index) =>
    columns.map((column) => {
      if (!(column in row)) throw new Error(`${path}: row ${index} has no column "${column}"`);
      const cell = row[column];
      return typeof cell === "number" ? formatCsvNumber(cell) : cell ?? "";
    })
  );
  await writeFileAtomic(path, stringify([[...columns], ...records]));
}
