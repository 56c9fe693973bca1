import { execa, type ResultPromise } from 'execa';
import {
  Cancelled,
  isCommandMissing,
  MissingDependency,
  type PublishConnection,
  type Publisher,
  type PublishProtocol,
  type PublishTarget,
  type ReadinessCheck,
} from '@pixelpass/core';
import { failureReason, isProgressEnd, outputProtocols, publishArgs } from './ffmpeg-args.js';

const live = new Set<ResultPromise>();
// Last resort: a publish process must not outlive us (it also ends by itself when its stdin closes).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const FFMPEG_PACKAGE = 'ffmpeg';

export interface FfmpegPublisherOptions {
  /** The program (default ffmpeg on PATH). */
  readonly command?: string;
  /** After `close()` ends its input, how long ffmpeg may take to finish the stream before it is killed. */
  readonly closeGraceMs?: number;
}

/**
 * Publishes through one ffmpeg process per connection: the hub's MPEG-TS on
 * its stdin, `-c copy` to SRT (MPEG-TS) or RTMP (FLV). Nothing is decoded or
 * encoded, so a publish costs a remux, not an encoder. ffmpeg runs in its own
 * process group (a Ctrl-C meant for pixelpass does not end the stream before
 * pixelpass finishes it) and ends when its stdin closes, so it cannot outlive
 * the host.
 *
 * The URL, credentials included, is on ffmpeg's command line (ffmpeg takes it
 * no other way): other users of this machine can read it in /proc. Nothing
 * pixelpass prints contains it: ffmpeg's messages are scrubbed.
 */
export class FfmpegPublisher implements Publisher {
  readonly id = 'ffmpeg';
  #protocols: Promise<Set<string> | undefined> | undefined;

  constructor(private readonly options: FfmpegPublisherOptions = {}) {}

  get #command(): string {
    return this.options.command ?? 'ffmpeg';
  }

  /** ffmpeg's output protocols, asked once; undefined when ffmpeg is not there. */
  #outputProtocols(): Promise<Set<string> | undefined> {
    this.#protocols ??= execa(this.#command, ['-hide_banner', '-protocols'], { reject: false, timeout: 15_000, stdin: 'ignore' }).then((r) =>
      isCommandMissing(r) || r.exitCode !== 0 ? undefined : outputProtocols(String(r.stdout)),
    );
    return this.#protocols;
  }

  async check(protocols: readonly PublishProtocol[]): Promise<void> {
    const have = await this.#outputProtocols();
    if (!have) throw new MissingDependency(`${this.#command} (for --publish)`, FFMPEG_PACKAGE);
    for (const p of protocols) {
      if (!have.has(p)) throw new MissingDependency(`${p.toUpperCase()} output in ${this.#command}`, `an ffmpeg built with it (Debian's ${FFMPEG_PACKAGE} is)`);
    }
  }

  async readiness(): Promise<ReadinessCheck[]> {
    const have = await this.#outputProtocols();
    const missing = (['srt', 'rtmp'] as const).filter((p) => !have?.has(p));
    return [
      {
        label: 'ffmpeg for --publish',
        status: have && missing.length === 0 ? 'ok' : 'fail',
        need: 'advice',
        detail: !have ? 'not installed' : missing.length ? `no ${missing.join(', ')} output` : 'SRT and RTMP output',
        install: FFMPEG_PACKAGE,
      },
    ];
  }

  async open(target: PublishTarget, signal: AbortSignal): Promise<PublishConnection> {
    if (signal.aborted) throw new Cancelled('publishing was stopped');
    const child = execa(this.#command, publishArgs(target), {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      detached: true,
      cleanup: false,
    });
    live.add(child);
    // ffmpeg gone: writes fail with EPIPE, reported through `ended`.
    child.stdin.on('error', () => undefined);

    let isConnected = false;
    let accept!: () => void;
    const connected = new Promise<void>((resolve) => (accept = resolve));
    let pendingOut = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      const lines = (pendingOut + text).split('\n');
      pendingOut = lines.pop() ?? '';
      if (!isConnected && lines.some(isProgressEnd)) {
        isConnected = true;
        accept();
      }
    });
    const tail: string[] = [];
    let pendingErr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (pendingErr + text).split('\n');
      pendingErr = lines.pop() ?? '';
      tail.push(...lines.filter((l) => l.trim() !== ''));
      tail.splice(0, Math.max(0, tail.length - 20));
    });

    let closing = false;
    let over = false;
    const ended = child.then((result) => {
      over = true;
      live.delete(child);
      child.stdin.destroy();
      if (isCommandMissing(result)) return `${this.#command} is missing; install ${FFMPEG_PACKAGE}`;
      if (closing) return '';
      if (pendingErr.trim()) tail.push(pendingErr);
      return failureReason(tail, target, isConnected, { code: result.exitCode, signal: result.signal });
    });

    const kill = (): void => {
      closing = true;
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', kill, { once: true });
    void ended.then(() => signal.removeEventListener('abort', kill));

    return {
      connected,
      ended,
      write: (bytes) =>
        over
          ? Promise.reject(new Error('the publish process has ended'))
          : new Promise<void>((resolve, reject) => child.stdin.write(bytes, (err) => (err ? reject(err) : resolve()))),
      close: async () => {
        if (!over) {
          closing = true;
          // End of input: ffmpeg finishes the stream (FLV/TS trailer) and exits.
          child.stdin.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), this.options.closeGraceMs ?? 2000);
          await ended;
          clearTimeout(timer);
        }
        await ended;
      },
    };
  }
}
