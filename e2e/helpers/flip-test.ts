import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import { requireTools } from './require-tools.js';
import { startXvfb, stopAllXvfb, type XvfbServer } from './xvfb.js';

/**
 * The "flip test": glass-to-glass latency as a user sees it. Display A changes its
 * root colour (`xsetroot -solid`) at irregular intervals and logs when; whatever
 * shows display A on display B (a player window) is watched by a 100 fps x11grab
 * of a small region of B, scaled to one pixel; the k-th change on A is paired with
 * the k-th change seen on B.
 *
 * Every process the lab starts (Xvfb, xsetroot, ffmpeg, players, hosts, their
 * children) runs in its own process group and is killed by `lab.stop()`, which
 * then checks that none of them is left.
 */

export type Rgb = readonly [number, number, number];

export interface Colour {
  readonly name: string;
  readonly rgb: Rgb;
}

/** Very distinct colours, so that H.264 cannot blur one into another. */
export const PALETTE: readonly Colour[] = [
  { name: 'red', rgb: [255, 0, 0] },
  { name: 'green', rgb: [0, 255, 0] },
  { name: 'blue', rgb: [0, 0, 255] },
  { name: 'white', rgb: [255, 255, 255] },
  { name: 'black', rgb: [0, 0, 0] },
  { name: 'yellow', rgb: [255, 255, 0] },
];

const hex = (c: Colour): string => `#${c.rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** Fails (never skips) naming each missing tool and the package that provides it. */
export function requireFlipTools(...extra: string[]): void {
  requireTools('Xvfb', 'xdpyinfo', 'xsetroot', 'ffmpeg', 'mpv', ...extra);
}

/** Wall clock in ms, the clock x11grab stamps its frames with (gettimeofday). */
export const now = (): number => Date.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32): irregular but repeatable intervals. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- processes

export interface LabProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout lines (when stdout is piped and not taken over by `rawStdout`). */
  readonly lines: string[];
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** First stdout line matching `test`; rejects naming the process when it exits or times out first. */
  waitLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>;
  /** Start time of each stdout line. */
  readonly onLine?: (line: string, t: number) => void;
  readonly onErrLine?: (line: string, t: number) => void;
  /** Takes stdout as bytes instead of lines. */
  readonly rawStdout?: (chunk: Buffer) => void;
  readonly stdin?: 'ignore' | 'pipe';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is gone for our purposes.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every pid below the given ones (players started detached by a viewer, gst under a host...). */
export function descendants(...roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  for (const r of roots) walk(r);
  return out;
}

function kill(pid: number, signal: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    /* gone */
  }
}

const trackers = new Set<ProcessTracker>();
let signalsHooked = false;

/** Ctrl-C / SIGTERM: kill every process of every live lab before exiting. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const t of trackers) t.killNow();
      // The displays too (xvfb.ts stops every server it started), then exit whatever happens.
      setTimeout(() => process.exit(130), 4000).unref();
      void stopAllXvfb().finally(() => process.exit(130));
    });
  }
}

/** Tracks every process of a lab so that none outlives it. */
export class ProcessTracker {
  constructor() {
    trackers.add(this);
    hookSignals();
  }

  /** SIGKILL to everything at once (signal handler; no waiting). */
  killNow(): void {
    this.#sample();
    for (const p of this.#procs) if (p.child.pid !== undefined) kill(p.child.pid, 'SIGKILL', true);
    for (const pid of this.#seen) kill(pid, 'SIGKILL', false);
  }

  readonly #procs: LabProcess[] = [];
  /** Every pid ever seen under a tracked process, checked at the end. */
  readonly #seen = new Set<number>();
  /** A process that dies on its own orphans its detached children: note them while it lives. */
  readonly #sampler = setInterval(() => this.#sample(), 1000).unref();

  #sample(): void {
    const live = this.#procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined);
    if (live.length === 0) return;
    for (const d of descendants(...live.map((p) => p.child.pid!))) this.#seen.add(d);
  }

  spawn(name: string, cmd: string, args: readonly string[], o: SpawnOptions = {}): LabProcess {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...o.env })) if (v !== undefined) env[k] = v;
    const child = spawn(cmd, [...args], { env, stdio: [o.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) this.#seen.add(child.pid);
    let err = '';
    const lines: string[] = [];
    const waiters = new Set<() => void>();
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.on('error', () => undefined);
    if (o.rawStdout) child.stdout!.on('data', o.rawStdout);
    else {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        o.onLine?.(line, now());
        for (const w of [...waiters]) w();
      });
    }
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (err.length < 100_000) err += `${line}\n`;
      o.onErrLine?.(line, now());
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        for (const w of [...waiters]) w();
        resolve({ code, signal });
      });
      void spawnError.then(() => resolve({ code: -1, signal: null }));
    });
    const tail = (): string => err.trim().split('\n').slice(-4).join(' | ');
    const proc: LabProcess = {
      name,
      child,
      lines,
      stderr: () => err,
      exited,
      waitLine: (test, timeoutMs = 30_000) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => done(() => reject(new Error(`${name}: no expected output within ${timeoutMs} ms: ${tail()}`))), timeoutMs);
          const done = (f: () => void): void => {
            clearTimeout(timer);
            waiters.delete(check);
            f();
          };
          const check = (): void => {
            const hit = lines.find(test);
            if (hit !== undefined) return done(() => resolve(hit));
            if (child.exitCode !== null || child.signalCode !== null) {
              done(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before the expected output: ${tail()}`)));
            }
          };
          waiters.add(check);
          check();
        }),
      stop: () => this.#stopOne(proc),
    };
    void spawnError.then((e) => (err += `cannot start ${cmd}: ${e.message}\n`));
    this.#procs.push(proc);
    return proc;
  }

  /** SIGTERM to the process group (a viewer stops its detached player itself), then SIGKILL to whatever is left below it. */
  async #stopOne(p: LabProcess): Promise<void> {
    const pid = p.child.pid;
    if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
    const below = descendants(pid);
    for (const d of below) this.#seen.add(d);
    kill(pid, 'SIGTERM', true);
    const timer = setTimeout(() => kill(pid, 'SIGKILL', true), 4000);
    await p.exited;
    clearTimeout(timer);
    kill(pid, 'SIGKILL', true);
    for (const d of below) {
      if (!alive(d)) continue;
      // A detached grandchild (the player) has its own group: give it the SIGTERM its parent should have sent.
      kill(d, 'SIGTERM', false);
    }
    const deadline = Date.now() + 3000;
    while (below.some(alive) && Date.now() < deadline) await sleep(50);
    for (const d of below) if (alive(d)) kill(d, 'SIGKILL', false);
  }

  async stopAll(): Promise<void> {
    this.#sample();
    clearInterval(this.#sampler);
    for (const p of [...this.#procs].reverse()) await this.#stopOne(p);
    trackers.delete(this);
  }

  /** Pids started by the lab (or below them) that are still alive. */
  survivors(): number[] {
    return [...this.#seen].filter(alive);
  }
}

// ---------------------------------------------------------------- flipper

export interface FlipChange {
  readonly index: number;
  readonly colour: string;
  /** When xsetroot had sent its requests and exited: the change is on screen by then. */
  readonly at: number;
  /** When xsetroot was started; `at - spawnedAt` bounds the uncertainty. */
  readonly spawnedAt: number;
}

export interface FlipperOptions {
  readonly minMs?: number;
  readonly maxMs?: number;
  readonly palette?: readonly Colour[];
  readonly seed?: number;
  readonly log?: (change: FlipChange) => void;
}

export interface Flipper {
  readonly changes: FlipChange[];
  /** When the next change is due (ms, wall clock); NaN while one is being made. */
  nextAt(): number;
  /** Stops after the change in progress. */
  stop(): Promise<void>;
}

function runX(tracker: ProcessTracker, display: string, cmd: string, args: readonly string[]): Promise<void> {
  const p = tracker.spawn(cmd, cmd, args, { env: { DISPLAY: display } });
  return p.exited.then(({ code }) => {
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} on ${display} failed (${code}): ${p.stderr().trim()}`);
  });
}

/** Sets the root colour of `display` at irregular intervals (min..max ms), cycling the palette. */
export function startFlipper(tracker: ProcessTracker, display: string, o: FlipperOptions = {}): Flipper {
  const palette = o.palette ?? PALETTE;
  const random = seededRandom(o.seed ?? 1);
  const minMs = o.minMs ?? 1000;
  const maxMs = o.maxMs ?? 2500;
  const changes: FlipChange[] = [];
  let stopping = false;
  let next = Number.NaN;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    for (let i = 0; !stopping; i++) {
      const colour = palette[i % palette.length]!;
      const spawnedAt = now();
      await runX(tracker, display, 'xsetroot', ['-solid', hex(colour)]);
      const change = { index: i, colour: colour.name, at: now(), spawnedAt };
      changes.push(change);
      o.log?.(change);
      const wait = minMs + random() * (maxMs - minMs);
      next = now() + wait;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      next = Number.NaN;
    }
  })();
  loop.catch(() => undefined);
  return {
    changes,
    nextAt: () => next,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}

// ---------------------------------------------------------------- grabber

export interface GrabFrame {
  /** x11grab's wall-clock stamp of the grab, ms. */
  readonly t: number;
  readonly rgb: Rgb;
}

export interface GrabberOptions {
  /** Centre of the grabbed square; default: the display's middle. */
  readonly x: number;
  readonly y: number;
  readonly size?: number;
  readonly fps?: number;
}

export interface Grabber {
  readonly proc: LabProcess;
  /** Frames so far, each with its own x11grab time stamp. */
  frames(): GrabFrame[];
  /** Resolves once frames grabbed up to `t` have reached us (ffmpeg's output lags on a busy machine). */
  settle(t: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * ffmpeg x11grab of a small square of `display` at 100 fps, scaled to one pixel,
 * rgb24 on stdout. Each frame's time is x11grab's own stamp (wall clock at the
 * grab, in µs), read from showinfo with -copyts and -fps_mode passthrough (no
 * frame duplicated or dropped, so showinfo's n-th line is stdout's n-th pixel),
 * not the time the pixel reached us.
 */
export function startGrabber(tracker: ProcessTracker, display: string, o: GrabberOptions): Grabber {
  const size = o.size ?? 32;
  const fps = o.fps ?? 100;
  const x = Math.max(0, Math.round(o.x - size / 2));
  const y = Math.max(0, Math.round(o.y - size / 2));
  const stamps: number[] = [];
  let bytes: Buffer = Buffer.alloc(0);
  const pixels: Rgb[] = [];
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    '-f', 'x11grab', '-draw_mouse', '0', '-framerate', String(fps), '-video_size', `${size}x${size}`, '-i', `${display}+${x},${y}`,
    '-copyts', '-fps_mode', 'passthrough',
    '-vf', 'scale=1:1:flags=area,format=rgb24,showinfo',
    '-f', 'rawvideo', '-flush_packets', '1', 'pipe:1',
  ];
  const proc = tracker.spawn(`ffmpeg x11grab ${display}`, 'ffmpeg', args, {
    rawStdout: (chunk) => {
      bytes = bytes.length ? Buffer.concat([bytes, chunk]) : chunk;
      let i = 0;
      for (; i + 3 <= bytes.length; i += 3) pixels.push([bytes[i]!, bytes[i + 1]!, bytes[i + 2]!]);
      bytes = bytes.subarray(i);
    },
    onErrLine: (line) => {
      const m = /\] n:\s*(\d+) pts:\s*(\d+)/.exec(line);
      if (m) stamps[Number(m[1])] = Number(m[2]) / 1000;
    },
  });
  return {
    proc,
    async settle(t, timeoutMs = 10_000) {
      const deadline = now() + timeoutMs;
      for (;;) {
        const n = Math.min(stamps.length, pixels.length);
        if (n > 0 && (stamps[n - 1] ?? 0) >= t) return;
        if (proc.child.exitCode !== null || now() > deadline) throw new Error(`the grab of ${display} did not reach ${new Date(t).toISOString()}: ${proc.stderr().trim().split('\n').slice(-2).join(' | ')}`);
        await sleep(50);
      }
    },
    frames() {
      const n = Math.min(stamps.length, pixels.length);
      const out: GrabFrame[] = [];
      for (let i = 0; i < n; i++) {
        const t = stamps[i];
        if (t !== undefined) out.push({ t, rgb: pixels[i]! });
      }
      return out;
    },
    stop: () => proc.stop(),
  };
}

/** Frame-interval summary of a grab: is the 100 fps grab keeping up? */
export function grabHealth(frames: readonly GrabFrame[]): { frames: number; meanIntervalMs: number; maxGapMs: number } {
  let maxGap = 0;
  for (let i = 1; i < frames.length; i++) maxGap = Math.max(maxGap, frames[i]!.t - frames[i - 1]!.t);
  const span = frames.length > 1 ? frames.at(-1)!.t - frames[0]!.t : Number.NaN;
  return { frames: frames.length, meanIntervalMs: round(span / (frames.length - 1)), maxGapMs: round(maxGap) };
}

// ---------------------------------------------------------------- detection and pairing

/** The palette colour `rgb` is, when every channel is within `threshold`; else undefined. */
export function classify(rgb: Rgb, palette: readonly Colour[] = PALETTE, threshold = 80): string | undefined {
  for (const c of palette) {
    if (Math.max(...c.rgb.map((v, i) => Math.abs(v - rgb[i]!))) <= threshold) return c.name;
  }
  return undefined;
}

export interface Transition {
  /** Grab time of the first frame showing the new colour. */
  readonly t: number;
  readonly colour: string;
  /** The stable colour before it; undefined for the first picture (not a change). */
  readonly from: string | undefined;
}

export interface DetectOptions {
  readonly palette?: readonly Colour[];
  readonly threshold?: number;
  /** Frames a colour must hold to count (rejects one-frame blends). */
  readonly minFrames?: number;
}

/** Changes of stable colour in a grab. */
export function detectTransitions(frames: readonly GrabFrame[], o: DetectOptions = {}): Transition[] {
  const minFrames = o.minFrames ?? 2;
  const out: Transition[] = [];
  let stable: string | undefined;
  let runColour: string | undefined;
  let runStart = 0;
  let runLength = 0;
  for (let i = 0; i < frames.length; i++) {
    const c = classify(frames[i]!.rgb, o.palette, o.threshold);
    if (c !== runColour) {
      runColour = c;
      runStart = i;
      runLength = 0;
    }
    runLength++;
    if (c !== undefined && c !== stable && runLength === minFrames) {
      out.push({ t: frames[runStart]!.t, colour: c, from: stable });
      stable = c;
    }
  }
  return out;
}

export interface Pair {
  readonly change: FlipChange;
  readonly seenAt: number;
  readonly latencyMs: number;
}

export interface Pairing {
  readonly pairs: Pair[];
  /** Changes on A in the window that B never showed. */
  readonly missed: FlipChange[];
  /** Changes seen on B that match no change of the window. */
  readonly unmatched: Transition[];
}

export interface PairOptions {
  /** Only changes made at or after this time count (e.g. when the viewer joined). */
  readonly from?: number;
  /** ... and before this one (leave the last latency's worth out: it may not have arrived). */
  readonly to?: number;
  readonly maxLatencyMs?: number;
}

/**
 * Pairs the k-th change on A with the k-th change seen on B. In order: each change
 * seen on B goes to the earliest change on A not yet paired that has its colour
 * and was started before it; the changes it skips are missed. With distinct consecutive
 * colours, that is the k-th-with-k-th pairing, and it stays right when B misses
 * (or merges) changes. The first picture on B is not a change.
 */
export function pairChanges(changes: readonly FlipChange[], transitions: readonly Transition[], o: PairOptions = {}): Pairing {
  const from = o.from ?? -Infinity;
  const to = o.to ?? Infinity;
  const maxLatency = o.maxLatencyMs ?? 5000;
  const window = changes.filter((c) => c.at >= from && c.at <= to);
  const pairs: Pair[] = [];
  const missed: FlipChange[] = [];
  const unmatched: Transition[] = [];
  let next = 0;
  for (const tr of transitions) {
    if (tr.from === undefined) continue;
    let j = next;
    // spawnedAt, not at: on a busy machine we may learn of xsetroot's exit after B already shows the change.
    while (j < window.length && !(window[j]!.colour === tr.colour && window[j]!.spawnedAt <= tr.t)) j++;
    const c = window[j];
    if (c === undefined || tr.t - c.at > maxLatency) {
      unmatched.push(tr);
      continue;
    }
    missed.push(...window.slice(next, j));
    pairs.push({ change: c, seenAt: tr.t, latencyMs: tr.t - c.at });
    next = j + 1;
  }
  // Changes after the last one seen are missed unless the window ended before they could arrive.
  missed.push(...window.slice(next));
  return { pairs, missed, unmatched };
}

export interface LatencyStats {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** Linear-interpolated quantile (0 ≤ q ≤ 1), like bench/lib/stats.mjs. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function latencyStats(values: readonly number[]): LatencyStats {
  const n = values.length;
  return {
    n,
    p50: round(quantile(values, 0.5)),
    p95: round(quantile(values, 0.95)),
    min: n ? round(Math.min(...values)) : Number.NaN,
    max: n ? round(Math.max(...values)) : Number.NaN,
    mean: n ? round(values.reduce((a, b) => a + b, 0) / n) : Number.NaN,
  };
}

// ---------------------------------------------------------------- keyframe tap

export interface KeyframeTap {
  /** Arrival times of the live keyframes (the replayed one of an instant join excluded). */
  readonly keyframes: number[];
  /** Resolves with the arrival time of the next live keyframe. */
  nextKeyframe(timeoutMs?: number): Promise<number>;
  stop(): void;
}

/**
 * Reads an MPEG-TS URL and notes when each video keyframe arrives (the random
 * access flag mpegtsmux sets, on the PMT's H.264 PID). The first keyframe is
 * skipped: on an instant-join stream it is the cached one, replayed at once.
 */
export function tapKeyframes(url: string): KeyframeTap {
  const keyframes: number[] = [];
  const waiters = new Set<(t: number) => void>();
  let pmtPid = -1;
  let videoPid = -1;
  let seen = 0;
  let rest: Buffer = Buffer.alloc(0);
  const onPacket = (p: Buffer, t: number): void => {
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const pusi = (p[1]! & 0x40) !== 0;
    const afc = (p[3]! >> 4) & 3;
    let off = 4;
    if (afc & 2) {
      const len = p[4]!;
      if (pid === videoPid && pusi && len > 0 && (p[5]! & 0x40) !== 0) {
        if (seen++ > 0) {
          keyframes.push(t);
          for (const w of [...waiters]) w(t);
        }
      }
      off = 5 + len;
    }
    if (!pusi || off >= 188) return;
    const start = off + 1 + p[off]!;
    if (pid === 0) {
      pmtPid = ((p[start + 10]! & 0x1f) << 8) | p[start + 11]!;
    } else if (pid === pmtPid) {
      const sectionLength = ((p[start + 1]! & 0x0f) << 8) | p[start + 2]!;
      const end = Math.min(start + 3 + sectionLength - 4, 188);
      const infoLength = ((p[start + 10]! & 0x0f) << 8) | p[start + 11]!;
      for (let i = start + 12 + infoLength; i + 5 <= end; i += 5 + (((p[i + 3]! & 0x0f) << 8) | p[i + 4]!)) {
        if (p[i] === 0x1b) videoPid = ((p[i + 1]! & 0x1f) << 8) | p[i + 2]!;
      }
    }
  };
  const req = get(url, (res) => {
    res.on('data', (chunk: Buffer) => {
      const t = now();
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let i = 0;
      while (i + 188 <= buf.length) {
        if (buf[i] !== 0x47) {
          const sync = buf.indexOf(0x47, i + 1);
          i = sync < 0 ? buf.length : sync;
          continue;
        }
        onPacket(buf.subarray(i, i + 188), t);
        i += 188;
      }
      rest = Buffer.from(buf.subarray(i));
    });
  });
  req.on('error', () => undefined);
  return {
    keyframes,
    nextKeyframe: (timeoutMs = 10_000) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no keyframe arrived on ${url} within ${timeoutMs} ms`));
        }, timeoutMs);
        const w = (t: number): void => {
          clearTimeout(timer);
          waiters.delete(w);
          resolve(t);
        };
        waiters.add(w);
      }),
    stop: () => req.destroy(),
  };
}

// ---------------------------------------------------------------- the lab

export interface FlipLabOptions {
  /** How many displays: the first is usually A (shared), the others B, C... (players). */
  readonly displays: number;
  readonly width?: number;
  readonly height?: number;
}

export interface FlipLab {
  readonly displays: XvfbServer[];
  readonly tracker: ProcessTracker;
  spawn(name: string, cmd: string, args: readonly string[], o?: SpawnOptions): LabProcess;
  flip(display: XvfbServer, o?: FlipperOptions): Flipper;
  /** Grabs the middle of `display`, shifted by `offset` (away from pointers drawn at the centre). */
  grab(display: XvfbServer, o?: { offsetX?: number; offsetY?: number; size?: number; fps?: number }): Grabber;
  /** Waits until the grab of a display shows a palette colour (a picture is up); returns when. */
  waitForPicture(grabber: Grabber, after: number, timeoutMs?: number): Promise<number>;
  /** One PNG of a whole display, for diagnosing where a window went. */
  screenshot(display: XvfbServer, path: string): Promise<void>;
  /** Kills everything the lab started and fails if any process survived. */
  stop(): Promise<void>;
}

/** Starts `displays` Xvfb servers (-noreset, 24-bit) and the process tracking around them. */
export async function startFlipLab(o: FlipLabOptions): Promise<FlipLab> {
  requireFlipTools();
  const width = o.width ?? 1280;
  const height = o.height ?? 720;
  const tracker = new ProcessTracker();
  const displays: XvfbServer[] = [];
  const stop = async (): Promise<void> => {
    await tracker.stopAll();
    await Promise.all(displays.map((d) => d.stop()));
    const left = tracker.survivors();
    if (left.length) {
      for (const pid of left) kill(pid, 'SIGKILL', false);
      throw new Error(`flip lab: processes outlived stop(): ${left.map((p) => `${p} ${describePid(p)}`).join(', ')}`);
    }
  };
  try {
    for (let i = 0; i < o.displays; i++) displays.push(await startXvfb({ width, height }));
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    displays,
    tracker,
    spawn: (name, cmd, args, so) => tracker.spawn(name, cmd, args, so),
    flip: (d, fo) => startFlipper(tracker, d.display, fo),
    grab: (d, g = {}) =>
      startGrabber(tracker, d.display, { x: width / 2 + (g.offsetX ?? 96), y: height / 2 + (g.offsetY ?? 64), size: g.size ?? 32, fps: g.fps ?? 100 }),
    async waitForPicture(grabber, after, timeoutMs = 20_000) {
      const deadline = now() + timeoutMs;
      for (;;) {
        const f = grabber.frames().find((fr) => fr.t >= after && classify(fr.rgb) !== undefined);
        if (f) return f.t;
        if (grabber.proc.child.exitCode !== null) throw new Error(`the grabber exited: ${grabber.proc.stderr().trim().split('\n').slice(-3).join(' | ')}`);
        if (now() > deadline) throw new Error(`no picture on the grabbed display within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    async screenshot(d, path) {
      const p = tracker.spawn('ffmpeg screenshot', 'ffmpeg', ['-v', 'error', '-y', '-f', 'x11grab', '-video_size', `${width}x${height}`, '-i', d.display, '-frames:v', '1', path]);
      await p.exited;
    },
    stop,
  };
}

function describePid(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 80);
  } catch {
    return '';
  }
}

/** `pgrep -a NAME` for each name: what is still running (for the end-of-run check). */
export function stillRunning(names: readonly string[] = ['Xvfb', 'ffmpeg', 'mpv', 'vlc', 'gst-launch-1.0']): string[] {
  const out: string[] = [];
  for (const n of names) {
    try {
      out.push(...execFileSync('pgrep', ['-a', n], { encoding: 'utf8' }).trim().split('\n').filter(Boolean));
    } catch {
      /* none */
    }
  }
  return out;
}
