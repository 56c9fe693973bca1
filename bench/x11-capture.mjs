#!/usr/bin/env node
// X11 capture benchmark: CPU of `ximagesrc use-damage=false` at 1080p30, alone
// and with x264 as the host runs it, on a real Xvfb. JSON on stdout.
//
//   node bench/x11-capture.mjs [--seconds 20] [--warmup 3]
//
// Each case starts its own Xvfb (1920x1080x24, -displayfd picks a free display)
// with a blue root and a red xterm over half of it, then one gst-launch-1.0:
//   capture            X11Capture's fragment ! fpsdisplaysink(fakesink)
//   capture+x264       composePipeline(X11Capture fragment, X264Encoder fragment)
//                      exactly as `pixelpass host --source x11` runs it, MPEG-TS to a file
//   capture+x264 noshm the same on an Xvfb without MIT-SHM (ximagesrc remote=true)
// CPU is user+system time from /proc/<pid>/stat of gst-launch-1.0 and of Xvfb
// (the X server does the copy for XShm grabs), sampled after --warmup seconds
// and again --seconds later; "percent" is of one core. Frames delivered come
// from fpsdisplaysink, or from ffprobe counting the file afterwards.
// The screen is still: x264 has little to do. This measures what capture costs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/paths.mjs';
import { cpuSeconds, sleep, start, stopAll } from './lib/proc.mjs';

const { values: flags } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' } },
});
const SECONDS = Number(flags.seconds);
const WARMUP = Number(flags.warmup);
const FPS = 30;

const { composePipeline } = await import(`${ROOT}packages/core/dist/index.js`);
const { X11Capture } = await import(`${ROOT}packages/capture-x11/dist/index.js`);
const { X264Encoder } = await import(`${ROOT}packages/encode-x264/dist/index.js`);

const run = (cmd, args, env = {}) =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );

async function startXvfb(extraArgs) {
  const x = start('Xvfb', ['-displayfd', '3', '-screen', '0', '1920x1080x24', '-nolisten', 'tcp', '-noreset', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const number = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb did not start within 10 s (Debian package xvfb)')), 10_000);
    x.child.once('error', (e) => reject(new Error(`cannot start Xvfb (Debian package xvfb): ${e.message}`)));
    createInterface({ input: x.child.stdio[3] }).once('line', (l) => (clearTimeout(timer), resolve(l.trim())));
  });
  const display = `:${number}`;
  await run('xdpyinfo', [], { DISPLAY: display });
  await run('xsetroot', ['-solid', 'blue'], { DISPLAY: display });
  const term = start('xterm', ['-bg', 'red', '-fg', 'red', '-geometry', '400x200+960+0', '-e', 'sleep', '3600'], {
    env: { DISPLAY: display },
    stdio: 'ignore',
  });
  await sleep(500);
  return { display, xvfb: x, term };
}

async function measure(name, { noShm, encode }) {
  const { display, xvfb, term } = await startXvfb(noShm ? ['-extension', 'MIT-SHM'] : []);
  const dir = mkdtempSync(join(tmpdir(), 'pixelpass-x11-bench-'));
  const out = join(dir, 'out.ts');
  try {
    const session = await new X11Capture({ display }).open({ fps: FPS });
    let description;
    if (encode) {
      const encoder = new X264Encoder().fragment({ fps: FPS, bitrateKbps: 4000, keyframeIntervalSec: 2 });
      const spec = composePipeline({ video: session.video, encoders: [{ fragment: encoder }], fps: FPS, geometry: session.geometry, paced: session.paced });
      description = spec.description.replace('fdsink fd=1 sync=false', `filesink location=${out} sync=false`);
    } else {
      description = `${session.video.launch} ! fpsdisplaysink video-sink=fakesink text-overlay=false sync=false`;
    }
    const gst = start('gst-launch-1.0', ['-e', ...(encode ? ['-q'] : ['-v']), ...description.split(/\s+/).filter(Boolean)] /* no quoted values in these descriptions */, { env: { DISPLAY: display } });
    await sleep(WARMUP * 1000);
    const gst0 = cpuSeconds(gst.pid);
    const x0 = cpuSeconds(xvfb.pid);
    await sleep(SECONDS * 1000);
    const gst1 = cpuSeconds(gst.pid);
    const x1 = cpuSeconds(xvfb.pid);
    await gst.stop('SIGINT');
    if (Number.isNaN(gst1)) throw new Error(`${name}: gst-launch-1.0 died: ${gst.stderr().trim().split('\n').slice(-3).join(' | ')}`);

    let fps;
    if (encode) {
      const probe = JSON.parse(
        await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_streams', '-of', 'json', out]),
      ).streams[0];
      fps = Number(probe.nb_read_frames) / (SECONDS + WARMUP);
    } else {
      const last = gst.lines.filter((l) => l.includes('last-message = rendered')).at(-1) ?? '';
      fps = Number(/average: ([\d.]+)/.exec(last)?.[1] ?? Number.NaN);
    }
    const round = (v) => Math.round(v * 10) / 10;
    return {
      name,
      pipeline: description,
      seconds: SECONDS,
      gstCpuPercent: round(((gst1 - gst0) / SECONDS) * 100),
      xvfbCpuPercent: round(((x1 - x0) / SECONDS) * 100),
      totalCpuPercent: round(((gst1 - gst0 + x1 - x0) / SECONDS) * 100),
      deliveredFps: round(fps),
    };
  } finally {
    await term.stop('SIGKILL');
    await xvfb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const results = [];
  results.push(await measure('capture 1080p30 (XShm)', { noShm: false, encode: false }));
  results.push(await measure('capture+x264 1080p30 (XShm)', { noShm: false, encode: true }));
  results.push(await measure('capture+x264 1080p30 (no MIT-SHM, remote=true)', { noShm: true, encode: true }));
  const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(
    `${JSON.stringify({ bench: 'x11-capture', cpu: cpus()[0]?.model, cores: cpus().length, loadavg: load, results }, null, 2)}\n`,
  );
} finally {
  await stopAll();
}
