import { takeSignals } from './signals.js';

/**
 * Runs cleanups once, newest first, on SIGINT/SIGTERM/SIGHUP or when the command
 * ends, so that nothing the command started outlives it. `signal` aborts at the
 * first signal: long operations (a share dialog, a dial) stop at once.
 */
export class Shutdown {
  readonly #cleanups: Array<() => Promise<void> | void> = [];
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  readonly requested: Promise<string>;
  #resolveRequested!: (signal: string) => void;

  constructor() {
    this.requested = new Promise((resolve) => (this.#resolveRequested = resolve));
    // From here on a signal stops what was started, in order.
    takeSignals((signal) => {
      if (this.#running || this.#abort.signal.aborted) {
        // A second Ctrl-C while cleaning up: the user wants out now.
        if (signal === 'SIGINT') process.exit(130);
        return;
      }
      this.#abort.abort(signal);
      this.#resolveRequested(signal);
    });
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  add(cleanup: () => Promise<void> | void): void {
    this.#cleanups.push(cleanup);
  }

  run(timeoutMs = 5000): Promise<void> {
    this.#running ??= (async () => {
      // Last resort: a cleanup that hangs must not keep the process alive.
      const timer = setTimeout(() => process.exit(1), timeoutMs);
      timer.unref();
      for (const cleanup of this.#cleanups.reverse()) {
        try {
          await cleanup();
        } catch {
          /* keep cleaning up */
        }
      }
      clearTimeout(timer);
    })();
    return this.#running;
  }
}
