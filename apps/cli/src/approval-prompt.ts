import { fstatSync, openSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { ReadStream } from 'node:tty';
import { TokenBucket, UsageError } from '@pixelpass/core';

export type Answer = 'yes' | 'no';

/** What a typed line means; undefined asks again. An empty line is no: admitting must be deliberate. */
export function parseAnswer(line: string): Answer | undefined {
  const a = line.trim().toLowerCase();
  if (['y', 'yes', 'a', 'allow'].includes(a)) return 'yes';
  if (['', 'n', 'no', 'd', 'deny'].includes(a)) return 'no';
  return undefined;
}

/** Typed lines, delivered as they arrive; `null` when no more can come. */
export interface ApprovalInput {
  onLine(listener: (line: string | null) => void): void;
  close(): void;
}

/**
 * Where `--approve` reads answers: stdin when it is a terminal or a pipe
 * (scripts and tests answer there); otherwise the controlling terminal. With
 * neither there is nobody to ask, so hosting with --approve is refused.
 * Cooked mode, never raw: Ctrl-C keeps working and the terminal needs no restoring.
 */
export function openApprovalInput(): ApprovalInput {
  const stat = fstatSync(0);
  if (process.stdin.isTTY || stat.isFIFO() || stat.isSocket()) {
    return fromStream(createInterface({ input: process.stdin, terminal: false }), () => process.stdin.destroy());
  }
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r');
  } catch {
    throw new UsageError('--approve needs a terminal to ask on (or answers on stdin); none is available');
  }
  const tty = new ReadStream(fd);
  return fromStream(createInterface({ input: tty, terminal: false }), () => tty.destroy());
}

function fromStream(rl: Interface, destroy: () => void): ApprovalInput {
  return {
    onLine: (listener) => {
      rl.on('line', listener);
      rl.on('close', () => listener(null));
    },
    close: () => {
      rl.close();
      destroy();
    },
  };
}

export interface ApprovalPromptOptions {
  /** Unanswered questions decline after this long, so a viewer never hangs forever. */
  readonly timeoutMs: number;
  readonly write: (text: string) => void;
  /**
   * New questions at most `burst` at once, then one per `everyMs`: endpoint ids
   * cost nothing, so whoever has the ticket could otherwise keep the host
   * answering prompts. Over it, viewers are told the host is busy (not asked).
   */
  readonly rate?: { readonly burst: number; readonly everyMs: number };
  readonly now?: () => number;
}

/**
 * Asks the host, one question at a time, whether to admit a viewer. Answers are
 * remembered per viewer endpoint for this run, so a viewer's player restart is
 * not asked about again (and a declined viewer cannot flood the prompt).
 */
export class ApprovalPrompt {
  readonly #decided = new Map<string, boolean>();
  readonly #pending = new Map<string, Promise<boolean>>();
  readonly #questions: TokenBucket;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #waiter: ((line: string | null) => void) | undefined;

  constructor(
    private readonly input: ApprovalInput,
    private readonly options: ApprovalPromptOptions,
  ) {
    const rate = options.rate ?? { burst: 3, everyMs: 20_000 };
    this.#questions = new TokenBucket(rate.burst, rate.everyMs, options.now);
    // Lines typed while no question is open are dropped: a stray "y" typed
    // earlier must never admit a viewer who asks later.
    input.onLine((line) => {
      if (line === null) this.#closed = true;
      const w = this.#waiter;
      this.#waiter = undefined;
      w?.(line);
    });
  }

  /** 'busy': too many new questions lately; this viewer was not asked (and may try again). */
  approve(shortId: string, peerId: string = shortId): Promise<boolean | 'busy'> {
    const known = this.#decided.get(peerId);
    if (known !== undefined) return Promise.resolve(known);
    const pending = this.#pending.get(peerId);
    if (pending) return pending;
    if (!this.#questions.take()) return Promise.resolve('busy');
    const asked = this.#queue.then(() => this.#ask(shortId, peerId));
    this.#queue = asked.catch(() => undefined);
    this.#pending.set(peerId, asked);
    void asked.finally(() => this.#pending.delete(peerId));
    return asked;
  }

  close(): void {
    this.#closed = true;
    this.input.close();
  }

  async #ask(shortId: string, peerId: string): Promise<boolean> {
    if (this.#closed) {
      this.options.write(`pixelpass: no answers can be read; viewer ${shortId} declined\n`);
      return false;
    }
    const seconds = Math.round(this.options.timeoutMs / 1000);
    this.options.write(`pixelpass: viewer ${shortId} wants to watch. Allow? [y/N] (declines in ${seconds} s) `);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.timeoutMs);
    });
    try {
      for (;;) {
        const next = await Promise.race([new Promise<string | null>((resolve) => (this.#waiter = resolve)), timeout]);
        if (next === 'timeout') {
          this.#waiter = undefined;
          this.options.write(`\npixelpass: no answer; viewer ${shortId} declined\n`);
          // Not remembered: the host may not have been at the keyboard.
          return false;
        }
        if (next === null) {
          this.options.write(`\npixelpass: no more answers can be read; viewer ${shortId} declined\n`);
          this.#closed = true;
          return false;
        }
        const answer = parseAnswer(next);
        if (answer === undefined) {
          this.options.write('pixelpass: please answer y or n: ');
          continue;
        }
        this.#decided.set(peerId, answer === 'yes');
        return answer === 'yes';
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
