import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { stepFlops, workloadRun, WORKLOADS } from "../../lib/engine/bench.ts";
import { assertClose } from "../helpers.ts";

const BENCH = fileURLToPath(new URL("../../scripts/bench.ts", import.meta.url));

/** Runs `deno task bench`'s script with `args`; returns its exit code and decoded output. */
async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", BENCH, ...args],
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("stepFlops() counts 5 multiply-adds per row and weight, 2 FLOPs each", () => {
  // n=2, m=1, B=3. Per row: W x (2 MACs), Wᵀz (2), ∂W += z gᵀ (2), δ = W g (2), ∂W += δ xᵀ (2):
  // 10 MACs, so 30 MACs and 60 FLOPs for the batch.
  assert.equal(stepFlops(2, 1, 3), 60);
  assert.equal(stepFlops(20, 5, 1024), 10 * 1024 * 100);
});

Deno.test("workloadRun() follows the notebook's sweep: density 20^(-k/(K-1)), importance 1", () => {
  const workload = WORKLOADS.find((w) => w.name === "20x5")!;
  const run = workloadRun(workload, 3);
  assert.equal(run.instances.length, 7);
  assert.deepEqual(run.init, { kind: "notebook", fanInstances: 7 });
  assert.equal(run.batch, 1024);
  assert.equal(run.steps, 3);
  assert.deepEqual(run.instances[0].density, Array(20).fill(1));
  assertClose(run.instances[6].density[19], 0.05, 1e-12, "last density");
  assertClose(run.instances[3].density[0], 20 ** -0.5, 1e-12, "middle density");
  assert.ok(run.instances.every((instance) => instance.importance.every((v) => v === 1)));
});

Deno.test("bench --json prints one array of rows with every field", async () => {
  const result = await bench(["--json", "--steps", "1", "--runs", "1", "--backend", "cpu"]);
  assert.equal(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout);
  assert.deepEqual(
    rows.map((row: { n: number; m: number; instances: number }) => [row.n, row.m, row.instances]),
    [[5, 2, 10], [20, 5, 7], [200, 20, 20]],
  );
  for (const row of rows) {
    assert.equal(row.backend, "cpu");
    assert.equal(row.batch, 1024);
    assert.equal(row.steps, 1);
    assert.ok(row.steps_per_s > 0 && row.gflop_s > 0 && row.peak_rss_mib > 0);
    assertClose(row.gflop_s, row.steps_per_s * stepFlops(row.n, row.m, 1024) / 1e9, 1e-9);
    for (const peer of ["torch", "jax"]) {
      assert.equal(row[`${peer}_steps_per_s`], null);
      assert.equal(row[`${peer}_ratio`], null);
    }
  }
});

Deno.test("bench --compare --json fills each peer's fields, or leaves them null without it", async () => {
  const result = await bench([
    "--compare",
    "--json",
    "--steps",
    "1",
    "--runs",
    "1",
    "--workload",
    "5x2",
    "--backend",
    "cpu",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const [row] = JSON.parse(result.stdout);
  for (const peer of ["torch", "jax"]) {
    const rate = row[`${peer}_steps_per_s`];
    if (rate === null) {
      assert.match(result.stderr, new RegExp(`no python3 with ${peer}`));
      assert.equal(row[`${peer}_ratio`], null);
    } else {
      assert.ok(rate > 0);
      assertClose(row[`${peer}_ratio`], row.steps_per_s / rate, 1e-9);
    }
  }
});

Deno.test("bench rejects an unknown flag with one line and exit code 2", async () => {
  const result = await bench(["--bogus"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^error: unknown flag --bogus; accepted: .*--workload.*\n$/);
});

Deno.test("bench rejects a bad --backend value, naming the accepted ones", async () => {
  const result = await bench(["--backend", "tpu"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'error: --backend must be webgpu or cpu or all (got "tpu")\n');
});
