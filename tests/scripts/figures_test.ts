import { fileURLToPath } from "node:url";
import { assertRejectsFlags } from "../helpers.ts";

Deno.test("figures script stops at a bad flag with the section's one-line error and exit code 2", async () => {
  await assertRejectsFlags(
    fileURLToPath(new URL("../../scripts/figures.ts", import.meta.url)),
    ["--scale", "fast"],
    'error: --scale must be quick or paper (got "fast")',
  );
});
