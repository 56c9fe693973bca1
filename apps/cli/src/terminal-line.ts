import type { Logger } from '@pixelpass/core';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR = '\r\x1b[2K';

export interface TerminalOutput {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  write(text: string): boolean;
}

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * The one status line at the bottom of the terminal (host and viewer alike),
 * redrawn in place, with everything else printed above it: every log line and
 * prompt goes through `print`, so nothing is written onto the live line.
 *
 * Live only when stdout is the terminal too: with `host | tee`, the ticket
 * reaches the same terminal through another process, and would land on the line.
 */
export class TerminalLine {
  readonly live: boolean;
  #text = '';
  #spinner: NodeJS.Timeout | undefined;
  #frame = 0;
  /** The last print left the cursor mid-line (a prompt): draw nothing until a line ends. */
  #held = false;

  constructor(
    private readonly out: TerminalOutput = process.stderr,
    live = out.isTTY === true && process.stdout.isTTY === true,
  ) {
    this.live = live;
  }

  /** Shows `text` as the status line (terminal only). */
  show(text: string): void {
    if (!this.live) return;
    this.#stopSpinner();
    this.#draw(text);
  }

  /** Shows `text` with a spinner until the next show/spin/clear (terminal only). */
  spin(text: string): void {
    if (!this.live) return;
    this.#stopSpinner();
    const draw = (): void => this.#draw(`${SPINNER[this.#frame++ % SPINNER.length]} ${text}`);
    draw();
    this.#spinner = setInterval(draw, 100);
    this.#spinner.unref();
  }

  /** Removes the line: before exiting, so the shell prompt starts clean. */
  clear(): void {
    this.#stopSpinner();
    if (this.live && this.#text && !this.#held) this.out.write(CLEAR);
    this.#text = '';
  }

  /** Prints above the status line; text not ending a line (a prompt) keeps the line away until one does. */
  print(text: string): void {
    if (!this.live) {
      this.out.write(text);
      return;
    }
    if (this.#text && !this.#held) this.out.write(CLEAR);
    this.out.write(text);
    this.#held = !text.endsWith('\n');
    if (!this.#held && this.#text) this.out.write(this.#text);
  }

  /** The logger everything reports through: `pixelpass: …` lines above the status line. */
  logger(verbosity: Verbosity = 'normal'): Logger & { debug(message: string): void } {
    return {
      info: (m) => verbosity !== 'quiet' && this.print(`pixelpass: ${m}\n`),
      warn: (m) => this.print(`pixelpass: warning: ${m}\n`),
      error: (m) => this.print(`pixelpass: error: ${m}\n`),
      debug: (m) => verbosity === 'verbose' && this.print(`pixelpass: ${m}\n`),
    };
  }

  #draw(text: string): void {
    // Never wrap: a wrapped line cannot be redrawn with a carriage return.
    const columns = this.out.columns ?? 80;
    this.#text = text.length >= columns ? `${text.slice(0, columns - 2)}…` : text;
    if (!this.#held) this.out.write(`${CLEAR}${this.#text}`);
  }

  #stopSpinner(): void {
    if (this.#spinner) clearInterval(this.#spinner);
    this.#spinner = undefined;
  }
}
