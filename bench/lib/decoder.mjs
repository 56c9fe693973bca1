// The decoder every join and latency figure uses: ffmpeg with showinfo, whose
// per-frame log line is printed as each decoded frame leaves the decoder.
import { start, wallMs } from './proc.mjs';

const SHOWINFO = /\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*(\d+) pts:\s*(-?\d+)\s+pts_time:(-?[\d.]+)/;

/**
 * Decodes `url` until `frames` frames came out (or forever with 0), calling
 * `onFrame(ptsSeconds, wallMs)` for each; single-threaded and low-delay so that
 * the decoder itself adds no frame-threading delay. `-copyts` keeps the stream's
 * own PTS so frames can be matched to the sender's.
 */
export function decode(url, { frames = 0, onFrame, lavfi = false } = {}) {
  // 0.1 s of probing, as in mpv's low-latency profile that pixelpass launches; ffmpeg's
  // default (5 s of stream) would dominate every join. No `-fflags nobuffer`: on a
  // live (unseekable) input it throws away the packets read while probing, the
  // instant-join keyframe among them, and the decoder then waits for the next one.
  const input = lavfi ? ['-f', 'lavfi', '-i', url] : ['-analyzeduration', '100000', '-i', url];
  const args = ['-hide_banner', '-nostats', '-loglevel', 'info', '-threads', '1', '-flags', 'low_delay', '-copyts', ...input, '-an', '-vf', 'showinfo'];
  if (frames > 0) args.push('-frames:v', String(frames));
  args.push('-f', 'null', '-');
  const t0 = wallMs();
  return {
    t0,
    proc: start('ffmpeg', args, {
      onErrLine: (line, t) => {
        const m = SHOWINFO.exec(line);
        // pts_time is printed with 6 digits only; pts is exact, in MPEG-TS 1/90000 units.
        if (m) onFrame?.(Number(m[2]) / 90000, t);
      },
    }),
  };
}

/** Milliseconds from starting ffmpeg on `url` (a lavfi graph with `lavfi`) to its first decoded frame. */
export async function timeToFirstFrame(url, timeoutMs = 20_000, lavfi = false) {
  let first;
  const { t0, proc } = decode(url, { frames: 1, lavfi, onFrame: (_pts, t) => (first ??= t) });
  const timer = setTimeout(() => void proc.stop('SIGKILL'), timeoutMs);
  const { code } = await proc.exited;
  clearTimeout(timer);
  if (first === undefined) throw new Error(`ffmpeg decoded no frame from ${url} (exit ${code}): ${proc.stderr().trim().split('\n').slice(-2).join(' | ')}`);
  return first - t0;
}
