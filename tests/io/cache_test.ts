import assert from "node:assert/strict";
import { join } from "node:path";
import { reluOutputModel } from "../../lib/engine/spec.ts";
import { train } from "../../lib/engine/train.ts";
import {
  cacheKey,
  CorruptEntry,
  decodeResult,
  encodeResult,
  engineCodeHash,
  loadCached,
  stableJson,
  storeCached,
} from "../../lib/io/cache.ts";
import { runSection } from "../../lib/sections/runner.ts";
import { intro } from "../../lib/sections/intro.ts";
import { testRun } from "../helpers.ts";

const run = testRun({
  model: reluOutputModel(5, 2),
  importance: (i) => 0.9 ** i,
  densities: [1, 0.1],
  restarts: 2,
  steps: 12,
  batch: 16,
  snapshotSteps: [0, 5],
});
const result = await train(run, { backend: "cpu" });

Deno.test("encodeResult() and decodeResult() round-trip a result exactly", async () => {
  const decoded = await decodeResult(run, await encodeResult(run, result));
  assert.deepEqual(decoded, result);
});

Deno.test("decodeResult() rejects a truncated, altered or foreign entry", async () => {
  const bytes = await encodeResult(run, result);
  const flipped = bytes.slice();
  flipped[flipped.length - 3] ^= 1;
  const cases: [Uint8Array, RegExp][] = [
    [bytes.slice(0, bytes.length - 8), /wrong size/],
    [flipped, /hash mismatch/],
    [new TextEncoder().encode("not a cache entry at all"), /bad magic/],
    [bytes.slice(0, 4), /bad magic/],
  ];
  for (const [entry, reason] of cases) {
    await assert.rejects(decodeResult(run, entry), (error: unknown) => {
      assert.ok(error instanceof CorruptEntry);
      assert.match(error.message, reason);
      return true;
    });
  }
  const longer = { ...run, steps: run.steps + 1 };
  await assert.rejects(decodeResult(longer, bytes), CorruptEntry, "another run's entry");
});

Deno.test("cacheKey() changes with the run and the trainer, not with key order", async () => {
  const key = await cacheKey(run, "cpu");
  assert.equal(await cacheKey(structuredClone(run), "cpu"), key);
  assert.notEqual(await cacheKey(run, "webgpu some adapter"), key);
  assert.notEqual(await cacheKey({ ...run, steps: 13 }, "cpu"), key);
  const seeded = { ...run, instances: run.instances.map((instance) => ({ ...instance })) };
  seeded.instances[3].seed += 1;
  assert.notEqual(await cacheKey(seeded, "cpu"), key);
  assert.equal(
    stableJson({ b: 1, a: [2, { d: 3, c: 4 }] }),
    stableJson({ a: [2, { c: 4, d: 3 }], b: 1 }),
  );
});

Deno.test("loadCached() finds a stored entry, misses an absent one, reports a corrupt one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cache = { dir, force: false };
    assert.deepEqual(await loadCached(cache, "absent", run), { status: "miss" });
    await storeCached(cache, "key", run, result);
    const hit = await loadCached(cache, "key", run);
    assert.equal(hit.status, "hit");
    assert.deepEqual(await loadCached({ dir, force: true }, "key", run), { status: "forced" });
    const path = join(dir, "key.bin");
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.slice(0, bytes.length / 2));
    assert.deepEqual(await loadCached(cache, "key", run), {
      status: "corrupt",
      reason: "wrong size",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSection() trains once, then serves the cache; --force and a corrupt entry retrain", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logged: string[] = [];
    const options = {
      out: join(dir, "out"),
      scale: "quick" as const,
      seed: 1,
      steps: 3,
      backend: { backend: "cpu" as const, trainer: "cpu" },
      cache: { dir: join(dir, "cache"), force: false },
      showProgress: false,
      log: (line: string) => logged.push(line),
    };
    const first = await runSection(intro, options);
    assert.deepEqual([first.trained, first.cached], [1, 0]);
    const csv = await Deno.readTextFile(join(dir, "out", "intro", "weights.csv"));
    const second = await runSection(intro, options);
    assert.deepEqual([second.trained, second.cached], [0, 1]);
    assert.equal(await Deno.readTextFile(join(dir, "out", "intro", "weights.csv")), csv);
    const forced = await runSection(intro, {
      ...options,
      cache: { ...options.cache, force: true },
    });
    assert.deepEqual([forced.trained, forced.cached], [1, 0]);
    for await (const entry of Deno.readDir(options.cache.dir)) {
      await Deno.writeTextFile(join(options.cache.dir, entry.name), "garbage");
    }
    const repaired = await runSection(intro, options);
    assert.deepEqual([repaired.trained, repaired.cached], [1, 0]);
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^intro intro: cache entry [0-9a-f]{64} bad magic; retraining$/);
    assert.equal(await Deno.readTextFile(join(dir, "out", "intro", "weights.csv")), csv);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engineCodeHash() is the same in a copy of the checkout, so its cache entries carry over", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const copy = await Deno.makeTempDir();
  try {
    for (const path of ["lib", "shaders", "deno.json", "deno.lock"]) {
      await new Deno.Command("cp", { args: ["-r", join(root, path), copy] }).output();
    }
    const script = `import { engineCodeHash } from "${join(copy, "lib/io/cache.ts")}";\n` +
      "console.log(await engineCodeHash());";
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", join(copy, "deno.json"), script],
      stderr: "inherit",
    }).output();
    assert.equal(new TextDecoder().decode(output.stdout).trim(), await engineCodeHash());
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});
