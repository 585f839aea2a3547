/**
 * The GitHub Actions workflows users copy (`.github/workflows/`) cannot run here, so this parses
 * them, checks that every `deno task` they call exists and that they pin the Deno CI uses, and
 * runs the sharded workflow's shard-and-merge sequence locally, artifacts moved as the
 * upload and download steps say, at quick scale (`FIGURES_FLAGS` narrowed to one section).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { noWebGpu } from "../helpers.ts";

const root = new URL("../..", import.meta.url).pathname;
const workflowsDir = join(root, ".github/workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  needs?: string;
  strategy?: { matrix: Record<string, number[]> };
  steps: Step[];
}
interface Workflow {
  env?: Record<string, string | number>;
  jobs: Record<string, Job>;
}

function workflows(): [string, Workflow][] {
  return [...Deno.readDirSync(workflowsDir)]
    .filter((entry) => entry.name.endsWith(".yml"))
    .map((entry) => [
      entry.name,
      parse(Deno.readTextFileSync(join(workflowsDir, entry.name))) as Workflow,
    ]);
}

/** Replaces `${{ matrix.X }}`, `${{ env.X }}` and `${{ runner.temp }}`; any other expression fails. */
function expand(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
    assert.ok(name in context, `unknown expression ${name} in ${JSON.stringify(text)}`);
    return context[name];
  });
}

Deno.test("workflows: every deno task they call exists, and they pin the Deno that CI installs", () => {
  const tasks = Object.keys(JSON.parse(Deno.readTextFileSync(join(root, "deno.json"))).tasks);
  const ciDeno = /deno@([\d.]+)/.exec(Deno.readTextFileSync(join(root, ".ci/run")))![1];
  const found = workflows();
  assert.deepEqual(found.map(([name]) => name).sort(), [
    "figures-cpu.yml",
    "figures-gpu.yml",
    "figures-sharded.yml",
  ]);
  for (const [name, workflow] of found) {
    for (const [jobName, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps) {
        if (step.uses?.startsWith("denoland/setup-deno")) {
          assert.equal(step.with?.["deno-version"], `v${ciDeno}`, `${name} ${jobName}`);
        }
        for (const [, task] of (step.run ?? "").matchAll(/deno task (\S+)/g)) {
          assert.ok(tasks.includes(task), `${name} ${jobName} calls deno task ${task}`);
        }
      }
    }
  }
});

Deno.test({
  name: "figures-sharded.yml: its shard jobs and merge job, run here at quick scale, merge",
  ignore: noWebGpu,
  fn: async () => {
    const [, workflow] = workflows().find(([name]) => name === "figures-sharded.yml")!;
    const temp = await Deno.makeTempDir();
    const env: Record<string, string> = {
      ...Object.fromEntries(Object.entries(workflow.env ?? {}).map(([k, v]) => [k, String(v)])),
      FIGURES_FLAGS: "--scale quick --only intro --steps 40",
    };
    const context = (extra: Record<string, string>) => ({
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [`env.${k}`, v])),
      "runner.temp": temp,
      ...extra,
    });
    const run = async (script: string) => {
      const result = await new Deno.Command("bash", {
        args: ["-c", script],
        cwd: root,
        env: {
          ...env,
          RUNNER_TEMP: temp,
          PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH")}`,
        },
        stdin: "null",
      }).output();
      return { code: result.code, stderr: new TextDecoder().decode(result.stderr) };
    };
    try {
      const { shard, merge } = workflow.jobs;
      assert.equal(merge.needs, "shard");
      const shards = shard.strategy!.matrix.shard;
      assert.deepEqual(shards, Array.from({ length: Number(env.SHARDS) }, (_, k) => k + 1));
      const artifacts = new Map<string, string>();
      for (const k of shards) {
        const expanded = context({ "matrix.shard": String(k) });
        for (const step of shard.steps) {
          if (step.run && step.run.includes("deno task")) {
            const { code, stderr } = await run(expand(step.run, expanded));
            assert.equal(code, 0, stderr);
          }
          if (step.uses?.startsWith("actions/upload-artifact")) {
            artifacts.set(
              expand(String(step.with!.name), expanded),
              expand(String(step.with!.path), expanded),
            );
          }
        }
      }
      for (const step of merge.steps) {
        const expanded = context({});
        if (step.uses?.startsWith("actions/download-artifact")) {
          // download-artifact@v4 with a pattern puts each artifact in <path>/<name>/.
          const pattern = new RegExp(`^${String(step.with!.pattern).replace("*", ".*")}$`);
          const target = expand(String(step.with!.path), expanded);
          for (const [name, path] of artifacts) {
            if (!pattern.test(name)) continue;
            await Deno.mkdir(target, { recursive: true });
            await Deno.rename(path, join(target, name));
          }
        }
        if (step.run?.includes("deno task merge")) {
          const { code, stderr } = await run(expand(step.run, expanded));
          assert.ok(code === 0 || code === 1, stderr); // 40 steps may fail a check, never exit 2
        }
      }
      for (const file of ["out/index.html", "out/intro/instances.csv", "out/intro/intro.png"]) {
        assert.ok(Deno.statSync(join(temp, file)).isFile, `${file} written`);
      }
    } finally {
      await Deno.remove(temp, { recursive: true });
    }
  },
});
