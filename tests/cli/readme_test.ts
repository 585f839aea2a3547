import assert from "node:assert/strict";
import { readmeBlock, readmeBlocks, tableCells } from "../../lib/cli/readme.ts";

Deno.test("the README's section and column tables are the code's (deno task readme)", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  for (const [name, block] of Object.entries(readmeBlocks())) {
    const inReadme = readmeBlock(readme, name);
    assert.ok(inReadme !== undefined, `README lacks the ${name} block`);
    assert.deepEqual(tableCells(inReadme), tableCells(block), `README's ${name} table`);
  }
});
