/**
 * @module
 * A small headless-Chromium driver for tests, over the Chrome DevTools Protocol (CDP) and Deno's
 * built-in WebSocket; no GPU and no packages needed. `withPage` launches the browser with a
 * throwaway profile, opens a page, navigates to a URL, waits for its load event, and hands the
 * test a `BrowserPage` that has collected every console error, uncaught exception, error log
 * entry and failed load, evaluates JavaScript in the page and captures full-page screenshots.
 * Chromium is always killed and its profile removed, and everything runs against one deadline
 * (60 s by default), so a test fails with a clear error rather than hang.
 */
import { delimiter, join } from "node:path";

/** The browsers `findBrowser` looks for on PATH, in order. */
const BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/**
 * The Chromium or Chrome executable to drive: `$CHROME_PATH` where set (it must exist), else the
 * first of `chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH;
 * null where there is none.
 */
export function findBrowser(): string | null {
  const explicit = Deno.env.get("CHROME_PATH");
  if (explicit) return isExecutable(explicit) ? explicit : null;
  const dirs = (Deno.env.get("PATH") ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const name of BROWSER_NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (isExecutable(path)) return path;
    }
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && (info.mode === null || (info.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/** What went wrong in the page: one line per console error, exception, log error or failed load. */
export interface PageProblem {
  kind: "console" | "exception" | "log" | "load";
  text: string;
}

/** A page open in headless Chromium, loaded (see `withPage`). */
export interface BrowserPage {
  /** The URL navigated to. */
  readonly url: string;
  /** Every problem so far, in the order Chromium reported them (a live array). */
  readonly problems: readonly PageProblem[];
  /**
   * The value of a JavaScript `expression` evaluated in the page (promises awaited, the result
   * serialised as JSON); throws where it throws.
   */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** A PNG screenshot of the whole page, beyond the viewport. */
  screenshot(): Promise<Uint8Array>;
}

/** Options of `withPage`. */
export interface PageOptions {
  /** The browser (default: `findBrowser()`). */
  browser?: string;
  /** Deadline from launch until `use` returns, cleanup excluded, in ms (default 60 000). */
  timeoutMs?: number;
  /** The viewport's width and height in CSS pixels (default 1280 × 800). */
  viewport?: { width: number; height: number };
}

/** A CDP error, or a page that could not be loaded or driven. */
export class BrowserError extends Error {
  override name = "BrowserError";
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  sessionId?: string;
}

/** One CDP connection to the browser, with page sessions multiplexed on it (flat mode). */
class Cdp {
  #socket: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (r: CdpMessage) => void; reject: (e: Error) => void }>();
  #listeners = new Set<(message: CdpMessage) => void>();
  #closed: Error | null = null;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as CdpMessage;
      if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        pending?.resolve(message);
      } else {
        for (const listener of this.#listeners) listener(message);
      }
    };
    socket.onclose = () => this.#fail(new BrowserError("the DevTools connection closed"));
    socket.onerror = () => this.#fail(new BrowserError("the DevTools connection failed"));
  }

  /** Connects to the browser's DevTools WebSocket at `url`. */
  static connect(url: string): Promise<Cdp> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(new Cdp(socket));
      socket.onerror = () => reject(new BrowserError(`could not connect to DevTools at ${url}`));
    });
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  /** Sends `method` (to the page `sessionId`, else the browser); resolves with its result. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (message) =>
          message.error
            ? reject(new BrowserError(`${method}: ${message.error.message}`))
            : resolve(message.result ?? {}),
        reject,
      });
      this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    });
  }

  /** Calls `listener` with every event; returns a function that removes it. */
  listen(listener: (message: CdpMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#fail(new BrowserError("the DevTools connection was closed"));
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}

/** Rejects after `ms` with a clear message; `clear` stops the timer. */
function deadline(ms: number, what: string): { promise: Promise<never>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BrowserError(`timed out after ${ms / 1000} s: ${what}`)),
      ms,
    );
  });
  promise.catch(() => {}); // rejections are seen through Promise.race
  return { promise, clear: () => clearTimeout(timer) };
}

/** Polls `<profile>/DevToolsActivePort` (port, then browser path) until Chromium writes it. */
async function devToolsUrl(
  profile: string,
  exited: Promise<Deno.CommandStatus>,
  stderr: () => string,
): Promise<string> {
  let status: Deno.CommandStatus | null = null;
  exited.then((s) => status = s);
  while (true) {
    try {
      const [port, path] = (await Deno.readTextFile(join(profile, "DevToolsActivePort")))
        .split("\n");
      if (port && path) return `ws://127.0.0.1:${port.trim()}${path.trim()}`;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (status !== null) {
      throw new BrowserError(
        `the browser exited (code ${(status as Deno.CommandStatus).code}) before DevTools ` +
          `started:\n${stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The text of a `Runtime.consoleAPICalled` argument (a `RemoteObject`). */
function remoteText(argument: Record<string, unknown>): string {
  if ("value" in argument) {
    return typeof argument.value === "string" ? argument.value : JSON.stringify(argument.value);
  }
  return String(argument.description ?? argument.unserializableValue ?? argument.type);
}

/** Records the page's problems from CDP events (see `PageProblem`). */
function problemRecorder(sessionId: string, problems: PageProblem[]) {
  const requestUrls = new Map<string, string>(); // request id → URL, to name failed loads
  return (message: CdpMessage) => {
    if (message.sessionId !== sessionId || !message.params) return;
    const params = message.params;
    switch (message.method) {
      case "Runtime.consoleAPICalled":
        if (params.type === "error" || params.type === "assert") {
          const args = (params.args ?? []) as Record<string, unknown>[];
          problems.push({ kind: "console", text: args.map(remoteText).join(" ") });
        }
        break;
      case "Runtime.exceptionThrown": {
        const details = params.exceptionDetails as Record<string, unknown>;
        const exception = details.exception as Record<string, unknown> | undefined;
        const text = String(exception?.description ?? details.text);
        problems.push({ kind: "exception", text: `${text} (${details.url ?? "page"})` });
        break;
      }
      case "Log.entryAdded": {
        const entry = params.entry as Record<string, unknown>;
        if (entry.level === "error") {
          problems.push({
            kind: "log",
            text: `${entry.text}${entry.url ? ` (${entry.url})` : ""}`,
          });
        }
        break;
      }
      case "Network.loadingFailed":
        if (!params.canceled) {
          const requested = requestUrls.get(String(params.requestId)) ?? "unknown URL";
          problems.push({ kind: "load", text: `${params.errorText} (${requested})` });
        }
        break;
      case "Network.requestWillBeSent": {
        const request = params.request as Record<string, unknown>;
        requestUrls.set(String(params.requestId), String(request.url));
        break;
      }
    }
  };
}

/**
 * Opens `url` (e.g. a `file://` URL) in a fresh headless Chromium, waits for its load event, and
 * returns `use(page)`; see the module doc. Throws a `BrowserError` where the browser cannot be
 * started or driven, the navigation fails, or the deadline passes. Chromium is killed and its
 * temporary profile removed whatever happens.
 */
export async function withPage<T>(
  url: string,
  use: (page: BrowserPage) => Promise<T>,
  options: PageOptions = {},
): Promise<T> {
  const browser = options.browser ?? findBrowser();
  if (!browser) throw new BrowserError("no Chromium or Chrome found (set CHROME_PATH)");
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { width, height } = options.viewport ?? { width: 1280, height: 800 };
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(browser, {
    args: [
      "--headless=new",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--no-sandbox",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      "--mute-audio",
      `--window-size=${width},${height}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Keep the last 8 kB of stderr, for the error message where the browser fails to start.
  let stderrTail = "";
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderrTail = (stderrTail + chunk).slice(-8192)) }),
  ).catch(() => {});
  const exited = child.status;
  const timer = deadline(timeoutMs, `headless Chromium on ${url}`);
  let cdp: Cdp | undefined;
  try {
    const run = async () => {
      cdp = await Cdp.connect(await devToolsUrl(profile, exited, () => stderrTail));
      const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
      const session = String(sessionId);
      const problems: PageProblem[] = [];
      cdp.listen(problemRecorder(session, problems));
      const send = (method: string, params: Record<string, unknown> = {}) =>
        cdp!.send(method, params, session);
      await Promise.all(
        ["Runtime.enable", "Log.enable", "Page.enable", "Network.enable"].map((m) => send(m)),
      );
      await send("Emulation.setDeviceMetricsOverride", {
        width,
        height,
        deviceScaleFactor: 1,
        mobile: false,
      });
      // The load event of this navigation, by its loader id (events may precede its reply).
      await send("Page.setLifecycleEventsEnabled", { enabled: true });
      const loadedLoaders = new Set<string>();
      let onLoad = () => {};
      cdp.listen((message) => {
        const params = message.params ?? {};
        if (message.sessionId === session && message.method === "Page.lifecycleEvent") {
          if (params.name === "load") loadedLoaders.add(String(params.loaderId));
          onLoad();
        }
      });
      const navigation = await send("Page.navigate", { url });
      if (navigation.errorText) {
        throw new BrowserError(`could not load ${url}: ${navigation.errorText}`);
      }
      const loaderId = String(navigation.loaderId);
      await new Promise<void>((resolve) => {
        onLoad = () => loadedLoaders.has(loaderId) && resolve();
        onLoad();
      });
      const page: BrowserPage = {
        url,
        problems,
        async evaluate<R>(expression: string): Promise<R> {
          const result = await send("Runtime.evaluate", {
            expression,
            returnByValue: true,
            awaitPromise: true,
          });
          const details = result.exceptionDetails as Record<string, unknown> | undefined;
          if (details) {
            const exception = details.exception as Record<string, unknown> | undefined;
            throw new BrowserError(`evaluate: ${exception?.description ?? details.text}`);
          }
          return (result.result as { value: R }).value;
        },
        async screenshot(): Promise<Uint8Array> {
          const metrics = await send("Page.getLayoutMetrics");
          const size = metrics.cssContentSize as { width: number; height: number };
          const { data } = await send("Page.captureScreenshot", {
            format: "png",
            captureBeyondViewport: true,
            clip: {
              x: 0,
              y: 0,
              width: Math.ceil(size.width),
              height: Math.ceil(size.height),
              scale: 1,
            },
          });
          return Uint8Array.from(atob(String(data)), (char) => char.charCodeAt(0));
        },
      };
      return await use(page);
    };
    const running = run();
    running.catch(() => {}); // past the deadline, its rejection (browser gone) is expected
    return await Promise.race([running, timer.promise]);
  } finally {
    timer.clear();
    await shutDown(child, exited, cdp);
    await stderrDone;
    await removeProfile(profile);
  }
}

/** Asks the browser to close, then SIGTERM, then SIGKILL, each given a moment. */
async function shutDown(
  child: Deno.ChildProcess,
  exited: Promise<Deno.CommandStatus>,
  cdp: Cdp | undefined,
): Promise<void> {
  const exitedWithin = async (ms: number) => {
    const wait = deadline(ms, "browser exit");
    try {
      await Promise.race([exited, wait.promise]);
      return true;
    } catch {
      return false;
    } finally {
      wait.clear();
    }
  };
  if (cdp) {
    cdp.send("Browser.close").catch(() => {});
    if (await exitedWithin(2000)) return cdp.close();
    cdp.close();
  }
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    try {
      child.kill(signal);
    } catch {
      return; // already exited
    }
    if (await exitedWithin(signal === "SIGTERM" ? 2000 : 5000)) return;
  }
}

/** Removes the profile; Chromium's helpers may still be writing into it for a moment. */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await Deno.remove(profile, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
