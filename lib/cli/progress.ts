/**
 * @module
 * A small progress reporter for long work: one line per phase on stderr, rewritten in place,
 * showing steps done, the total and the estimated time left. Silent unless stderr is a terminal.
 */

/** Options of {@link progress}; the defaults suit interactive use. */
export interface ProgressOptions {
  /** Report even when stderr is not a terminal (default false). */
  force?: boolean;
  /** Least time between two updates on screen, in milliseconds (default 250). */
  intervalMs?: number;
  /** Where text goes (default: stderr). */
  write?: (text: string) => void;
}

/** Reports the progress of one phase; call `update` often, `finish` once. */
export interface Progress {
  /** Records that `done` of the total steps are complete; redraws at most every interval. */
  update(done: number): void;
  /** Prints the phase's final line with the time it took. */
  finish(): void;
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

/**
 * Starts reporting a phase of `total` steps as `label: done/total steps, T s left`, where
 * T = elapsed · (total − done) / done. Each update rewrites the line (`\r`, erase to end).
 */
export function progress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const { force = false, intervalMs = 250, write = writeStderr } = options;
  const enabled = force || Deno.stderr.isTerminal();
  const start = performance.now();
  let lastDrawn = -Infinity;
  const line = (text: string) => `\r${label}: ${text}\x1b[K`;
  return {
    update(done) {
      const now = performance.now();
      if (!enabled || done <= 0 || now - lastDrawn < intervalMs) return;
      lastDrawn = now;
      const secondsLeft = (now - start) / 1000 * (total - done) / done;
      write(line(`${done}/${total} steps, ${secondsLeft.toFixed(1)} s left`));
    },
    finish() {
      if (!enabled) return;
      const seconds = (performance.now() - start) / 1000;
      write(line(`${total}/${total} steps in ${seconds.toFixed(1)} s`) + "\n");
    },
  };
}
