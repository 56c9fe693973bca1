import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** Low-latency input flags: decode from the first bytes instead of probing seconds of stream first. */
export const LOW_LATENCY_INPUT = ['-fflags', 'nobuffer', '-probesize', '32768', '-analyzeduration', '0'];

export interface FrameSample {
  /** ms since the decoder started (performance.now() based). */
  readonly t: number;
  readonly frames: number;
}

/**
 * ffmpeg decoding a live URL to null, reporting its decoded frame count every
 * 250 ms: a real player-like reader whose frame rate the tests measure, and which
 * SIGSTOP pauses like a stuck player.
 */
export class LiveDecoder {
  readonly child: ChildProcess;
  readonly samples: FrameSample[] = [];
  readonly startedAt = performance.now();
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly url: string) {
    this.child = spawn(
      'ffmpeg',
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-stats_period', '0.25', '-progress', 'pipe:1', ...LOW_LATENCY_INPUT, '-i', url, '-f', 'null', '-'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    LiveDecoder.running.add(this);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => (this.stderr += d));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const m = /^frame=(\d+)$/.exec(line);
      if (m) this.samples.push({ t: performance.now() - this.startedAt, frames: Number(m[1]) });
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        LiveDecoder.running.delete(this);
        resolve(code);
      }),
    );
  }

  static readonly running = new Set<LiveDecoder>();

  get frames(): number {
    return this.samples.at(-1)?.frames ?? 0;
  }

  /** Frames decoded at time `t` (ms since start): the last report at or before it. */
  framesAt(t: number): number {
    let n = 0;
    for (const s of this.samples) {
      if (s.t > t) break;
      n = s.frames;
    }
    return n;
  }

  now(): number {
    return performance.now() - this.startedAt;
  }

  /** Decoded frames per second between two times (ms since start). */
  fps(from: number, to: number): number {
    return ((this.framesAt(to) - this.framesAt(from)) * 1000) / (to - from);
  }

  async waitFrames(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames < n) {
      if (Date.now() > deadline) throw new Error(`ffmpeg decoded ${this.frames} frames of ${this.url}, not ${n}, in ${timeoutMs} ms: ${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`ffmpeg exited (${this.child.exitCode}) after ${this.frames} frames: ${this.stderr}`);
      await sleep(100);
    }
  }

  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await this.exited;
  }

  static async stopAll(): Promise<void> {
    await Promise.all([...LiveDecoder.running].map((d) => d.stop()));
  }
}

/**
 * Milliseconds from starting a player on `url` to its first decoded video
 * frame: mpv, headless, exits after one frame (its start-up included). mpv, not
 * the ffmpeg CLI: ffmpeg's own output pipeline holds the first frame back for
 * over a second, which would measure ffmpeg rather than the stream.
 */
export function timeToFirstFrame(url: string, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('mpv', ['--no-config', '--vo=null', '--ao=null', '--frames=1', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && /VO: \[null\]/.test(out)) resolve(performance.now() - t0);
      else reject(new Error(`mpv could not decode a first frame of ${url} (exit ${code}): ${out}`));
    });
  });
}

/** The process's resident memory in kB, from /proc. */
export async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
}

/** The host's media process: pixelpass-media.py on GStreamer's Python bindings, or the gst-launch-1.0 fallback. */
export async function mediaProcesses(pid: number, children: (pid: number) => Promise<number[]>): Promise<number[]> {
  const out: number[] = [];
  for (const c of await children(pid)) {
    try {
      const cmdline = (await readFile(`/proc/${c}/cmdline`, 'utf8')).split('\0');
      if (cmdline.some((a) => a.endsWith('pixelpass-media.py')) || cmdline[0]?.endsWith('gst-launch-1.0')) out.push(c);
    } catch {
      /* gone */
    }
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
