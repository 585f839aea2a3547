/**
 * `deno task merge [--out DIR] SHARD_DIR…`: combines the shards written with `--shard K/N` into
 * exactly what one run would have written (see lib/cli/merge.ts).
 */
import { mergeMain } from "../lib/cli/merge.ts";
import { SECTIONS } from "../lib/sections/registry.ts";

await mergeMain(SECTIONS, Deno.args);
