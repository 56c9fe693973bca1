import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isCommandMissing, MissingDependency, PixelpassError } from '@pixelpass/core';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

async function firstLine(child: ResultPromise, what: string, timeoutMs: number): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<string>((resolve) => rl.once('line', resolve)),
      child.then((r) => {
        throw new PixelpassError(`${what} exited early (code ${r.exitCode})`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PixelpassError(`${what} printed nothing in ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The demo: `pixelpass host --source test --relay off` and `pixelpass view
 * --player none` as two processes on this machine, and ffprobe decoding the
 * viewer's local URL headless. Prints what arrived.
 */
export async function runDemo(seconds: number): Promise<void> {
  const env = { PIXELPASS_RELAY: 'off', PIXELPASS_BIND: '127.0.0.1:0' };
  const children: ResultPromise[] = [];
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  try {
    const host = execa('node', [MAIN, 'host', '--source', 'test'], { env, stderr: 'inherit', reject: false });
    children.push(host);
    const ticket = await firstLine(host, 'the host', 20_000);
    out(`host is up; ticket ${ticket.slice(0, 16)}… (${ticket.length} chars)`);
    const viewer = execa('node', [MAIN, 'view', ticket, '--player', 'none'], { env, stderr: 'inherit', reject: false });
    children.push(viewer);
    const url = await firstLine(viewer, 'the viewer', 30_000);
    out(`viewer serves ${url.replace(/\/[a-z2-7]{20,}\//, '/…/')}`);

    const started = Date.now();
    // No `-fflags nobuffer`: it drops what the stream analysis read, the first
    // keyframe with it, and the decoding then waits for the next one.
    const probe = execa(
      'ffprobe',
      ['-v', 'error', '-analyzeduration', '500000', '-probesize', '500000', '-read_intervals', `%+${seconds}`, '-show_entries', 'frame=media_type,width,height:stream=codec_type,codec_name,width,height,sample_rate,channels', '-of', 'csv', url],
      { reject: false, buffer: false },
    );
    children.push(probe);
    let firstFrameMs: number | undefined;
    let video = 0;
    let audio = 0;
    const streams: string[] = [];
    const rl = createInterface({ input: probe.stdout! });
    rl.on('line', (line) => {
      const f = line.split(',');
      if (f[0] === 'frame' && f[1] === 'video') {
        firstFrameMs ??= Date.now() - started;
        video++;
      } else if (f[0] === 'frame' && f[1] === 'audio') audio++;
      else if (f[0] === 'stream') streams.push(f.slice(1).filter(Boolean).join(' '));
    });
    const result = await probe;
    if (isCommandMissing(result)) throw new MissingDependency('ffprobe', 'ffmpeg');
    out(`streams: ${[...new Set(streams)].join(' | ') || 'none'}`);
    out(`decoded ${video} video frames and ${audio} audio frames in ${seconds} s; first frame after ${firstFrameMs ?? '—'} ms`);
    if (video === 0) throw new PixelpassError('the demo decoded no video frames');
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM');
    await Promise.allSettled(children);
  }
}
