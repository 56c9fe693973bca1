import type { Logger } from '@pixelpass/core';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface LineOutput {
  readonly isTTY?: boolean | undefined;
  write(text: string): boolean;
}

/**
 * One status line at the bottom of a terminal, redrawn in place, with log
 * messages printed above it: a logger that wraps another one. Off a terminal it
 * draws nothing and just logs.
 */
export class LiveLine implements Logger {
  #text = '';
  #spinner: NodeJS.Timeout | undefined;
  #frame = 0;
  readonly interactive: boolean;

  constructor(
    private readonly inner: Logger,
    private readonly out: LineOutput = process.stderr,
  ) {
    this.interactive = out.isTTY === true;
  }

  /** Shows `text` with a spinner until the next show/spin/clear. TTY only. */
  spin(text: string): void {
    if (!this.interactive) return;
    this.#stopSpinner();
    const draw = (): void => this.#draw(`${SPINNER[this.#frame++ % SPINNER.length]} ${text}`);
    draw();
    this.#spinner = setInterval(draw, 100);
    this.#spinner.unref();
  }

  show(text: string): void {
    if (!this.interactive) return;
    this.#stopSpinner();
    this.#draw(text);
  }

  /** Removes the line: call before exiting so the shell prompt starts clean. */
  clear(): void {
    this.#stopSpinner();
    if (this.interactive && this.#text) this.out.write('\r\x1b[2K');
    this.#text = '';
  }

  info(message: string): void {
    this.#above(() => this.inner.info(message));
  }
  warn(message: string): void {
    this.#above(() => this.inner.warn(message));
  }
  error(message: string): void {
    this.#above(() => this.inner.error(message));
  }

  #above(log: () => void): void {
    if (!this.interactive || !this.#text) return log();
    this.out.write('\r\x1b[2K');
    log();
    this.out.write(this.#text);
  }

  #draw(text: string): void {
    // Never wrap: a wrapped line cannot be redrawn with a carriage return.
    const columns = (this.out as { columns?: number }).columns ?? 80;
    this.#text = text.length >= columns ? `${text.slice(0, columns - 2)}…` : text;
    this.out.write(`\r\x1b[2K${this.#text}`);
  }

  #stopSpinner(): void {
    if (this.#spinner) clearInterval(this.#spinner);
    this.#spinner = undefined;
  }
}
