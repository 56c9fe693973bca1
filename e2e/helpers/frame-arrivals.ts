import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/*
 * What a player sees: ffmpeg decodes a viewer's local URL (`-vf showinfo -f
 * null -`) and every decoded frame's showinfo line is time-stamped (wall clock)
 * as it arrives. From those (PTS, arrival) pairs: delivered fps, content jumps
 * (PTS gaps: the hub skipping ahead shows up as one), the longest stall, and,
 * given a reference decoder on an unconstrained path, each frame's delay
 * beyond the freshest frame: t_here(pts) − t_reference(pts).
 *
 * Plain ESM TypeScript with node: imports only: bench/links.mjs loads this same
 * file (transpiled on the fly with the repo's TypeScript).
 */

/** One decoded frame: its PTS in 90 kHz ticks (exact, as in the TS) and when it left the decoder (wall clock ms). */
export interface FrameArrival {
  readonly pts: number;
  readonly t: number;
}

const SHOWINFO = /\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*(\d+) pts:\s*(-?\d+)/;
/** mpv's libavfilter log: its own timeline (rebased), so pts_time, turned into 90 kHz ticks. */
const MPV_SHOWINFO = /\[ffmpeg\] Parsed_showinfo_\d+: n:\s*(\d+) pts:\s*-?\d+ pts_time:(-?[\d.]+)/;
const ERROR_LINE = /error|corrupt|non-existing|missing|invalid|concealing/i;

/** Wall clock in ms with sub-ms resolution, comparable across processes on one machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export interface RecorderOptions {
  /** Runs ffmpeg through this, e.g. ['ip', 'netns', 'exec', 'ns']. */
  readonly prefix?: readonly string[];
  /** Start ffmpeg again when it exits (the stream ended, e.g. the hub dropped the viewer), like a restarted player. */
  readonly restart?: boolean;
  /**
   * 'mpv': a real mpv with pixelpass's flags (no window, no sound) decodes instead,
   * its frames timed by a showinfo filter. Its PTS are mpv's own timeline, so they
   * match no ffmpeg reference (no delay figures), but jumps and stalls are its own.
   */
  readonly player?: 'ffmpeg' | 'mpv';
}

/**
 * ffmpeg as the player: single-threaded, low-delay, `-copyts` (frames keep the
 * stream's PTS, so two decoders of the same stream can be matched frame by
 * frame), 0.1 s of probing (mpv's low-latency profile, which pixelpass
 * launches), showinfo without checksums (cheap). The same settings as
 * bench/lib/decoder.mjs, so figures compare.
 */
export class FrameRecorder {
  readonly frames: FrameArrival[] = [];
  readonly errors: string[] = [];
  /** Each ffmpeg exit: when, how, the last lines it printed. */
  readonly exits: Array<{ at: number; code: number | null; tail: string }> = [];
  readonly startedAt = wallMs();
  child: ChildProcess | undefined;
  #stopped = false;
  #tail: string[] = [];

  constructor(
    readonly url: string,
    readonly options: RecorderOptions = {},
  ) {
    this.#start();
  }

  #start(): void {
    const mpv = this.options.player === 'mpv';
    const args = mpv
      ? [
          // packages/player-launchers' mpvArgs, without a window or sound.
          '--no-config', '--profile=low-latency', '--cache=no', '--demuxer-lavf-o-add=fflags=+nobuffer', '--untimed=yes',
          '--vo=null', '--ao=null', '--vf=lavfi=[showinfo=checksum=0]', '--msg-level=all=warn,ffmpeg=v', this.url,
        ]
      : ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-threads', '1', '-flags', 'low_delay', '-copyts', '-analyzeduration', '100000', '-i', this.url, '-an', '-vf', 'showinfo=checksum=0', '-f', 'null', '-'];
    const [cmd, ...pre] = [...(this.options.prefix ?? []), mpv ? 'mpv' : 'ffmpeg'];
    // mpv logs to stdout, ffmpeg to stderr.
    const child = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', mpv ? 'pipe' : 'ignore', 'pipe'], detached: true });
    this.child = child;
    const onLine = (line: string): void => {
      const t = wallMs();
      const m = mpv ? MPV_SHOWINFO.exec(line) : SHOWINFO.exec(line);
      if (m) {
        this.frames.push({ pts: mpv ? Math.round(Number(m[2]) * 90_000) : Number(m[2]), t });
        return;
      }
      this.#tail.push(line);
      if (this.#tail.length > 8) this.#tail.shift();
      if (ERROR_LINE.test(line) && this.errors.length < 500) this.errors.push(`${Math.round(t - this.startedAt)} ms: ${line}`);
    };
    createInterface({ input: child.stderr! }).on('line', onLine);
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    child.once('exit', (code) => {
      this.exits.push({ at: wallMs(), code, tail: this.#tail.join(' | ') });
      this.#tail = [];
      if (!this.#stopped && this.options.restart) setTimeout(() => this.#stopped || this.#start(), 200);
    });
  }

  /** Frames decoded so far. */
  get count(): number {
    return this.frames.length;
  }

  async waitFrames(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n) {
      if (Date.now() > deadline) {
        throw new Error(`ffmpeg decoded ${this.frames.length} frames of ${this.url}, not ${n}, in ${timeoutMs} ms; exits: ${JSON.stringify(this.exits)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await gone;
  }
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface ArrivalAnalysis {
  readonly seconds: number;
  readonly frames: number;
  readonly fps: number;
  /** Frames that arrived in each whole second of the window. */
  readonly fpsPerSecond: number[];
  /** PTS gaps larger than 1.5 frame intervals between consecutive frames (content the player never showed). */
  readonly jumps: { count: number; ptsGapMs: number[]; atS: number[]; skippedMs: number };
  /** PTS going backwards (a restarted player replaying the cached GOP). */
  readonly backwards: number;
  /** Longest wall-clock gap between consecutive frames (window edges included). */
  readonly stallMaxMs: number;
  /** Gaps of 200 ms or more between frames, with where in the window they began. */
  readonly stalls: Array<{ atS: number; ms: number }>;
  /** Given a reference: t_here(pts) − t_reference(pts). */
  readonly delay?: {
    matched: number;
    unmatched: number;
    p50: number;
    p95: number;
    max: number;
    mean: number;
    /** Median delay of the frames arriving in each second of the window (null: none arrived). */
    p50PerSecond: Array<number | null>;
  };
  /** The reference's frames in the window (what the slow player could have shown). */
  readonly referenceFrames?: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * The frames that arrived in [from, to) (wall ms): fps, jumps, stalls; and
 * with `reference` (the same stream decoded on an unconstrained path), each
 * frame's delay beyond the freshest one.
 */
export function analyzeArrivals(
  frames: readonly FrameArrival[],
  opts: { from: number; to: number; fps: number; reference?: readonly FrameArrival[] },
): ArrivalAnalysis {
  const { from, to, fps } = opts;
  const seconds = (to - from) / 1000;
  const inWin = frames.filter((f) => f.t >= from && f.t < to);
  const before = [...frames].reverse().find((f) => f.t < from);
  const tick = 90_000 / fps;
  const perSecond = new Array<number>(Math.max(1, Math.round(seconds))).fill(0);
  for (const f of inWin) perSecond[Math.min(perSecond.length - 1, Math.floor((f.t - from) / 1000))]!++;

  const jumps = { count: 0, ptsGapMs: [] as number[], atS: [] as number[], skippedMs: 0 };
  let backwards = 0;
  let prev = before;
  for (const f of inWin) {
    if (prev) {
      const d = f.pts - prev.pts;
      if (d < 0) backwards++;
      else if (d > 1.5 * tick) {
        jumps.count++;
        jumps.ptsGapMs.push(Math.round(d / 90));
        jumps.atS.push(r1((f.t - from) / 1000));
        jumps.skippedMs += (d - tick) / 90;
      }
    }
    prev = f;
  }
  jumps.skippedMs = Math.round(jumps.skippedMs);

  const stalls: Array<{ atS: number; ms: number }> = [];
  let last = from;
  let stallMax = 0;
  for (const f of [...inWin.map((x) => x.t), to]) {
    const gap = f - last;
    stallMax = Math.max(stallMax, gap);
    if (gap >= 200) stalls.push({ atS: r1((last - from) / 1000), ms: Math.round(gap) });
    last = f;
  }

  const out: ArrivalAnalysis = {
    seconds: r1(seconds),
    frames: inWin.length,
    fps: r1(inWin.length / seconds),
    fpsPerSecond: perSecond,
    jumps,
    backwards,
    stallMaxMs: Math.round(stallMax),
    stalls,
  };
  if (!opts.reference) return out;

  // A PTS can repeat across player restarts (replayed GOP): keep the reference's first arrival.
  const ref = new Map<number, number>();
  for (const f of opts.reference) if (!ref.has(f.pts)) ref.set(f.pts, f.t);
  const delays: number[] = [];
  const bins: number[][] = perSecond.map(() => []);
  let unmatched = 0;
  for (const f of inWin) {
    const t0 = ref.get(f.pts);
    if (t0 === undefined) {
      unmatched++;
      continue;
    }
    const d = f.t - t0;
    delays.push(d);
    bins[Math.min(bins.length - 1, Math.floor((f.t - from) / 1000))]!.push(d);
  }
  return {
    ...out,
    delay: {
      matched: delays.length,
      unmatched,
      p50: Math.round(quantile(delays, 0.5)),
      p95: Math.round(quantile(delays, 0.95)),
      max: Math.round(delays.length ? Math.max(...delays) : Number.NaN),
      mean: Math.round(delays.reduce((a, b) => a + b, 0) / (delays.length || Number.NaN)),
      p50PerSecond: bins.map((b) => (b.length ? Math.round(quantile(b, 0.5)) : null)),
    },
    referenceFrames: opts.reference.filter((f) => f.t >= from && f.t < to).length,
  };
}

/** One TCP socket of the local HTTP link between the viewer and its player, from `ss -tnmi`. */
export interface SocketSample {
  readonly local: string;
  readonly peer: string;
  /** Bytes the reading side has not read yet (on the player's socket: what the player has not taken). */
  readonly recvQ: number;
  /** Bytes written but not yet acknowledged (on the viewer's socket: what the player's window holds back). */
  readonly sendQ: number;
  readonly bytesReceived: number | null;
  readonly bytesAcked: number | null;
}

/**
 * `ss -tnmi` in the viewer's namespace for the sockets on the local server's
 * port: both ends (the viewer's and the player's).
 */
export function sampleSockets(prefix: readonly string[], port: number): Promise<{ at: number; sockets: SocketSample[] }> {
  const [cmd, ...pre] = [...prefix, 'ss'];
  return new Promise((resolve) => {
    execFile(cmd!, [...pre, '-H', '-t', '-n', '-m', '-i', 'state', 'established', `( sport = :${port} or dport = :${port} )`], { timeout: 5000 }, (_err, stdout) => {
      const at = wallMs();
      const sockets: SocketSample[] = [];
      // A socket is one line "Recv-Q Send-Q local peer" followed by indented detail lines.
      for (const block of String(stdout ?? '').split(/\n(?=\S)/)) {
        const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)/.exec(block);
        if (!m) continue;
        const num = (re: RegExp): number | null => {
          const x = re.exec(block);
          return x ? Number(x[1]) : null;
        };
        sockets.push({
          recvQ: Number(m[1]),
          sendQ: Number(m[2]),
          local: m[3]!,
          peer: m[4]!,
          bytesReceived: num(/bytes_received:(\d+)/),
          bytesAcked: num(/bytes_acked:(\d+)/),
        });
      }
      resolve({ at, sockets });
    });
  });
}
