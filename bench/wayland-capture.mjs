#!/usr/bin/env node
// Wayland capture benchmark: CPU of sharing a 1920x1080 output of a REAL
// compositor (headless sway 1.7, pixman renderer, xdg-desktop-portal-wlr,
// PipeWire; scripts/sway-stack.sh) with `pixelpass host --source wayland` as a
// user runs it, one viewer pulling the stream. JSON on stdout.
//
//   node bench/wayland-capture.mjs [--seconds 10] [--warmup 3]
//
// Cases, each a fresh host and viewer on the same stack:
//   moving, media python      a 1080p window redrawn at 30 fps (videotestsrc ball),
//                             the default media process (python3 pixelpass-media.py)
//   moving, media gst-launch  the same with PIXELPASS_MEDIA=gst-launch
//   still, media python       nothing moves: wlroots sends no frames, pipewiresrc
//                             resends the last one (keepalive-time)
//   moving, no share          the moving window alone, nobody capturing: what the
//                             compositor spends drawing it, the baseline of the share
// CPU is user+system time from /proc/<pid>/stat of each process, sampled after
// --warmup seconds of streaming and again --seconds later; "percent" is of one
// core. shareCpuPercent adds what sharing costs the host machine: compositor,
// xdpw, PipeWire, WirePlumber, the portal frontend, pixelpass host (node) and
// its media process. The window drawing the moving picture and the viewer side
// (pixelpass view, ffmpeg reading the stream) are reported apart. Delivered fps
// and size come from ffprobe on what the viewer's stream carried.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, ROOT } from './lib/paths.mjs';
import { cpuSeconds, sleep, start, stopAll } from './lib/proc.mjs';

const { values: flags } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, warmup: { type: 'string', default: '3' } },
});
const SECONDS = Number(flags.seconds);
const WARMUP = Number(flags.warmup);
const STACK = `${ROOT}scripts/sway-stack.sh`;

const run = (cmd, args, env = {}, timeoutMs = 60_000) =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args[0] ?? ''} failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' | ')}`)) : resolve(stdout),
    ),
  );

/** Direct children of `pid`, with their command lines. */
function children(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      /* gone */
    }
  }
  return out;
}

async function startStack() {
  const out = await run('bash', [STACK, 'start'], { SWAY_STACK_OWNER_PID: String(process.pid), SWAY_STACK_OUTPUTS: '1920x1080', SWAY_STACK_MAX_FPS: '30' }, 90_000);
  const env = {};
  for (const m of out.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) env[m[1]] = m[2];
  if (!env.SWAY_STACK) throw new Error(`sway-stack.sh printed no stack directory: ${out}`);
  const pids = Object.fromEntries(
    readFileSync(join(env.SWAY_STACK, 'pids'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
      .map(([p, n]) => [n, Number(p)]),
  );
  return { env, dir: env.SWAY_STACK, pids };
}

async function measure(stack, name, { media, moving }) {
  const env = { ...stack.env, PIXELPASS_RELAY: 'off', PIXELPASS_BIND: '127.0.0.1:0', ...(media === 'gst-launch' ? { PIXELPASS_MEDIA: 'gst-launch' } : {}) };
  const dir = mkdtempSync(join(tmpdir(), 'pixelpass-wayland-bench-'));
  const out = join(dir, 'out.ts');
  const host = start(process.execPath, [CLI, 'host', '--source', 'wayland', '--no-audio', '--linger', '0'], { env });
  try {
    const ticket = await host.waitLine(() => true, 60_000);
    const viewer = start(process.execPath, [CLI, 'view', ticket, '--player', 'none'], { env });
    const url = await viewer.waitLine((l) => l.startsWith('http'), 60_000);
    // The viewer's player: ffmpeg copies what arrives, for the frame count afterwards.
    const ffmpeg = start('ffmpeg', ['-v', 'error', '-i', url, '-map', '0:v', '-c', 'copy', '-t', String(WARMUP + SECONDS + 2), '-y', out]);
    const deadline = Date.now() + 30_000;
    let mediaProc;
    while (!mediaProc && Date.now() < deadline) {
      mediaProc = children(host.pid).find((c) => c.cmdline.some((a) => a.includes('pixelpass-media') || a.includes('gst-launch-1.0')));
      if (!mediaProc) await sleep(100);
    }
    if (!mediaProc) throw new Error(`${name}: no media process under the host: ${host.stderr().trim().split('\n').slice(-3).join(' | ')}`);
    await sleep(WARMUP * 1000);
    const mediaKey = `media process (${media === 'gst-launch' ? 'gst-launch-1.0' : 'python3 pixelpass-media.py'})`;
    const watched = {
      sway: stack.pids.sway,
      'xdg-desktop-portal-wlr': stack.pids.xdpw,
      pipewire: stack.pids.pipewire,
      wireplumber: stack.pids.wireplumber,
      'xdg-desktop-portal': stack.pids['xdg-desktop-portal'],
      'pixelpass host (node)': host.pid,
      [mediaKey]: mediaProc.pid,
      ...(moving ? { 'moving window (videotestsrc ! waylandsink)': moving } : {}),
      'pixelpass view (node)': viewer.pid,
      'ffmpeg (viewer side)': ffmpeg.pid,
    };
    const before = Object.fromEntries(Object.entries(watched).map(([k, pid]) => [k, cpuSeconds(pid)]));
    await sleep(SECONDS * 1000);
    const round = (v) => Math.round(v * 10) / 10;
    const cpuPercent = Object.fromEntries(Object.entries(watched).map(([k, pid]) => [k, round(((cpuSeconds(pid) - before[k]) / SECONDS) * 100)]));
    for (const [k, v] of Object.entries(cpuPercent)) if (Number.isNaN(v)) throw new Error(`${name}: ${k} exited during the measurement: ${host.stderr().trim().split('\n').slice(-3).join(' | ')}`);
    await ffmpeg.exited;
    const probe = JSON.parse(await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_streams', '-of', 'json', out])).streams[0];
    const hostSide = ['sway', 'xdg-desktop-portal-wlr', 'pipewire', 'wireplumber', 'xdg-desktop-portal', 'pixelpass host (node)', mediaKey];
    await viewer.stop('SIGINT');
    return {
      name,
      seconds: SECONDS,
      size: `${probe.width}x${probe.height}`,
      deliveredFps: round(Number(probe.nb_read_frames) / Number(probe.duration)),
      cpuPercent,
      shareCpuPercent: round(hostSide.reduce((sum, k) => sum + cpuPercent[k], 0)),
      capture: /capture started: ([^\n]*)/.exec(host.stderr())?.[1],
    };
  } finally {
    await host.stop('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stack's processes and the window with nothing shared: the compositor's own cost of the picture. */
async function baseline(stack, name, moving) {
  const watched = { sway: stack.pids.sway, 'xdg-desktop-portal-wlr': stack.pids.xdpw, pipewire: stack.pids.pipewire, wireplumber: stack.pids.wireplumber, 'moving window (videotestsrc ! waylandsink)': moving };
  await sleep(WARMUP * 1000);
  const before = Object.fromEntries(Object.entries(watched).map(([k, pid]) => [k, cpuSeconds(pid)]));
  await sleep(SECONDS * 1000);
  const round = (v) => Math.round(v * 10) / 10;
  const cpuPercent = Object.fromEntries(Object.entries(watched).map(([k, pid]) => [k, round(((cpuSeconds(pid) - before[k]) / SECONDS) * 100)]));
  return { name, seconds: SECONDS, size: '–', deliveredFps: '–', cpuPercent, shareCpuPercent: '–', capture: 'none' };
}

let stack;
try {
  for (const tool of ['sway', 'ffmpeg', 'ffprobe', 'gst-launch-1.0']) {
    await run('sh', ['-c', `command -v ${tool}`]).catch(() => {
      throw new Error(`missing ${tool}`);
    });
  }
  stack = await startStack();
  const swaymsg = (...args) => run('swaymsg', args, { SWAYSOCK: stack.env.SWAYSOCK });
  await swaymsg('output', 'HEADLESS-1', 'bg', '#204060', 'solid_color');
  const results = [];
  results.push(await measure(stack, 'still 1080p, media python', { media: 'python' }));
  const window = Number((await run('bash', [STACK, 'window', stack.dir, 'HEADLESS-1', 'ball', '1920x1080'], {}, 30_000)).trim());
  results.push(await baseline(stack, 'moving 1080p30, no share (baseline)', window));
  results.push(await measure(stack, 'moving 1080p30, media python', { media: 'python', moving: window }));
  results.push(await measure(stack, 'moving 1080p30, media gst-launch', { media: 'gst-launch', moving: window }));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(
    `${JSON.stringify({ bench: 'wayland-capture', cpu: cpus()[0]?.model, cores: cpus().length, loadavg: load, compositor: 'sway 1.7 headless (pixman), xdg-desktop-portal-wlr 0.7.0', results }, null, 2)}\n`,
  );
} finally {
  await stopAll();
  if (stack) await run('bash', [STACK, 'stop', stack.dir], {}, 30_000).catch(() => undefined);
}
