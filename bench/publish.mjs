#!/usr/bin/env node
// Publish benchmark: what one `--publish` costs the host. JSON on stdout.
//
//   node bench/publish.mjs [--rounds 3] [--seconds 10] [--warmup 3]
//
// Each round runs two phases one after the other, in alternating order (so a
// change in the machine's load hits both alike): a real `pixelpass host
// --source test` (1280x720 at 30 fps, x264, test tone) with one `pixelpass
// view --player none` and a reader standing in for its player, and the same
// with `--publish srt://127.0.0.1:PORT` to a local srt-live-transmit listener
// whose bytes are counted. CPU is user+system time from /proc of the host's
// node process, its media process and (with the publish) its ffmpeg, sampled
// after --warmup seconds and again --seconds later; "percent" is of one core.
// Glass-to-glass through the SRT path is not measured here (it needs the flip
// test helper of the flip-lab branch).
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { comm, cpuSeconds, descendants, sleep, stopAll, wallMs } from './lib/proc.mjs';
import { cliHost, cliViewer, reader, waitBytes } from './lib/session.mjs';
import { summarize } from './lib/stats.mjs';

const { values: flags } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' }, warmup: { type: 'string', default: '3' } },
});
const ROUNDS = Number(flags.rounds);
const SECONDS = Number(flags.seconds);
const WARMUP = Number(flags.warmup);
const log = (m) => process.stderr.write(`[publish] ${m}\n`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** srt-live-transmit listening on 127.0.0.1:port; counts what it receives. */
function srtListener(port) {
  const child = spawn('srt-live-transmit', ['-q', `srt://127.0.0.1:${port}?mode=listener`, 'file://con'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let bytes = 0;
  let err = '';
  child.stdout.on('data', (d) => (bytes += d.length));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', (e) => (err += `cannot start srt-live-transmit (Debian package srt-tools): ${e.message}`));
  return {
    bytes: () => bytes,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const HOST_ARGS = ['--source', 'test', '--test-size', '1280x720', '--fps', '30', '--bitrate', '4000', '--max-viewers', '2', '--linger', '0'];

async function phase(withPublish) {
  const port = await freeUdpPort();
  const server = withPublish ? srtListener(port) : undefined;
  const host = await cliHost([...HOST_ARGS, ...(withPublish ? ['--publish', `srt://127.0.0.1:${port}?streamid=bench`] : [])]);
  try {
    const viewer = await cliViewer(host.ticket);
    const r = await reader(viewer.url);
    await waitBytes(r.bytes, 200_000, 30_000, 'the viewer');
    if (withPublish) {
      const deadline = Date.now() + 30_000;
      while (server.bytes() < 200_000) {
        if (Date.now() > deadline) throw new Error(`the SRT listener got ${server.bytes()} bytes in 30 s: ${host.stderr().trim().split('\n').slice(-3).join(' | ')} ${server.stderr()}`);
        await sleep(100);
      }
    }
    await sleep(WARMUP * 1000);
    const procs = [host.pid, ...descendants(host.pid)].map((pid) => ({ pid, name: comm(pid) }));
    const cpu0 = procs.map((p) => cpuSeconds(p.pid));
    const got0 = r.bytes()?.bytes ?? 0;
    const pub0 = server?.bytes() ?? 0;
    const t0 = wallMs();
    await sleep(SECONDS * 1000);
    const cpu1 = procs.map((p) => cpuSeconds(p.pid));
    const wall = (wallMs() - t0) / 1000;
    const percent = (name) =>
      procs.reduce((sum, p, i) => (name(p) ? sum + ((cpu1[i] - cpu0[i]) / wall) * 100 : sum), 0);
    const dead = procs.filter((p, i) => !Number.isFinite(cpu1[i]));
    if (dead.length) throw new Error(`a host process died during the window: ${dead.map((p) => p.name).join(', ')}`);
    return {
      node: percent((p) => p.pid === host.pid),
      media: percent((p) => p.pid !== host.pid && p.name !== 'ffmpeg'),
      ffmpeg: percent((p) => p.name === 'ffmpeg'),
      total: percent(() => true),
      viewerBytesPerSec: ((r.bytes()?.bytes ?? 0) - got0) / wall,
      publishBytesPerSec: server ? (server.bytes() - pub0) / wall : 0,
      stderr: host.stderr(),
    };
  } finally {
    await stopAll();
    await server?.stop();
  }
}

const failures = [];
const loadAtStart = loadavg();
const runs = { without: [], with: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const withPublish of order) {
      log(`round ${round + 1}/${ROUNDS}: ${withPublish ? 'with' : 'without'} a publish`);
      const m = await phase(withPublish);
      if (withPublish && !/publish srt:\/\/127\.0\.0\.1:\d+ connected/.test(m.stderr)) failures.push(`publish: round ${round + 1}: the publish never connected`);
      if (/ lost: | fell behind/.test(m.stderr)) failures.push(`publish: round ${round + 1}: ${m.stderr.split('\n').find((l) => / lost: | fell behind/.test(l))}`);
      if (withPublish && m.publishBytesPerSec < m.viewerBytesPerSec * 0.8) {
        failures.push(`publish: round ${round + 1}: the SRT listener got ${Math.round(m.publishBytesPerSec)} B/s, the viewer ${Math.round(m.viewerBytesPerSec)} B/s`);
      }
      delete m.stderr;
      runs[withPublish ? 'with' : 'without'].push(m);
    }
  }
} finally {
  await stopAll();
}

const pick = (list, key) => summarize(list.map((m) => m[key]));
const round1 = (x) => Math.round(x * 10) / 10;
const result = {
  bench: 'publish',
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadavgAtStart: loadAtStart,
  loadavgAtEnd: loadavg(),
  rounds: ROUNDS,
  windowSeconds: SECONDS,
  host: HOST_ARGS.join(' '),
  without: { totalCpuPercent: pick(runs.without, 'total'), nodeCpuPercent: pick(runs.without, 'node'), mediaCpuPercent: pick(runs.without, 'media') },
  with: {
    totalCpuPercent: pick(runs.with, 'total'),
    nodeCpuPercent: pick(runs.with, 'node'),
    mediaCpuPercent: pick(runs.with, 'media'),
    ffmpegCpuPercent: pick(runs.with, 'ffmpeg'),
    publishBytesPerSec: pick(runs.with, 'publishBytesPerSec'),
  },
  runs,
};
const medianOf = (s) => s.median;
// The publish's own cost: its ffmpeg plus what the host's node process does more.
result.publishCostCpuPercent = round1(medianOf(result.with.ffmpegCpuPercent) + medianOf(result.with.nodeCpuPercent) - medianOf(result.without.nodeCpuPercent));
result.totalDeltaCpuPercent = round1(medianOf(result.with.totalCpuPercent) - medianOf(result.without.totalCpuPercent));
result.totalDeltaRelativePercent = round1((result.totalDeltaCpuPercent / medianOf(result.without.totalCpuPercent)) * 100);
result.glassToGlass = { skipped: 'needs the flip test helper (flip-lab branch); not measured' };
result.failures = failures;
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (failures.length) {
  for (const f of failures) process.stderr.write(`publish: FAILED ${f}\n`);
  process.exit(1);
}
