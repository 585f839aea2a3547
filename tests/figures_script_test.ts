import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

Deno.test("figures script stops at a bad flag with the section's one-line error and exit code 2", async () => {
  const out = await Deno.makeTempDir();
  const script = fileURLToPath(new URL("../scripts/figures.ts", import.meta.url));
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, "--scale", "fast", "--out", out],
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 2);
  assert.equal(stderr, 'error: --scale must be quick or paper (got "fast")\n');
  assert.deepEqual([...Deno.readDirSync(out)], []);
  await Deno.remove(out, { recursive: true });
});
