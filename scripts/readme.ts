/** `deno task readme`: regenerates the README's section and column tables from the code. */
import { updateReadme } from "../lib/cli/readme.ts";

const path = new URL("../README.md", import.meta.url);
await Deno.writeTextFile(path, updateReadme(await Deno.readTextFile(path)));
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", path.pathname] }).output();
if (!fmt.success) throw new Error("deno fmt README.md failed");
