import assert from "node:assert/strict";
import { noWebGpu } from "../../helpers.ts";

Deno.test({
  name: "gpuAdapter() prints no XDG_RUNTIME_DIR complaint where that variable is unset",
  ignore: noWebGpu,
  fn: async () => {
    // Every backend (no DENO_WEBGPU_BACKEND), so that EGL is probed, and no XDG_RUNTIME_DIR.
    const keep = ["PATH", "HOME", "DENO_DIR", "VK_ICD_FILENAMES", "LP_NUM_THREADS"];
    const env = Object.fromEntries(
      keep.flatMap((name) => {
        const value = Deno.env.get(name);
        return value === undefined ? [] : [[name, value]];
      }),
    );
    const device = new URL("../../../lib/engine/webgpu/device.ts", import.meta.url).href;
    const snippet = `import { gpuAdapter } from "${device}";
      console.log((await gpuAdapter()) === null ? "none" : "adapter");`;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", snippet],
      clearEnv: true,
      env,
    }).output();
    const decoder = new TextDecoder();
    assert.equal(code, 0, decoder.decode(stderr));
    assert.equal(decoder.decode(stdout).trim(), "adapter");
    assert.doesNotMatch(decoder.decode(stderr), /XDG_RUNTIME_DIR/);
  },
});
