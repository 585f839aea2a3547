/**
 * @module
 * The WebGPU device: one per process, with the adapter's storage limits requested explicitly,
 * and a one-line, actionable error where no adapter exists.
 */
import { UserError } from "../errors.ts";

/** What to tell a user without a WebGPU adapter. */
export const NO_ADAPTER_MESSAGE =
  "no WebGPU adapter found: install a GPU driver, or Mesa's lavapipe on a CPU-only machine " +
  "(apt-get install mesa-vulkan-drivers libvulkan1; DENO_WEBGPU_BACKEND must be unset or a valid " +
  "backend such as vulkan); or run with --backend cpu";

let adapterRequest: Promise<GPUAdapter | null> | undefined;
let deviceRequest: Promise<GPUDevice> | undefined;

/**
 * Where `XDG_RUNTIME_DIR` is unset or not a directory, wgpu's probe for a Wayland display (while
 * it enumerates GL adapters) makes libwayland print "error: XDG_RUNTIME_DIR is invalid or not set
 * in the environment." on stderr, for nothing: we never draw to a window. This gives the process
 * a private runtime directory (mode 0700, removed at exit) before the wgpu instance exists.
 */
function ensureRuntimeDir(): void {
  const current = Deno.env.get("XDG_RUNTIME_DIR");
  try {
    if (current !== undefined && Deno.statSync(current).isDirectory) return;
  } catch {
    // Missing: make one below.
  }
  const dir = Deno.makeTempDirSync({ prefix: "superposition-runtime-" });
  Deno.chmodSync(dir, 0o700);
  Deno.env.set("XDG_RUNTIME_DIR", dir);
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
}

/** The process's WebGPU adapter, or null where none exists. */
export function gpuAdapter(): Promise<GPUAdapter | null> {
  if (!adapterRequest) {
    ensureRuntimeDir(); // before touching navigator.gpu, which creates the wgpu instance
    adapterRequest = navigator.gpu ? navigator.gpu.requestAdapter() : Promise.resolve(null);
  }
  return adapterRequest;
}

/** The process's WebGPU device, with the adapter's largest storage buffer and workgroup limits. */
export function gpuDevice(): Promise<GPUDevice> {
  deviceRequest ??= (async () => {
    const adapter = await gpuAdapter();
    if (!adapter) throw new UserError(NO_ADAPTER_MESSAGE);
    const limits = adapter.limits;
    return await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      },
    });
  })();
  return deviceRequest;
}

/** Runs `create` inside a validation error scope and throws the first validation error. */
export async function checkedCreate<T>(device: GPUDevice, create: () => T): Promise<T> {
  device.pushErrorScope("validation");
  const value = create();
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation error: ${error.message}`);
  return value;
}
