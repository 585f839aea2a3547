/**
 * @module
 * Spreading a section over machines. Shard K of N trains, of every run, the K-th of N contiguous
 * slices of its instances (every instance trains independently: its own seeds, data stream and
 * initial weights), stores them in the cache format and writes a manifest; `merge` loads the N
 * shards, puts each run's instances back in order and analyses and writes exactly what one
 * machine would have. Each shard gets ⌊I/N⌋ or ⌈I/N⌉ instances of every run, so shards cost about
 * the same.
 */
import { assembleResult, type SnapshotParams, type TrainResult } from "../engine/result.ts";
import type { Run } from "../engine/run.ts";
import type { Scale } from "./section.ts";

/** Shard `index` (1 … count) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** `K/N` as the flag writes it. */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The instances [start, end) of a run of `instances` that shard K of N trains: ⌊(K−1)I/N⌋ … ⌊KI/N⌋. */
export function shardSlice(instances: number, shard: Shard): [number, number] {
  const cut = (k: number) => Math.floor(k * instances / shard.count);
  return [cut(shard.index - 1), cut(shard.index)];
}

/** The part of `run` that `shard` trains: its slice of the instances, the rest of the spec as is. */
export function shardRun<R extends Run>(run: R, shard: Shard): R {
  const [start, end] = shardSlice(run.instances.length, shard);
  return { ...run, instances: run.instances.slice(start, end) };
}

/**
 * The part of `run` that shard K records: its slice ({@link shardRun}); or, for a run that every
 * shard trains whole (`whole`: the first stage of a section with follow-ups), the whole run in
 * shard 1 and no instance in the others.
 */
export function recordedPart<R extends Run>(run: R, shard: Shard, whole: boolean): R {
  if (!whole) return shardRun(run, shard);
  return shard.index === 1 ? run : { ...run, instances: [] };
}

/**
 * One run's result from the results of its shards' non-empty slices, in shard order: every
 * per-instance array and snapshot concatenated, the final losses and best-of-k selection
 * recomputed over all instances (as the trainer does), the seconds summed.
 */
export function mergeResults(run: Run, parts: readonly TrainResult[]): TrainResult {
  const snapshots: SnapshotParams[] = parts[0].snapshots.map((snapshot, s) => ({
    step: snapshot.step,
    params: parts.flatMap((part) => part.snapshots[s].params),
  }));
  const result = assembleResult(
    parts[0].backend,
    run,
    parts.flatMap((part) => part.params),
    parts.flatMap((part) => part.losses),
    snapshots,
    performance.now(),
  );
  return { ...result, seconds: parts.reduce((sum, part) => sum + part.seconds, 0) };
}

/** What a shard writes beside its cache entries: `<out>/<section>/shard-K-of-N.json`. */
export interface ShardManifest {
  section: string;
  scale: Scale;
  seed: number;
  /** `--steps`, where it overrode the scale's. */
  steps?: number;
  shard: Shard;
  /** The trainer the entries were trained on (the cache key includes it). */
  trainer: string;
  /** The cache folder, relative to the manifest's output root where it lies inside it. */
  cache: string;
  /** Each run's cache key for this shard's slice; null where the slice is empty. */
  runs: { name: string; key: string | null }[];
}

/** The manifest's file name for `shard`. */
export function manifestName(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}
