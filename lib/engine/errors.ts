/**
 * @module
 * Errors that are the user's to fix: a bad flag, an invalid configuration,
 * no WebGPU adapter. Entry points print them as one line and exit with code 2.
 */

/** A mistake the user can fix (flag, configuration, environment): one line, exit code 2. */
export class UserError extends Error {
  override name = "UserError";
}

/**
 * Runs an entry point: a {@link UserError} prints `error: <message>` on one line
 * and exits with code 2, with no stack trace; any other error propagates.
 */
export async function runMain(main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof UserError) {
      console.error(`error: ${error.message}`);
      Deno.exit(2);
    }
    throw error;
  }
}
