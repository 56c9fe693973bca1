import { spawn, type ChildProcess } from 'node:child_process';

export interface Decoder {
  readonly child: ChildProcess;
  /** Wall-clock time of each progress report (every second), with the video frames decoded so far. */
  readonly progress: Array<{ at: number; frame: number }>;
  /** ffmpeg's `-v error` lines: decode errors and stream breaks. */
  errors(): string[];
  frames(): number;
  readonly exited: Promise<number | null>;
}

/** ffmpeg decodes `url` to null for up to `seconds`, reporting progress; `prefix` runs it e.g. in a netns. */
export function startDecoder(url: string, seconds: number, prefix: readonly string[] = []): Decoder {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-stats_period', '1', '-progress', 'pipe:1', '-i', url, '-t', String(seconds), '-f', 'null', '-'];
  const [cmd, ...pre] = [...prefix, 'ffmpeg'];
  const child = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const progress: Array<{ at: number; frame: number }> = [];
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    for (const m of d.matchAll(/^frame=(\d+)/gm)) progress.push({ at: Date.now(), frame: Number(m[1]) });
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    progress,
    errors: () => err.split('\n').filter((l) => l.trim() !== ''),
    frames: () => progress.at(-1)?.frame ?? 0,
    exited,
  };
}

/** The longest wall-clock stretch in which a decoder made no progress. */
export function longestStall(p: Decoder['progress']): number {
  let worst = 0;
  let lastChange = p[0]?.at ?? 0;
  let lastFrame = -1;
  for (const { at, frame } of p) {
    if (frame !== lastFrame) {
      worst = Math.max(worst, at - lastChange);
      lastChange = at;
      lastFrame = frame;
    }
  }
  return Math.max(worst, (p.at(-1)?.at ?? 0) - lastChange);
}
