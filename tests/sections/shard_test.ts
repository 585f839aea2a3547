/**
 * Shards and merge: the slices cover every instance once and cost about the same, and merged
 * shards are exactly one run: the same parameters, selection and snapshots from the trainer, and
 * byte-identical tables and figures from `deno task merge`; a missing or repeated shard is a
 * one-line error naming it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { reluOutputModel } from "../../lib/engine/spec.ts";
import { train } from "../../lib/engine/train.ts";
import { mergeResults, shardRun, shardSlice } from "../../lib/sections/shard.ts";
import { noWebGpu, testRun } from "../helpers.ts";

Deno.test("shardSlice: N contiguous slices covering every instance once, sizes within one", () => {
  for (let instances = 0; instances <= 20; instances++) {
    for (let count = 1; count <= 6; count++) {
      const slices = Array.from(
        { length: count },
        (_, k) => shardSlice(instances, { index: k + 1, count }),
      );
      assert.equal(slices[0][0], 0);
      assert.equal(slices[count - 1][1], instances);
      slices.forEach(([start], k) => k > 0 && assert.equal(start, slices[k - 1][1]));
      const sizes = slices.map(([start, end]) => end - start);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${instances} in ${count}: ${sizes}`);
    }
  }
});

Deno.test("mergeResults: three shards trained apart equal the whole run (CPU trainer)", async () => {
  const run = testRun({
    model: reluOutputModel(5, 2),
    importance: (i) => 0.9 ** i,
    densities: [0.1, 0.3],
    restarts: 4,
    steps: 30,
    batch: 16,
    snapshotSteps: [0, 10, 30],
  });
  const whole = await train(run, { backend: "cpu" });
  const parts = [];
  for (let index = 1; index <= 3; index++) {
    parts.push(await train(shardRun(run, { index, count: 3 }), { backend: "cpu" }));
  }
  const merged = mergeResults(run, parts);
  assert.deepEqual(merged.params, whole.params);
  assert.deepEqual(merged.losses, whole.losses);
  assert.deepEqual(merged.finalLoss, whole.finalLoss);
  assert.deepEqual(merged.selected, whole.selected);
  assert.deepEqual(merged.snapshots, whole.snapshots);
});

const decoder = new TextDecoder();

/** Runs a script with `args`; returns its exit code and output. */
async function runScript(script: string, args: string[]) {
  const path = new URL(`../../scripts/${script}.ts`, import.meta.url).pathname;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", path, ...args],
    stdin: "null",
  }).output();
  return {
    code: result.code,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
  };
}

/** Every file under `dir` (relative paths), without the cache and the shard manifests. */
function outputs(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name === ".cache" || entry.name === "index.html") continue;
    if (entry.isDirectory) {
      files.push(...outputs(join(dir, entry.name)).map((f) => `${entry.name}/${f}`));
    } else files.push(entry.name);
  }
  return files.sort();
}

for (const backend of ["cpu", "webgpu"] as const) {
  Deno.test({
    name:
      `deno task merge: intro, nonuniform and sae (follow-ups) in 3 shards write what one run writes (${backend})`,
    ignore: backend === "webgpu" && noWebGpu,
    fn: async () => {
      const root = await Deno.makeTempDir();
      try {
        const flags = ["--backend", backend, "--steps", "40", "--only", "intro,nonuniform,sae"];
        const single = await runScript("figures", [...flags, "--out", join(root, "single")]);
        assert.equal(single.code, 1, single.stderr); // 40 steps are too few for every check
        const shards = [1, 2, 3].map((index) => join(root, `shard${index}`));
        for (const [k, dir] of shards.entries()) {
          const shard = await runScript("figures", [
            ...flags,
            "--shard",
            `${k + 1}/3`,
            "--out",
            dir,
          ]);
          assert.equal(shard.code, 0, shard.stderr);
          assert.match(shard.stdout, new RegExp(`intro \\(§2\\): shard ${k + 1}/3, `));
        }
        const merged = await runScript("merge", ["--out", join(root, "merged"), ...shards]);
        assert.equal(merged.code, single.code, merged.stderr);
        const summary = (text: string) =>
          text.split("\n").find((line) => line.startsWith("figures:"))!
            .replace(/ in [\d.]+ s;.*/, "");
        assert.equal(summary(merged.stdout), summary(single.stdout));
        const files = outputs(join(root, "single"));
        assert.deepEqual(outputs(join(root, "merged")), files);
        for (const file of files) {
          const [a, b] = ["single", "merged"].map((d) => Deno.readFileSync(join(root, d, file)));
          assert.deepEqual(a, b, `${file} differs`);
        }

        const missing = await runScript("merge", ["--out", join(root, "m2"), shards[0], shards[2]]);
        assert.equal(missing.code, 2);
        assert.equal(missing.stderr, "error: merge: intro: shard 2/3 is missing\n");
        const twice = await runScript("merge", ["--out", join(root, "m3"), ...shards, shards[1]]);
        assert.equal(twice.code, 2);
        assert.match(
          twice.stderr,
          /^error: merge: intro: shard 2\/3 is given twice \(.*shard2, .*shard2\)\n$/,
        );
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    },
  });
}
