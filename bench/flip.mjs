#!/usr/bin/env node
// The flip test: glass-to-glass latency as a user sees it (issue: flip lab).
//
//   node bench/flip.mjs [--rounds 2] [--seconds 14] [--scenarios floor,pixelpass,...]
//   node bench/flip.mjs --study [--only baseline,no-videorate,...] [--rounds 1]
//
// Display A (Xvfb) changes its root colour with xsetroot at irregular 1–2.5 s
// intervals; what shows A on display B (mpv or VLC, as users run them) is grabbed
// at 100 fps by ffmpeg x11grab (a 32×32 square near B's middle, scaled to one
// pixel) and every colour change is timed by x11grab's own frame stamp. The k-th
// change on A is paired with the k-th change seen on B (e2e/helpers/flip-test.ts).
// Prints one JSON object; progress goes to stderr.
//
// The lab itself is the strict-TS helper e2e/helpers/flip-test.ts, compiled here
// with the workspace's pinned tsc into a temporary directory (a few seconds), so
// the bench and the e2e tests run one implementation, not two.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, ROOT } from './lib/paths.mjs';
import { importE2eHelper } from './lib/ts-helpers.mjs';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '14' },
    scenarios: { type: 'string', default: 'floor,pixelpass,bare,vlc,audio,pixelpass-60' },
    study: { type: 'boolean', default: false },
    only: { type: 'string' },
    paired: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    // Before each run, wait (up to --max-wait s) until the machine is this idle over 3 s: other agents' builds
    // and tests share the 2 cores, and a starved player or encoder measures the machine, not the pipeline.
    'min-idle': { type: 'string', default: '60' },
    'max-wait': { type: 'string', default: '240' },
  },
});
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
/** Total and idle CPU ticks, all cores (/proc/stat). */
function cpuTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + f[4] };
}
const idlePercent = (a, b) => Math.round((100 * (b.idle - a.idle)) / Math.max(1, b.total - a.total));

/** Waits until the machine is at least `min-idle` % idle over 3 s, or `max-wait` s passed; returns what it saw. */
async function waitForQuiet() {
  const deadline = Date.now() + Number(flags['max-wait']) * 1000;
  for (;;) {
    const a = cpuTicks();
    await sleep(3000);
    const idle = idlePercent(a, cpuTicks());
    if (idle >= Number(flags['min-idle'])) return { idleBefore: idle, waitedS: Math.round((Date.now() + Number(flags['max-wait']) * 1000 - deadline) / 1000) };
    if (Date.now() > deadline) return { idleBefore: idle, waitedS: Number(flags['max-wait']), busy: true };
  }
}
const TEST_ENV = { PIXELPASS_RELAY: 'off', PIXELPASS_BIND: '127.0.0.1:0' };
const VLC_USER = 'pxvlc';

// ------------------------------------------------------------------ the helper

async function loadHelpers() {
  // The same transpile the links bench uses: the lab the e2e tests run is this one.
  const F = await importE2eHelper('flip-test');
  const S = await importE2eHelper('sound-server');
  return { F, S, cleanup: () => undefined };
}

// ------------------------------------------------------------------ pipelines and players

/** pixelpass's own values: packages/core composePipeline, packages/encode-x264, capture-x11. */
const X264 = 'tune=zerolatency speed-preset=veryfast bitrate=4000 key-int-max=60 bframes=0 byte-stream=true';
const LEAKY = 'queue max-size-buffers=3 max-size-time=0 max-size-bytes=0 leaky=downstream';
/** packages/player-launchers mpvArgs (titles aside). */
const MPV_PIXELPASS = ['--profile=low-latency', '--cache=no', '--demuxer-lavf-o-add=fflags=+nobuffer', '--untimed=yes'];
/** packages/player-launchers vlcArgs. */
const VLC_PIXELPASS = ['--network-caching=50', '--live-caching=50', '--no-qt-video-autoresize', '--no-video-title-show'];

/**
 * The bare pipeline: pixelpass's capture→encode→mux chain, one element changeable
 * at a time. `v` fields: fps, queue ('leaky'|'none'|'default'), videorate, x264
 * (full property string), mux (mpegtsmux properties),
 * tcp (tcpserversink properties), audio (pulse device or undefined).
 */
function barePipeline(display, v, port) {
  const fps = v.fps ?? 30;
  const chain = [`ximagesrc display-name=${display} use-damage=false show-pointer=true`, `video/x-raw,framerate=${fps}/1`];
  if ((v.queue ?? 'leaky') === 'leaky') chain.push(LEAKY);
  else if (v.queue === 'default') chain.push('queue');
  chain.push('videoconvert');
  // pixelpass gives a paced source (ximagesrc) no videorate.
  if (v.videorate ?? false) chain.push('videorate');
  chain.push(`video/x-raw,framerate=${fps}/1`);
  chain.push(`x264enc ${v.x264 ?? X264.replace('key-int-max=60', `key-int-max=${fps * 2}`)}`, 'video/x-h264,profile=constrained-baseline');
  chain.push('h264parse config-interval=-1', 'video/x-h264,stream-format=byte-stream,alignment=au', 'queue', 'mux.');
  const branches = [chain.join(' ! ')];
  if (v.audio) {
    branches.push([
      `pulsesrc device=${v.audio} client-name=flip-bare do-timestamp=true`, 'queue max-size-time=200000000 leaky=downstream',
      'audioconvert', 'audioresample', 'audio/x-raw,rate=48000,channels=2', 'avenc_aac bitrate=128000', 'aacparse', 'queue', 'mux.',
    ].join(' ! '));
  }
  const sink = `tcpserversink host=127.0.0.1 port=${port} ${v.tcp ?? 'sync=false'}`;
  branches.push(`mpegtsmux name=mux ${v.mux ?? ''} ! ${sink}`);
  return branches.join('  ');
}

const gstArgs = (description) => ['-q', ...description.split(/\s+/).filter(Boolean)];
const shq = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitListening(port, proc, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc.child.exitCode !== null) throw new Error(`gst-launch-1.0 exited (${proc.child.exitCode}): ${proc.stderr().trim().split('\n').slice(-3).join(' | ')}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

function vlcCommand(args, display, path = process.env.PATH) {
  // VLC refuses to run as root: an unprivileged user, on an Xvfb without XAUTHORITY.
  const env = ['env', '-u', 'XDG_RUNTIME_DIR', '-u', 'XAUTHORITY', `DISPLAY=${display}`, `HOME=/home/${VLC_USER}`, `PATH=${path}`];
  return process.getuid?.() === 0 ? ['runuser', ['-u', VLC_USER, '--', ...env, ...args]] : [args[0], args.slice(1)];
}

function ensureVlcUser() {
  if (process.getuid?.() !== 0) return;
  try {
    execFileSync('id', [VLC_USER], { stdio: 'ignore' });
  } catch {
    log(`creating the unprivileged user ${VLC_USER} for VLC (useradd -m ${VLC_USER})`);
    execFileSync('useradd', ['-m', VLC_USER]);
  }
  // VLC's first start asks about network access in a dialog; a user answers it once.
  const rc = `/home/${VLC_USER}/.config/vlc/vlcrc`;
  if (!existsSync(rc)) {
    execFileSync('runuser', ['-u', VLC_USER, '--', 'sh', '-c', `mkdir -p /home/${VLC_USER}/.config/vlc && printf '[qt]\\nqt-privacy-ask=0\\n' > ${rc}`]);
  }
  const plugins = execFileSync('sh', ['-c', 'ls /usr/lib/*/vlc/plugins/video_output/ 2>/dev/null || true'], { encoding: 'utf8' });
  if (!/xcb_x11/.test(plugins)) throw new Error('VLC cannot show video on X11: missing vlc-plugin-video-output (Debian package vlc-plugin-video-output)');
  // Without its Qt interface, VLC started with no terminal (as pixelpass starts it) reads EOF on its CLI interface and quits.
  const gui = execFileSync('sh', ['-c', 'ls /usr/lib/*/vlc/plugins/gui/ 2>/dev/null || true'], { encoding: 'utf8' });
  if (!/qt_plugin/.test(gui)) throw new Error('VLC has no window to show: missing its Qt interface (Debian package vlc-plugin-qt)');
}

// ------------------------------------------------------------------ measuring

/** Pairs changes and summarizes one display's view of them over [from, to] (changes made then; seen up to `seenBy`). */
async function measure(F, flipper, grabber, from, to, seenBy = to + 2500) {
  await grabber.settle(seenBy);
  const frames = grabber.frames();
  const transitions = F.detectTransitions(frames);
  const p = F.pairChanges(flipper.changes, transitions, { from, to });
  return {
    ...F.latencyStats(p.pairs.map((x) => x.latencyMs)),
    missed: p.missed.length,
    unmatched: p.unmatched.length,
    samples: p.pairs.map((x) => ({ at: Math.round(x.change.at - from), ms: Math.round(x.latencyMs) })),
    seen: transitions.filter((t) => t.t >= from).map((t) => `${Math.round(t.t - from)}:${t.colour}`).join(' '),
    changes: flipper.changes.filter((c) => c.at >= from && c.at <= to).map((c) => `${Math.round(c.at - from)}:${c.colour}`).join(' '),
    grab: F.grabHealth(frames.filter((f) => f.t >= from && f.t <= to)),
  };
}

async function withLab(F, displays, body) {
  const lab = await F.startFlipLab({ displays });
  try {
    // Players' displays start grey, a colour of no change: the first picture is then unmistakable.
    for (const d of lab.displays.slice(1)) await d.x('xsetroot', ['-solid', '#808080']);
    return await body(lab);
  } finally {
    await lab.stop();
  }
}

/** The measuring chain alone: flip display B itself and grab it. */
async function floor(F) {
  return withLab(F, 2, async (lab) => {
    const B = lab.displays[1];
    await B.x('xsetroot', ['-solid', 'black']);
    const g = lab.grab(B);
    await lab.waitForPicture(g, 0);
    const from = Date.now();
    const fl = lab.flip(B, { seed: seed() });
    await sleep(seconds * 1000);
    await fl.stop();
    const end = Date.now();
    await sleep(500);
    return { floor: await measure(F, fl, g, from, end - 100, end + 200), xsetrootMs: F.latencyStats(fl.changes.map((c) => c.at - c.spawnedAt)) };
  });
}

let seedCounter = Number(flags.seed);
const seed = () => seedCounter++;

/**
 * pixelpass end to end: host shares A; the first viewer on B starts capture; a late
 * joiner on C joins ~1.3 s after a keyframe (timed by a tap on the first viewer's URL)
 * and is watched for `seconds` after its first picture, alongside the first viewer.
 */
async function pixelpass(F, S, { player = 'mpv', audio = false, late = true, viewerEnv = {}, hostArgs = [], hostEnv = {}, mpvExtra, vlcCaching } = {}) {
  const sound = audio ? await S.startSoundServer() : undefined;
  // "pixelpass with other mpv flags" without touching the launcher: an `mpv` first on the viewer's PATH that
  // appends them to pixelpass's own (mpv: the last value of an option wins).
  const shim = mpvExtra ? mkdtempSync(join(tmpdir(), 'pp-flip-mpv-')) : undefined;
  if (shim) {
    writeFileSync(join(shim, 'mpv'), `#!/bin/sh\nexec /usr/bin/mpv "$@" ${mpvExtra.map(shq).join(' ')}\n`, { mode: 0o755 });
    viewerEnv = { ...viewerEnv, PATH: `${shim}:${process.env.PATH}` };
  }
  // VLC: the same for its caching, replacing pixelpass's values (VLC options after the MRL would be the item's).
  const vlcShim = vlcCaching === undefined ? undefined : mkdtempSync(join(tmpdir(), 'pp-flip-vlc-'));
  if (vlcShim) {
    const drop = 'case "$a" in --network-caching=*|--live-caching=*) ;; *) set -- "$@" "$a";; esac';
    writeFileSync(join(vlcShim, 'vlc'), `#!/bin/sh\nfor a in "$@"; do shift; ${drop}; done\nexec /usr/bin/vlc --network-caching=${vlcCaching} --live-caching=${vlcCaching} "$@"\n`, { mode: 0o755 });
    execFileSync('chmod', ['755', vlcShim]);
    viewerEnv = { ...viewerEnv, PATH: `${vlcShim}:${process.env.PATH}` };
  }
  try {
    return await withLab(F, late ? 3 : 2, async (lab) => {
      const [A, B, C] = lab.displays;
      const env = { ...TEST_ENV, ...(sound?.env ?? {}) };
      const fl = lab.flip(A, { seed: seed() });
      const host = lab.spawn('pixelpass host', process.execPath, [
        CLI, 'host', '--source', 'x11', '--display', A.display, '--max-viewers', '4', ...(audio ? ['--audio', 'system'] : ['--no-audio']), ...hostArgs,
      ], { env: { ...env, ...hostEnv } });
      const ticket = await host.waitLine((l) => l.startsWith('pixelpass'), 60_000);
      const g1 = lab.grab(B);
      const view = (display) => {
        const cli = [process.execPath, CLI, 'view', ticket, '--player', player];
        if (player === 'vlc') {
          const [cmd, args] = vlcCommand([...cli], display.display, viewerEnv.PATH);
          return lab.spawn('pixelpass view (vlc)', cmd, args, { env: { ...env, ...viewerEnv } });
        }
        return lab.spawn('pixelpass view', cli[0], cli.slice(1), { env: { ...env, ...viewerEnv, DISPLAY: display.display } });
      };
      const t1 = Date.now();
      const v1 = view(B);
      const url1 = await v1.waitLine((l) => l.startsWith('http://'), 30_000);
      const pic1 = await lab.waitForPicture(g1, t1, 30_000).catch((e) => {
        throw new Error(`${e.message}; viewer: ${v1.stderr().trim().split('\n').slice(-3).join(' | ')}`);
      });
      const out = { firstPictureMs: Math.round(pic1 - t1) };
      if (!late) {
        await sleep(seconds * 1000);
        const end = Date.now();
        await fl.stop();
        out.first = await measure(F, fl, g1, pic1 + 500, end - 2500);
        out.hostLog = host.stderr().split('\n').filter((l) => /capture started|audio/.test(l)).slice(0, 3);
        return out;
      }
      const tap = F.tapKeyframes(url1);
      await sleep(Math.max(0, 6000 - (Date.now() - pic1)));
      // Every full-screen change is a scene cut, and x264 makes it an IDR: the cached GOP starts at the
      // last change or at the last periodic keyframe. Join 1.3 s after a keyframe with no change due before the join.
      let key;
      for (let tries = 0; ; tries++) {
        key = await tap.nextKeyframe(10_000);
        if (!(fl.nextAt() < key + 1500) || tries >= 6) break;
      }
      await sleep(Math.max(0, key + 1300 - Date.now()));
      const g2 = lab.grab(C);
      const t2 = Date.now();
      const v2 = view(C);
      await v2.waitLine((l) => l.startsWith('http://'), 30_000);
      const pic2 = await lab.waitForPicture(g2, t2, 30_000);
      await sleep(seconds * 1000);
      const end = Date.now();
      await fl.stop();
      tap.stop();
      const keyBefore = tap.keyframes.filter((k) => k <= t2).at(-1);
      Object.assign(out, {
        first: await measure(F, fl, g1, pic1 + 500, t2),
        firstDuringLateJoin: await measure(F, fl, g1, pic2, end - 2500),
        late: await measure(F, fl, g2, pic2, end - 2500),
        lateJoin: { msAfterKeyframe: keyBefore === undefined ? null : Math.round(t2 - keyBefore), firstPictureMs: Math.round(pic2 - t2), watchedMs: Math.round(end - pic2) },
        keyframeIntervalMs: F.latencyStats(tap.keyframes.slice(1).map((k, i) => k - tap.keyframes[i])),
      });
      return out;
    });
  } finally {
    await sound?.stop();
    for (const d of [shim, vlcShim]) if (d) rmSync(d, { recursive: true, force: true });
  }
}

/** Starts one bare chain from display A to display B: gst into tcpserversink, the player on B, a grab of B. */
async function startBare(lab, A, B, v, sound) {
  const port = await freePort();
  const env = { ...(sound?.env ?? {}), DISPLAY: B.display };
  const description = barePipeline(A.display, { ...v, audio: v.audio && sound ? 'pp_test_speakers.monitor' : undefined }, port);
  const url = `tcp://127.0.0.1:${port}`;
  const g = lab.grab(B);
  const gst = lab.spawn('gst-launch-1.0', 'gst-launch-1.0', gstArgs(description), { env: sound?.env ?? {} });
  await waitListening(port, gst);
  const t0 = Date.now();
  let player;
  if ((v.player ?? 'mpv') === 'vlc') {
    const [cmd, args] = vlcCommand(['vlc', ...(v.vlc ?? VLC_PIXELPASS), url], B.display);
    player = lab.spawn('vlc', cmd, args);
  } else {
    player = lab.spawn('mpv', 'mpv', [...(v.mpv ?? MPV_PIXELPASS), '--title=flip', url], { env });
  }
  const picture = lab.waitForPicture(g, t0, 20_000).catch((e) => {
    const why = player.stderr().trim().split('\n').filter((l) => /rror|fail|annot|No /.test(l)).slice(-3).join(' | ');
    throw new Error(`${e.message}; ${player.name} ${player.child.exitCode === null ? 'running' : `exited ${player.child.exitCode}`}: ${why}`);
  });
  return { g, t0, picture, pipeline: description.replace(/port=\d+/, 'port=P') };
}

/**
 * The bare pipeline into tcpserversink, played by mpv or VLC directly. With `paired`, the
 * baseline runs at the same time from the same display A to a second display: both see the
 * same changes under the same machine load, and the per-change difference is the variant's cost.
 */
async function bare(F, S, v = {}, paired = false) {
  const sound = v.audio ? await S.startSoundServer() : undefined;
  try {
    return await withLab(F, paired ? 3 : 2, async (lab) => {
      const [A, B, C] = lab.displays;
      const fl = lab.flip(A, { seed: seed() });
      const chains = [await startBare(lab, A, B, v, sound)];
      if (paired) chains.push(await startBare(lab, A, C, STUDY.baseline, sound));
      const pics = await Promise.all(chains.map((c) => c.picture));
      const from = Math.max(...pics) + 500;
      await sleep(seconds * 1000);
      const end = Date.now();
      await fl.stop();
      const [mine, base] = await Promise.all(chains.map((c) => measure(F, fl, c.g, from, end - 2500)));
      const out = { firstPictureMs: Math.round(pics[0] - chains[0].t0), first: mine, pipeline: chains[0].pipeline };
      if (base) {
        const baseBy = new Map(base.samples.map((x) => [x.at, x.ms]));
        const deltas = mine.samples.filter((x) => baseBy.has(x.at)).map((x) => x.ms - baseBy.get(x.at));
        Object.assign(out, { baseline: base, deltaVsBaseline: F.latencyStats(deltas) });
      }
      return out;
    });
  } finally {
    await sound?.stop();
  }
}

// ------------------------------------------------------------------ what runs

const replaceFlag = (args, name, value) => [...args.filter((a) => !a.startsWith(`--${name}=`)), ...(value === undefined ? [] : [`--${name}=${value}`])];

/** Main scenarios, interleaved round by round. */
const SCENARIOS = {
  floor: (F) => floor(F),
  pixelpass: (F, S) => pixelpass(F, S, { player: 'mpv' }),
  bare: (F, S) => bare(F, S, {}),
  vlc: (F, S) => pixelpass(F, S, { player: 'vlc', late: false }),
  audio: (F, S) => pixelpass(F, S, { player: 'mpv', audio: true, late: false }),
  /** pixelpass with the recommended mpv flags (see the report), first viewer and late joiner. */
  'pixelpass-untimed': (F, S) => pixelpass(F, S, { player: 'mpv', mpvExtra: ['--untimed=yes'] }),
  'pixelpass-tuned': (F, S) => pixelpass(F, S, { player: 'mpv', mpvExtra: ['--untimed=yes', '--vo=x11'] }),
  'pixelpass-60': (F, S) => pixelpass(F, S, { player: 'mpv', hostArgs: ['--fps', '60'] }),
  /** 60 fps with one encode: what a 2-core host can keep up with. */
  'pixelpass-60-one': (F, S) => pixelpass(F, S, { player: 'mpv', hostArgs: ['--fps', '60', '--renditions', '1'] }),
  'pixelpass-60-tuned': (F, S) => pixelpass(F, S, { player: 'mpv', hostArgs: ['--fps', '60'], mpvExtra: ['--untimed=yes', '--vo=x11'] }),
  'vlc-caching-50': (F, S) => pixelpass(F, S, { player: 'vlc', late: false, vlcCaching: 50 }),
  'vlc-caching-0': (F, S) => pixelpass(F, S, { player: 'vlc', late: false, vlcCaching: 0 }),
  'vlc-caching-1000': (F, S) => pixelpass(F, S, { player: 'vlc', late: false, vlcCaching: 1000 }),
  'audio-tuned': (F, S) => pixelpass(F, S, { player: 'mpv', audio: true, late: false, mpvExtra: ['--untimed=yes', '--vo=x11'] }),
};

/** Per-stage study: the bare pipeline with one thing changed at a time. */
const STUDY = {
  baseline: {},
  // capture / convert
  'no-videorate': { videorate: false },
  'no-queue': { queue: 'none' },
  'queue-default (non-leaky)': { queue: 'default' },
  // x264
  'x264 threads=1': { x264: `${X264} threads=1` },
  'x264 sliced-threads=false threads=2': { x264: `${X264} sliced-threads=false threads=2` },
  'x264 ultrafast': { x264: X264.replace('veryfast', 'ultrafast') },
  'x264 no tune (no zerolatency)': { x264: X264.replace('tune=zerolatency ', '') },
  'x264 vbv-buf-capacity=100': { x264: `${X264} vbv-buf-capacity=100` },
  'x264 vbv-buf-capacity=2000': { x264: `${X264} vbv-buf-capacity=2000` },
  // mux and sink
  'mpegtsmux alignment=-1': { mux: '' },
  'mpegtsmux latency=100ms': { mux: 'alignment=7 latency=100000000' },
  'tcpserversink sync=true': { tcp: 'sync=true' },
  // mpv
  'mpv no flags': { mpv: [] },
  'mpv only --profile=low-latency': { mpv: ['--profile=low-latency'] },
  'mpv --untimed': { mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  'mpv --video-sync=desync': { mpv: [...MPV_PIXELPASS, '--video-sync=desync'] },
  'mpv --video-sync=display-resample': { mpv: [...MPV_PIXELPASS, '--video-sync=display-resample'] },
  'mpv probesize=32 analyzeduration=0': { mpv: [...MPV_PIXELPASS, '--demuxer-lavf-probesize=32', '--demuxer-lavf-analyzeduration=0'] },
  'mpv --cache=yes': { mpv: replaceFlag(MPV_PIXELPASS, 'cache', 'yes') },
  'mpv --vd-lavc-threads=0': { mpv: [...MPV_PIXELPASS, '--vd-lavc-threads=0'] },
  'mpv --framedrop=no': { mpv: [...MPV_PIXELPASS, '--framedrop=no'] },
  'mpv --framedrop=decoder+vo': { mpv: [...MPV_PIXELPASS, '--framedrop=decoder+vo'] },
  'mpv --vo=x11': { mpv: [...MPV_PIXELPASS, '--vo=x11'] },
  'mpv --vo=gpu --gpu-sw (llvmpipe)': { mpv: [...MPV_PIXELPASS, '--vo=gpu', '--gpu-sw'] },
  'mpv --vo=gpu --gpu-sw --opengl-swapinterval=0': { mpv: [...MPV_PIXELPASS, '--vo=gpu', '--gpu-sw', '--opengl-swapinterval=0'] },
  // combinations
  'untimed + no-videorate': { videorate: false, mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  'untimed + vo=x11': { mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'untimed + no-videorate + ultrafast': { videorate: false, x264: X264.replace('veryfast', 'ultrafast'), mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  'mpegtsmux alignment=0': { mux: 'alignment=0' },
  'align-1 + untimed': { mux: '', mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  'align-1 + untimed + vo=x11': { mux: '', mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'align-1 + untimed + vo=x11 + no-videorate': { mux: '', videorate: false, mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'align-1 + untimed + vo=x11 + ultrafast': { mux: '', x264: X264.replace('veryfast', 'ultrafast'), mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'fps=60 align-1 + untimed + vo=x11': { fps: 60, mux: '', mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'fps=60 align-1 + untimed + vo=x11 + ultrafast': { fps: 60, mux: '', x264: X264.replace('veryfast', 'ultrafast').replace('key-int-max=60', 'key-int-max=120'), mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'fps=60 align-1 + untimed + vo=x11 + no-videorate': { fps: 60, mux: '', videorate: false, mpv: [...replaceFlag(MPV_PIXELPASS, 'untimed', 'yes'), '--vo=x11'] },
  'fps=60 baseline': { fps: 60 },
  'fps=60 untimed': { fps: 60, mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  'fps=60 untimed + no-videorate + ultrafast': { fps: 60, videorate: false, x264: X264.replace('veryfast', 'ultrafast').replace('key-int-max=60', 'key-int-max=120'), mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  // audio
  'audio + mpv ao=pulse': { audio: true },
  'audio + mpv --ao=null': { audio: true, mpv: [...MPV_PIXELPASS, '--ao=null'] },
  'audio + mpv --untimed': { audio: true, mpv: replaceFlag(MPV_PIXELPASS, 'untimed', 'yes') },
  // VLC
  'vlc pixelpass flags (300/300)': { player: 'vlc' },
  'vlc --network-caching=50': { player: 'vlc', vlc: ['--network-caching=50', '--live-caching=300', '--no-video-title-show'] },
  'vlc --network-caching=0': { player: 'vlc', vlc: ['--network-caching=0', '--live-caching=0', '--no-video-title-show'] },
  'vlc --network-caching=1000': { player: 'vlc', vlc: ['--network-caching=1000', '--live-caching=300', '--no-video-title-show'] },
};

function machine() {
  const v = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
    } catch {
      return null;
    }
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, kernel: release(), node: process.version,
    gstreamer: v('gst-launch-1.0', ['--version']), ffmpeg: v('ffmpeg', ['-version']), mpv: v('mpv', ['--version']),
    commit: v('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

async function main() {
  if (!existsSync(CLI)) throw new Error(`missing ${CLI} (run: scripts/pnpm exec turbo run build)`);
  const { F, S, cleanup } = await loadHelpers();
  F.requireFlipTools('gst-launch-1.0');
  const result = { machine: machine(), rounds, seconds, command: `node bench/flip.mjs ${process.argv.slice(2).join(' ')}`.trim(), results: {}, failures: [] };
  const run = async (name, fn) => {
    const quiet = await waitForQuiet();
    const before = loadavg();
    log(`${name} (load ${before.join(' ')}, ${quiet.idleBefore} % idle${quiet.busy ? ' — still busy, measuring anyway' : ''}${quiet.waitedS ? `, waited ${quiet.waitedS} s` : ''})`);
    const ticks = cpuTicks();
    try {
      const r = await fn();
      const entry = { loadavg: { before, after: loadavg() }, machineIdlePercent: { before: quiet.idleBefore, during: idlePercent(ticks, cpuTicks()) }, ...r };
      (result.results[name] ??= []).push(entry);
      const fig = (m) => (m ? `p50 ${m.p50} p95 ${m.p95} n ${m.n} missed ${m.missed}` : '');
      const delta = r.deltaVsBaseline ? `; vs baseline at the same time: ${r.deltaVsBaseline.p50 > 0 ? '+' : ''}${r.deltaVsBaseline.p50} ms (baseline p50 ${r.baseline.p50})` : '';
      log(`  ${name}: ${['floor', 'first', 'late'].filter((k) => r[k]).map((k) => `${k} ${fig(r[k])}`).join('; ')}${delta}`);
    } catch (err) {
      result.failures.push(`${name}: ${err.message}`);
      log(`  ${name} FAILED: ${err.message}`);
    }
  };
  try {
    if (flags.study) {
      const names = flags.only ? flags.only.split(',') : Object.keys(STUDY);
      for (const n of names) if (!STUDY[n]) throw new Error(`unknown study variant "${n}" (one of: ${Object.keys(STUDY).join(', ')})`);
      if (names.some((n) => STUDY[n].player === 'vlc')) ensureVlcUser();
      for (let r = 0; r < rounds; r++) {
        // Alternate the order each round so a slow stretch of the machine does not hit one variant.
        // ... and a baseline every few variants, a reference for the machine's load drifting meanwhile.
        const order = r % 2 ? [...names].reverse() : names;
        for (let i = 0; i < order.length; i++) {
          if (!flags.paired && i > 0 && i % 6 === 0 && names.length > 6) await run('baseline', () => bare(F, S, STUDY.baseline));
          await run(order[i], () => bare(F, S, STUDY[order[i]], flags.paired));
        }
      }
    } else {
      const names = flags.scenarios.split(',');
      for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario "${n}" (one of: ${Object.keys(SCENARIOS).join(', ')})`);
      if (names.includes('vlc')) ensureVlcUser();
      for (let r = 0; r < rounds; r++) for (const n of names) await run(n, () => SCENARIOS[n](F, S));
    }
  } finally {
    cleanup();
  }
  result.summary = summarize(result.results);
  result.leftRunning = F.stillRunning();
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  return result.failures.length ? 1 : 0;
}

/** Median over runs of each figure (p50, p95, missed...) per scenario and view. */
function summarize(results) {
  const med = (xs) => {
    const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return s.length ? s[Math.floor((s.length - 1) / 2)] + (s.length % 2 ? 0 : (s[s.length / 2] - s[s.length / 2 - 1]) / 2) : null;
  };
  const out = {};
  for (const [name, runs] of Object.entries(results)) {
    const o = {};
    for (const view of ['floor', 'first', 'firstDuringLateJoin', 'late', 'baseline', 'deltaVsBaseline']) {
      const vs = runs.map((r) => r[view]).filter(Boolean);
      if (!vs.length) continue;
      o[view] = {
        p50: med(vs.map((x) => x.p50)), p95: med(vs.map((x) => x.p95)), min: Math.min(...vs.map((x) => x.min)), max: Math.max(...vs.map((x) => x.max)),
        n: vs.reduce((a, x) => a + x.n, 0), missed: vs.reduce((a, x) => a + (x.missed ?? 0), 0), runsP50: vs.map((x) => x.p50),
      };
    }
    const fp = runs.map((r) => r.firstPictureMs).filter(Number.isFinite);
    if (fp.length) o.firstPictureMs = med(fp);
    o.loadavg1 = runs.map((r) => r.loadavg.before[0]);
    o.idlePercentBefore = runs.map((r) => r.machineIdlePercent.before);
    out[name] = o;
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`flip: ${err.message}\n`);
    process.exit(1);
  },
);
