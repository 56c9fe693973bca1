#!/usr/bin/env node
// Encoder benchmark: CPU-seconds per encoded second at 720p30 and 1080p30 for
// every encoder usable on this machine, and the bitrate that came out versus
// the one asked for. Median of 3 runs with spread; JSON on stdout.
//
//   node bench/encoders.mjs [--runs 3] [--frames 150] [--bitrate 4000] [--encoders x264,openh264]
//
// Each run is one non-live gst-launch-1.0:
//   videotestsrc is-live=false num-buffers=N pattern=smpte horizontal-speed=4
//     ! video/x-raw,WxH,30/1 ! videoconvert ! <encoder fragment> ! h264parse ! filesink
// The moving pattern changes every pixel every frame (like scrolling), so the
// encoder cannot coast on a still picture. CPU is the children's user+sys time
// reported by bash's `times` after gst-launch exits (getrusage of the child).
// The same source into fakesink without encoder is measured as a baseline and
// subtracted, giving the encoder's own share.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/paths.mjs';
import { summarize as summarizeRaw } from './lib/stats.mjs';

/** Millisecond-level figures are all the measurement can resolve; round for a readable report. */
const summarize = (values) => summarizeRaw(values.map((v) => Math.round(v * 1000) / 1000));

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    frames: { type: 'string', default: '150' },
    bitrate: { type: 'string', default: '4000' },
    encoders: { type: 'string' },
    'ladder-seconds': { type: 'string', default: '5' },
  },
});
const LADDER_SECONDS = Number(flags['ladder-seconds']);
const RUNS = Number(flags.runs);
const FRAMES = Number(flags.frames);
const ASKED_KBPS = Number(flags.bitrate);
const FPS = 30;
const SIZES = [
  { name: '720p30', width: 1280, height: 720 },
  { name: '1080p30', width: 1920, height: 1080 },
];
const ADAPTERS = [
  ['vaapi', 'encode-vaapi', 'VaapiEncoder'],
  ['nvenc', 'encode-nvenc', 'NvencEncoder'],
  ['x264', 'encode-x264', 'X264Encoder'],
  ['openh264', 'encode-openh264', 'OpenH264Encoder'],
];

const live = new Set();
const killAll = () => {
  for (const c of live) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Runs gst-launch under bash and returns children CPU seconds (user+sys) and wall seconds. */
function measure(description) {
  const args = description.split(/\s+/).filter(Boolean).map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  // `times` prints the shell's own times, then its children's: the second line is gst-launch.
  const script = `gst-launch-1.0 -q ${args.join(' ')} >/dev/null || exit 97; times`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => {
      live.delete(child);
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`gst-launch failed (${code}): ${err.trim().split('\n').slice(-2).join(' | ')}`));
      const line = out.trim().split('\n')[1] ?? '';
      const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      if (secs.length !== 2) return reject(new Error(`cannot read CPU times from: ${out}`));
      resolve({ cpu: secs[0] + secs[1], wall });
    });
  });
}

function source(size) {
  return `videotestsrc is-live=false num-buffers=${FRAMES} pattern=smpte horizontal-speed=4 ! video/x-raw,width=${size.width},height=${size.height},framerate=${FPS}/1 ! videoconvert`;
}

const encodedSeconds = FRAMES / FPS;
const settings = { fps: FPS, bitrateKbps: ASKED_KBPS, keyframeIntervalSec: 2 };
const wanted = flags.encoders?.split(',');
const dir = mkdtempSync(join(tmpdir(), 'pixelpass-bench-enc-'));
const report = {
  bench: 'encoders',
  command: `node bench/encoders.mjs --runs ${RUNS} --frames ${FRAMES} --bitrate ${ASKED_KBPS}`,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
  method: 'non-live videotestsrc smpte horizontal-speed=4 → videoconvert → encoder → h264parse → filesink; CPU = getrusage(children) via bash times',
  runs: RUNS,
  framesPerRun: FRAMES,
  encodedSecondsPerRun: encodedSeconds,
  askedKbps: ASKED_KBPS,
  keyframeIntervalSec: settings.keyframeIntervalSec,
  baseline: {},
  encoders: [],
  skipped: [],
  ladder: [],
};

/**
 * The ladder's cost: the real media pipeline (packages/core planLadder +
 * composePipeline: one capture, a tee, an encode per rung, one mux) from a live
 * moving test source, with 1 to 4 rungs; CPU per second of stream. Live: the
 * leaky queue before the encoders drops what they cannot take, as in a share.
 */
async function ladderCost(core, id, encoder, size) {
  const rows = [];
  const frames = LADDER_SECONDS * FPS;
  const video = { launch: `videotestsrc is-live=true num-buffers=${frames} pattern=smpte horizontal-speed=4 ! video/x-raw,width=${size.width},height=${size.height},framerate=${FPS}/1` };
  for (let rungs = 1; rungs <= 4; rungs++) {
    const ladder = core.planLadder(size, ASKED_KBPS, rungs);
    const spec = core.composePipeline({
      video,
      paced: true,
      encoders: ladder.map((r) => ({ fragment: encoder.fragment({ ...settings, bitrateKbps: r.bitrateKbps, keyframesOnRequestOnly: ladder.length > 1 }), size: r.index === 0 ? undefined : r.size })),
      fps: FPS,
      geometry: size,
    });
    const m = await measure(spec.description);
    rows.push({ rungs: ladder.length, renditions: ladder.map(core.describeRendition), cpuSecPerStreamSec: Math.round((m.cpu / LADDER_SECONDS) * 1000) / 1000 });
  }
  const one = rows[0].cpuSecPerStreamSec;
  return { id, size: size.name, rows: rows.map((r) => ({ ...r, vsOneRendition: Math.round((r.cpuSecPerStreamSec / one) * 100) / 100 })) };
}

try {
  for (const size of SIZES) {
    const cpu = [];
    for (let i = 0; i < RUNS; i++) cpu.push((await measure(`${source(size)} ! fakesink sync=false`)).cpu / encodedSeconds);
    report.baseline[size.name] = { cpuSecPerEncodedSec: summarize(cpu) };
  }
  for (const [id, pkg, cls] of ADAPTERS) {
    if (wanted && !wanted.includes(id)) continue;
    const mod = await import(`${ROOT}packages/${pkg}/dist/index.js`);
    const encoder = new mod[cls]();
    const probe = await encoder.probe();
    if (!probe.usable) {
      report.skipped.push({ id, reason: probe.reason, provider: probe.provider });
      continue;
    }
    const entry = { id, detail: probe.detail, fragment: encoder.fragment(settings), sizes: {} };
    for (const size of SIZES) {
      const total = [];
      const own = [];
      const kbps = [];
      const realtime = [];
      const base = report.baseline[size.name].cpuSecPerEncodedSec.median;
      for (let i = 0; i < RUNS; i++) {
        const file = join(dir, `${id}-${size.name}-${i}.h264`);
        const m = await measure(`${source(size)} ! ${entry.fragment} ! h264parse ! filesink location=${file}`);
        const bytes = statSync(file).size;
        rmSync(file);
        total.push(m.cpu / encodedSeconds);
        own.push(m.cpu / encodedSeconds - base);
        kbps.push((bytes * 8) / 1000 / encodedSeconds);
        realtime.push(encodedSeconds / m.wall);
      }
      const out = summarize(kbps);
      entry.sizes[size.name] = {
        cpuSecPerEncodedSec: summarize(total),
        encoderCpuSecPerEncodedSec: summarize(own),
        bitrateKbps: out,
        bitrateOutVsAsked: out.median / ASKED_KBPS,
        speedXRealtime: summarize(realtime),
      };
    }
    report.encoders.push(entry);
    if (id === 'x264' || id === 'openh264') {
      const core = await import(`${ROOT}packages/core/dist/index.js`);
      for (const size of SIZES) report.ladder.push(await ladderCost(core, id, encoder, size));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  killAll();
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
