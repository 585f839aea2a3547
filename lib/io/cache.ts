/**
 * @module
 * The training cache: a trained run's result stored under a key that hashes the {@link Run},
 * the trainer that ran it (backend and adapter) and the trainer's code (every file of
 * `lib/engine/` and `shaders/`), so a rerun with nothing changed trains nothing, and any change
 * to the run or the engine trains again.
 *
 * An entry is one file `<key>.bin`: the magic `SPCACHE1`, a u32 header length, a JSON header
 * (shapes, seconds, the SHA-256 of the payload), then the payload: final parameters (f64), loss
 * curves (f32) and snapshot parameters (f64). Entries are written atomically; one whose magic,
 * header, length or hash is off is reported as corrupt and retrained, never used.
 */
import { join } from "node:path";
import { assembleResult, type Backend, type TrainResult } from "../engine/result.ts";
import { type Run, runParamCount } from "../engine/run.ts";
import { writeFileAtomic } from "./csv.ts";

const MAGIC = "SPCACHE1";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** SHA-256 of `data`, as lowercase hex. */
export async function sha256(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** JSON with object keys sorted and typed arrays as arrays: equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => {
    if (ArrayBuffer.isView(item)) return Array.from(item as unknown as ArrayLike<number>);
    if (item && typeof item === "object" && !Array.isArray(item)) {
      return Object.fromEntries(Object.keys(item).sort().map((key) => [key, item[key]]));
    }
    return item;
  });
}

let codeHash: Promise<string> | undefined;

/**
 * SHA-256 over the path (relative to the checkout, so that copies of it agree) and text of every
 * file under `lib/engine/` and `shaders/`.
 */
export function engineCodeHash(): Promise<string> {
  codeHash ??= (async () => {
    const roots = ["../engine/", "../../shaders/"].map((path) => new URL(path, import.meta.url));
    const checkout = new URL("../../", import.meta.url).pathname;
    const files: [string, string][] = [];
    const walk = async (dir: URL, prefix: string) => {
      for await (const entry of Deno.readDir(dir)) {
        const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
        if (entry.isDirectory) await walk(url, `${prefix}${entry.name}/`);
        else files.push([`${prefix}${entry.name}`, await Deno.readTextFile(url)]);
      }
    };
    for (const root of roots) await walk(root, root.pathname.slice(checkout.length));
    files.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    return await sha256(files.map(([path, text]) => `${path}\n${text.length}\n${text}`).join(""));
  })();
  return codeHash;
}

/** The cache key of `run` trained by `trainer` (backend and adapter) with the current engine. */
export async function cacheKey(run: Run, trainer: string): Promise<string> {
  return await sha256(stableJson({ run, trainer, code: await engineCodeHash() }));
}

interface Header {
  backend: Backend;
  seconds: number;
  instances: number;
  paramCount: number;
  steps: number;
  snapshotSteps: number[];
  payloadBytes: number;
  payloadSha256: string;
}

/** Bytes of each payload block for a run: final params, loss curves, snapshot params. */
function blockBytes(instances: number, paramCount: number, steps: number, snapshots: number) {
  const params = instances * paramCount * 8;
  const losses = instances * steps * 4;
  return {
    params,
    losses,
    snapshots: snapshots * params,
    total: params * (1 + snapshots) + losses,
  };
}

/** Serialises a result: magic, header length, JSON header, payload (see the module doc). */
export async function encodeResult(run: Run, result: TrainResult): Promise<Uint8Array> {
  const instances = run.instances.length;
  const paramCount = runParamCount(run);
  const snapshotSteps = result.snapshots.map((snapshot) => snapshot.step);
  const sizes = blockBytes(instances, paramCount, run.steps, snapshotSteps.length);
  const payload = new Uint8Array(sizes.total);
  let offset = 0;
  const put = (array: Float64Array | Float32Array) => {
    payload.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset += array.byteLength;
  };
  result.params.forEach(put);
  result.losses.forEach(put);
  for (const snapshot of result.snapshots) snapshot.params.forEach(put);
  const header: Header = {
    backend: result.backend,
    seconds: result.seconds,
    instances,
    paramCount,
    steps: run.steps,
    snapshotSteps,
    payloadBytes: payload.byteLength,
    payloadSha256: await sha256(payload),
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const bytes = new Uint8Array(MAGIC.length + 4 + headerBytes.byteLength + payload.byteLength);
  bytes.set(encoder.encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, headerBytes.byteLength, true);
  bytes.set(headerBytes, MAGIC.length + 4);
  bytes.set(payload, MAGIC.length + 4 + headerBytes.byteLength);
  return bytes;
}

/** Why an entry was not used. */
export class CorruptEntry extends Error {
  override name = "CorruptEntry";
}

/**
 * Reads back {@link encodeResult}'s bytes for `run`; final losses, finiteness and best-of-k are
 * recomputed from the curves and parameters as the trainer does. Throws {@link CorruptEntry}
 * where anything is off.
 */
export async function decodeResult(run: Run, bytes: Uint8Array): Promise<TrainResult> {
  if (bytes.byteLength < MAGIC.length + 4 || decoder.decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw new CorruptEntry("bad magic");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const start = MAGIC.length + 4 + headerLength;
  let header: Header;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(MAGIC.length + 4, start)));
  } catch {
    throw new CorruptEntry("unreadable header");
  }
  const instances = run.instances.length;
  const paramCount = runParamCount(run);
  if (!Array.isArray(header.snapshotSteps)) throw new CorruptEntry("unreadable header");
  const sizes = blockBytes(instances, paramCount, run.steps, header.snapshotSteps.length);
  if (
    header.instances !== instances || header.paramCount !== paramCount ||
    header.steps !== run.steps || header.payloadBytes !== sizes.total ||
    bytes.byteLength !== start + sizes.total
  ) {
    throw new CorruptEntry("wrong size");
  }
  const payload = bytes.slice(start);
  if (await sha256(payload) !== header.payloadSha256) throw new CorruptEntry("hash mismatch");
  let offset = 0;
  const take = <T>(count: number, bytesEach: number, make: (buffer: ArrayBuffer) => T): T => {
    const buffer = payload.buffer.slice(offset, offset + count * bytesEach);
    offset += count * bytesEach;
    return make(buffer);
  };
  const paramsBlock = () =>
    Array.from(
      { length: instances },
      () => take(paramCount, 8, (buffer) => new Float64Array(buffer)),
    );
  const params = paramsBlock();
  const losses = Array.from(
    { length: instances },
    () => take(run.steps, 4, (buffer) => new Float32Array(buffer)),
  );
  const snapshots = header.snapshotSteps.map((step) => ({ step, params: paramsBlock() }));
  const result = assembleResult(header.backend, run, params, losses, snapshots, 0);
  return { ...result, seconds: header.seconds };
}

/** Where cache entries live, and whether to ignore what is there (`--force`). */
export interface CacheOptions {
  dir: string;
  force: boolean;
}

/** What {@link loadCached} found. */
export type CacheLookup =
  | { status: "hit"; result: TrainResult }
  | { status: "miss" | "forced" }
  | { status: "corrupt"; reason: string };

/** The entry `key` for `run`, if present, intact and not overridden by `force`. */
export async function loadCached(
  cache: CacheOptions,
  key: string,
  run: Run,
): Promise<CacheLookup> {
  if (cache.force) return { status: "forced" };
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(cache.dir, `${key}.bin`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { status: "miss" };
    throw error;
  }
  try {
    return { status: "hit", result: await decodeResult(run, bytes) };
  } catch (error) {
    if (error instanceof CorruptEntry) return { status: "corrupt", reason: error.message };
    throw error;
  }
}

/** Stores `result` as the entry `key`, atomically. */
export async function storeCached(
  cache: CacheOptions,
  key: string,
  run: Run,
  result: TrainResult,
): Promise<void> {
  await writeFileAtomic(join(cache.dir, `${key}.bin`), await encodeResult(run, result));
}
