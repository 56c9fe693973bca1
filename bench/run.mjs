#!/usr/bin/env node
// `pnpm bench [--quick] [--only tunnel,fanout,join,latency,memory,encoders,x11,wayland,publish,flip]`
// Runs every measurement, writes bench/results/results.json, results.md and
// SVG charts, and exits non-zero when a viewer fell behind or a measurement
// could not be taken — a broken path must not produce a pretty table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { parseArgs } from 'node:util';
import { CLI, RESULTS_DIR, ROOT } from './lib/paths.mjs';
import { start, stopAll } from './lib/proc.mjs';
import { markdown, charts } from './lib/report.mjs';

const ALL = ['tunnel', 'fanout', 'join', 'latency', 'memory', 'encoders', 'x11', 'wayland', 'publish', 'flip'];
const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string', default: RESULTS_DIR } },
});
const only = flags.only ? flags.only.split(',') : ALL;
for (const name of only) {
  if (!ALL.includes(name)) {
    process.stderr.write(`bench: unknown measurement "${name}" (one of ${ALL.join(', ')})\n`);
    process.exit(2);
  }
}
const quick = flags.quick;
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function tool(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// A missing component is a measurement that cannot be taken: fail at once, naming it.
const missing = [];
if (!existsSync(CLI)) missing.push(`${CLI} (run: npx turbo run build)`);
for (const [cmd, args] of [['gst-launch-1.0', ['--version']], ['ffmpeg', ['-version']], ['stdbuf', ['--version']]]) {
  if (tool(cmd, args) === null) missing.push(cmd);
}
if (missing.length) {
  process.stderr.write(`bench: missing ${missing.join(', ')}\n`);
  process.exit(1);
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  gstreamer: tool('gst-launch-1.0', ['--version'])?.split('\n')[0] ?? null,
  ffmpeg: tool('ffmpeg', ['-version'])?.split('\n')[0] ?? null,
  commit: tool('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  loadavgAtStart: loadavg(),
};

/** A helper script owned by another measurement: run it, take the JSON it prints. */
async function external(script, args) {
  const path = `${ROOT}bench/${script}`;
  if (!existsSync(path)) return { skipped: `bench/${script} is not present`, failures: [] };
  const p = start(process.execPath, [path, ...args]);
  const [{ code }] = await Promise.all([p.exited, p.outputDone]);
  await new Promise((r) => setImmediate(r)); // readline's last line
  const out = p.lines.join('\n');
  if (code !== 0) return { failures: [`${script} exited with ${code}: ${p.stderr().trim().split('\n').slice(-3).join(' | ')}`] };
  try {
    return { ...JSON.parse(out.slice(out.indexOf('{'))), failures: [] };
  } catch {
    return { failures: [`${script} printed no JSON: ${out.slice(0, 200)}`] };
  }
}

const MEASUREMENTS = {
  tunnel: () => import('./tunnel.mjs').then((m) => m.run({ quick, log })),
  fanout: () => import('./fanout.mjs').then((m) => m.run({ quick, log })),
  join: () => import('./join.mjs').then((m) => m.run({ quick, log })),
  latency: () => import('./latency.mjs').then((m) => m.run({ quick, log })),
  memory: () => import('./memory.mjs').then((m) => m.run({ quick, log })),
  encoders: () => external('encoders.mjs', quick ? ['--runs', '3', '--frames', '60'] : ['--runs', '5', '--frames', '150']),
  x11: () => external('x11-capture.mjs', quick ? ['--seconds', '4', '--warmup', '1'] : ['--seconds', '15', '--warmup', '3']),
  wayland: () => external('wayland-capture.mjs', quick ? ['--seconds', '4', '--warmup', '2'] : ['--seconds', '10', '--warmup', '3']),
  // Glass to glass as a user sees it (Xvfb, mpv, VLC): the first viewer, a late joiner, a bare pipeline, 60 fps.
  flip: () =>
    external('flip.mjs', quick ? ['--rounds', '1', '--seconds', '10', '--scenarios', 'floor,pixelpass,bare'] : ['--rounds', '2', '--seconds', '14']),
  publish: () => external('publish.mjs', quick ? ['--rounds', '1', '--seconds', '5', '--warmup', '2'] : ['--rounds', '3', '--seconds', '10', '--warmup', '3']),
};

const began = Date.now();
const results = {};
const failures = [];
for (const name of only) {
  log(`${name}: start`);
  const t0 = Date.now();
  try {
    results[name] = await MEASUREMENTS[name]();
  } catch (err) {
    results[name] = { failures: [] };
    failures.push(`${name}: could not be measured: ${err.message}`);
  } finally {
    await stopAll();
  }
  results[name].elapsedSeconds = Math.round((Date.now() - t0) / 1000);
  failures.push(...(results[name].failures ?? []));
  log(`${name}: done in ${results[name].elapsedSeconds} s`);
}
machine.loadavgAtEnd = loadavg();

const report = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  command: `pnpm bench${quick ? ' --quick' : ''}${flags.only ? ` --only ${flags.only}` : ''}`,
  elapsedSeconds: Math.round((Date.now() - began) / 1000),
  machine,
  results,
  failures,
};
mkdirSync(flags.out, { recursive: true });
const dir = flags.out.endsWith('/') ? flags.out : `${flags.out}/`;
writeFileSync(`${dir}results.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${dir}results.md`, markdown(report));
for (const [file, svg] of Object.entries(charts(report))) writeFileSync(`${dir}${file}`, svg);
log(`wrote ${dir}results.json, results.md and charts in ${report.elapsedSeconds} s`);
if (failures.length) {
  for (const f of failures) process.stderr.write(`bench: FAILED ${f}\n`);
  process.exit(1);
}
