/**
 * @module
 * `deno task bench`: training throughput of the notebook's workloads on each backend, and with
 * `--compare` the same workloads on the peers a user would pick instead, side by side: the
 * notebook's loop in PyTorch (`scripts/notebook_torch.py`) and the same loop compiled with JAX
 * (`scripts/notebook_jax.py`).
 *
 * Per workload and backend it reports the median of `--runs` timed runs after one untimed warm-up
 * run of the same length (which compiles the WebGPU pipelines and warms the JIT):
 * - instance-steps/s: instances × steps ÷ `TrainResult.seconds` (the whole `train()` call: upload,
 *   training, read-back). The peers train all instances in one batched tensor, so their figure is
 *   instances × their steps/s; these are what `steps_per_s`, `torch_steps_per_s` and
 *   `jax_steps_per_s` hold in `--json`.
 * - GFLOP/s: instance-steps/s × {@link stepFlops} (dense multiply-adds of forward and backward).
 * - peak memory: the peak resident set of the process that measured the row, warm-up included
 *   ({@link peakMemoryBytes}).
 *
 * A single workload and backend is measured in this process. Several are each measured in a fresh
 * child process (this script with `--workload W --backend B --json`), so that one row's heap, JIT
 * state and memory high-water mark do not carry into the next.
 */
import { fileURLToPath } from "node:url";
import type { ParseArgsOptionsConfig } from "node:util";
import { median } from "../lib/analysis/stats.ts";
import {
  peakMemoryBytes,
  stepFlops,
  type Workload,
  workloadRun,
  WORKLOADS,
} from "../lib/engine/bench.ts";
import { NOTEBOOK_BATCH } from "../lib/engine/spec.ts";
import { parseChoice, parseFlags, parseInteger } from "../lib/cli/args.ts";
import { runMain, UserError } from "../lib/engine/errors.ts";
import { gpuAdapter, NO_ADAPTER_MESSAGE } from "../lib/engine/webgpu/device.ts";
import type { Backend } from "../lib/engine/result.ts";
import { train } from "../lib/engine/train.ts";

const FLAGS = {
  workload: { type: "string", default: "all" },
  backend: { type: "string", default: "all" },
  runs: { type: "string", default: "5" },
  steps: { type: "string" },
  compare: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsOptionsConfig;

const WORKLOAD_NAMES = WORKLOADS.map((workload) => workload.name);

const USAGE =
  `bench: training throughput of the notebook's workloads (ReLU-output model, batch ${NOTEBOOK_BATCH},
AdamW, fresh data every step, importance 1, density 20^(-k/(K-1)) for instance k of K)

Flags:
  --workload ${[...WORKLOAD_NAMES, "all"].join("|")}  which workload, as NxM (default: all)
  --backend webgpu|cpu|all  which trainer (default: all; without a WebGPU adapter, cpu only)
  --runs N                  timed runs per measurement, after one warm-up run (default: 5)
  --steps N                 training steps per run for every workload and backend
                            (default: per workload and backend, about 0.5-2 s a run)
  --compare                 also time the notebook's loop in PyTorch (scripts/notebook_torch.py,
                            torch's default threads) and compiled with JAX (scripts/notebook_jax.py)
                            where a python3 that imports each is found
  --json                    print one JSON array, an object per workload and backend
  -h, --help                print this help and exit`;

/** Interpreters tried, in order, for `--compare`: Debian's python3 carries torch here. */
const PYTHONS = ["/usr/bin/python3", "python3"];

/** A peer of `--compare`: the notebook's loop in a Python framework, run by its script. */
interface Peer {
  /** The framework's module, which names the peer's fields (`<name>_steps_per_s`). */
  name: "torch" | "jax";
  script: string;
  /** The line under the table saying what was timed. */
  note: string;
}

/**
 * Where the peers train: the CPU, or the GPU with `PEER_DEVICE=cuda` (read by both peer scripts).
 */
function peerDevice(cpuDetail: string): string {
  if (Deno.env.get("PEER_DEVICE") === "cuda") return "on the GPU (PEER_DEVICE=cuda)";
  return cpuDetail ? `on the CPU, ${cpuDetail}` : "on the CPU";
}

const PEERS: readonly Peer[] = [
  {
    name: "torch",
    script: fileURLToPath(new URL("notebook_torch.py", import.meta.url)),
    note: `torch: the notebook's loop in PyTorch (all instances in one tensor), ${
      peerDevice("torch's default threads")
    }.`,
  },
  {
    name: "jax",
    script: fileURLToPath(new URL("notebook_jax.py", import.meta.url)),
    note: `jax: the same loop compiled with JAX (jit over a lax.scan of the steps), ${
      peerDevice("")
    }.`,
  },
];
const SELF = fileURLToPath(import.meta.url);
const decoder = new TextDecoder();

/** One measurement, as printed by `--json` (null where not measured). */
interface Row {
  workload: string;
  n: number;
  m: number;
  instances: number;
  batch: number;
  backend: Backend;
  /** Training steps per timed run. */
  steps: number;
  /** Instance-steps per second. */
  steps_per_s: number;
  gflop_s: number;
  peak_rss_mib: number;
  /** Instance-steps per second of the PyTorch notebook loop. */
  torch_steps_per_s: number | null;
  /** steps_per_s / torch_steps_per_s. */
  torch_ratio: number | null;
  /** Instance-steps per second of the loop compiled with JAX. */
  jax_steps_per_s: number | null;
  /** steps_per_s / jax_steps_per_s. */
  jax_ratio: number | null;
}

/** Times `runs` training runs of a workload after a warm-up run; returns its row without torch. */
async function measure(
  workload: Workload,
  backend: Backend,
  steps: number,
  runs: number,
): Promise<Row> {
  const run = workloadRun(workload, steps);
  await train(run, { backend });
  const rates: number[] = [];
  let peak = 0;
  for (let k = 0; k < runs; k++) {
    const result = await train(run, { backend });
    rates.push(workload.instances * steps / result.seconds);
    peak = Math.max(peak, peakMemoryBytes());
  }
  const rate = median(rates);
  const { name, n, m, instances } = workload;
  return {
    workload: name,
    n,
    m,
    instances,
    batch: NOTEBOOK_BATCH,
    backend,
    steps,
    steps_per_s: rate,
    gflop_s: rate * stepFlops(n, m, NOTEBOOK_BATCH) / 1e9,
    peak_rss_mib: peak / 2 ** 20,
    torch_steps_per_s: null,
    torch_ratio: null,
    jax_steps_per_s: null,
    jax_ratio: null,
  };
}

/** The first interpreter of {@link PYTHONS} that imports `module`, or undefined. */
async function pythonWith(module: string): Promise<string | undefined> {
  for (const python of PYTHONS) {
    try {
      const command = new Deno.Command(python, {
        args: ["-c", `import ${module}`],
        stdout: "null",
        stderr: "null",
      });
      if ((await command.output()).success) return python;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return undefined;
}

/** Instance-steps per second of a peer's loop (median of `runs`). */
async function measurePeer(
  peer: Peer,
  python: string,
  workload: Workload,
  steps: number,
  runs: number,
): Promise<number> {
  const { n, m, instances } = workload;
  const args = [peer.script, ...[n, m, instances, NOTEBOOK_BATCH, steps, runs].map(String)];
  const output = await new Deno.Command(python, { args, stdin: "null" }).output();
  if (!output.success) {
    throw new Error(`${peer.script} failed:\n${decoder.decode(output.stderr)}`);
  }
  return JSON.parse(decoder.decode(output.stdout)).instance_steps_per_s;
}

/**
 * {@link measure} in a fresh child process running this script with `--json`; the child's
 * {@link UserError} (exit code 2) is raised again here as one line.
 */
async function measureInChild(
  workload: Workload,
  backend: Backend,
  steps: number,
  runs: number,
): Promise<Row> {
  const flags = { workload: workload.name, backend, steps, runs };
  const args = ["run", "--allow-all", SELF, "--json"];
  for (const [flag, value] of Object.entries(flags)) args.push(`--${flag}`, String(value));
  const output = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  const stderr = decoder.decode(output.stderr).trim();
  if (output.code === 2) throw new UserError(stderr.split("\n").at(-1)!.replace(/^error: /, ""));
  if (!output.success) throw new Error(`bench ${args.slice(3).join(" ")} failed:\n${stderr}`);
  return JSON.parse(decoder.decode(output.stdout))[0];
}

function format(value: number | null): string {
  if (value === null) return "-";
  return value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
}

const COLUMNS: [string, number][] = [
  ["workload", -8],
  ["backend", -7],
  ["inst", 4],
  ["steps/run", 9],
  ["inst-steps/s", 12],
  ["GFLOP/s", 7],
  ["peak MiB", 8],
  ["torch inst-steps/s", 18],
  ["ours/torch", 10],
  ["jax inst-steps/s", 16],
  ["ours/jax", 8],
];

function tableLine(cells: string[]): string {
  return cells.map((cell, k) => {
    const width = COLUMNS[k][1];
    return width < 0 ? cell.padEnd(-width) : cell.padStart(width);
  }).join("  ");
}

function tableRow(row: Row): string {
  return tableLine([
    row.workload,
    row.backend,
    String(row.instances),
    String(row.steps),
    format(row.steps_per_s),
    format(row.gflop_s),
    format(row.peak_rss_mib),
    format(row.torch_steps_per_s),
    format(row.torch_ratio),
    format(row.jax_steps_per_s),
    format(row.jax_ratio),
  ]);
}

async function main(): Promise<void> {
  const values = parseFlags(Deno.args, FLAGS);
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const workloadName = parseChoice("--workload", String(values.workload), [
    ...WORKLOAD_NAMES,
    "all",
  ]);
  const backend = parseChoice("--backend", String(values.backend), ["webgpu", "cpu", "all"]);
  const runs = parseInteger("--runs", String(values.runs), 1);
  const steps = values.steps === undefined
    ? undefined
    : parseInteger("--steps", String(values.steps), 1);
  const workloads = WORKLOADS.filter((w) => workloadName === "all" || w.name === workloadName);
  let backends: Backend[] = backend === "all" ? ["webgpu", "cpu"] : [backend];
  if (backend !== "cpu" && await gpuAdapter() === null) {
    if (backend === "webgpu") throw new UserError(NO_ADAPTER_MESSAGE);
    console.error("bench: no WebGPU adapter found; measuring the cpu backend only");
    backends = ["cpu"];
  }
  const peers: { peer: Peer; python: string }[] = [];
  for (const peer of values.compare ? PEERS : []) {
    const python = await pythonWith(peer.name);
    if (python) peers.push({ peer, python });
    else {
      console.error(
        `bench: no python3 with ${peer.name} found (tried ${PYTHONS.join(", ")}); ` +
          `skipping the ${peer.name} comparison`,
      );
    }
  }

  const rows: Row[] = [];
  if (!values.json) {
    console.log(tableLine(COLUMNS.map(([title]) => title)));
  }
  const measureRow = workloads.length * backends.length === 1 ? measure : measureInChild;
  for (const workload of workloads) {
    const measured: Row[] = [];
    for (const each of backends) {
      measured.push(await measureRow(workload, each, steps ?? workload.steps[each], runs));
    }
    for (const { peer, python } of peers) {
      const rate = await measurePeer(
        peer,
        python,
        workload,
        steps ?? workload.steps[peer.name],
        runs,
      );
      for (const row of measured) {
        row[`${peer.name}_steps_per_s`] = rate;
        row[`${peer.name}_ratio`] = row.steps_per_s / rate;
      }
    }
    if (!values.json) measured.forEach((row) => console.log(tableRow(row)));
    rows.push(...measured);
  }
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(
    [
      "",
      `Median of ${runs} timed run(s) after a warm-up run. inst-steps/s: instances × steps ÷ seconds of train().`,
      "GFLOP/s: 10·B·n·m FLOPs per instance-step (dense multiply-adds of forward and backward, ×2).",
      "peak MiB: peak resident set of the process that measured the row, one process per row (Deno,",
      "JS heap, and the WebGPU driver's host memory; on lavapipe that includes the GPU buffers).",
      ...peers.map(({ peer }) => peer.note),
    ].join("\n").trimEnd(),
  );
}

if (import.meta.main) await runMain(main);
