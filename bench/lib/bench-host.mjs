#!/usr/bin/env node
// A pixelpass host: core's HostSession (hub, gate, supervisor, accept loop) over
// the real IrohTransport, with a media runner the benchmark controls instead of
// gst-launch (the MediaRunner port):
//   --feed max   synthetic TS as fast as the slowest viewer takes it (throughput)
//   --feed rate  synthetic TS at --rate bytes/s, one chunk per 1/30 s (fan-out)
//   --feed gst   the real test-source pipeline (x264), with an identity element in
//                front of the encoder that reports when each frame entered it (latency)
// It prints its ticket (and with --direct-http a plain local HTTP URL serving the
// same TS without the tunnel) as a JSON line, then a stats line every 200 ms.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { CORE, TRANSPORT_IROH, ROOT } from './paths.mjs';
import { syntheticGop } from './synthetic-ts.mjs';

const core = await import(CORE);
const { IrohTransport } = await import(TRANSPORT_IROH);
const { HostSession, TsPacketAligner, composePipeline } = core;

const { values: o } = parseArgs({
  options: {
    feed: { type: 'string', default: 'max' },
    'chunk-bytes': { type: 'string', default: String(188 * 348) },
    rate: { type: 'string', default: String(750_000) },
    'gop-seconds': { type: 'string', default: '2' },
    'max-viewers': { type: 'string', default: '8' },
    'direct-http': { type: 'boolean', default: false },
    'instant-join': { type: 'string', default: 'on' },
    fps: { type: 'string', default: '30' },
    bitrate: { type: 'string', default: '4000' },
    size: { type: 'string', default: '1280x720' },
    pattern: { type: 'string', default: 'ball' },
    // The iroh endpoint's address (bench/links.mjs binds it inside a network namespace).
    bind: { type: 'string', default: '127.0.0.1:0' },
    // Also print each connection's iroh view (rtt, stats, paths) every 500 ms.
    'iroh-stats': { type: 'boolean', default: false },
  },
});

const wall = () => performance.timeOrigin + performance.now();
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const quiet = { debug() {}, info() {}, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) };

let skips = 0;
let drops = 0;
const direct = new Set();
/** Where the feeder's TS goes: the session's media output (set when capture starts), and direct HTTP readers. */
let emit = () => undefined;
/** Bytes the feeder wrote that the session has not read yet. */
let pending = () => 0;
const publish = (bytes) => {
  emit(bytes);
  for (const res of direct) res.write(bytes);
};
const stops = [];
/** The viewers' queues, for the "max" feeder (set once the session exists). */
let viewers = () => [];

/**
 * The MediaRunner port with the benchmark's feeder behind it: capture "starts"
 * with the first viewer like a real one; its output is what the feeder publishes.
 */
const feederRunner = {
  async start() {
    const { PassThrough } = await import('node:stream');
    const output = new PassThrough({ highWaterMark: 1 << 20 });
    emit = (bytes) => output.write(bytes);
    pending = () => output.writableLength;
    let exit;
    const exited = new Promise((r) => (exit = r));
    return { output, exited, pid: process.pid, stop: async () => { emit = () => undefined; output.end(); exit({ code: 0, reason: '' }); } };
  },
};

if (o.feed === 'max') {
  const gop = syntheticGop(Number(o['chunk-bytes']), 64);
  const highWater = 1024 * 1024; // well under the hub's 4 MiB skip threshold
  let i = 0;
  const pump = () => {
    if (viewers().length > 0) {
      // The session reads the feeder's output asynchronously: what it has not
      // read yet counts too, or this loop would never see a queue grow.
      for (;;) {
        const queued = Math.max(...viewers().map((v) => v.queuedBytes)) + pending();
        if (queued >= highWater) break;
        publish(gop[i++ % gop.length]);
      }
    }
    timer = setTimeout(pump, 1);
  };
  let timer = setTimeout(pump, 1);
  stops.push(() => clearTimeout(timer));
} else if (o.feed === 'rate') {
  const rate = Number(o.rate);
  const tick = 1000 / 30;
  const chunkBytes = Math.round(rate / 30);
  const gop = syntheticGop(chunkBytes, Math.max(1, Math.round(Number(o['gop-seconds']) * 30)));
  const t0 = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    // Catch up on timer lateness so the rate holds on a loaded machine.
    const due = Math.floor(((performance.now() - t0) / tick)) + 1;
    while (sent < due) publish(gop[sent++ % gop.length]);
  }, tick);
  stops.push(() => clearInterval(timer));
} else if (o.feed === 'gst') {
  const { TestCaptureSource } = await import(`${ROOT}packages/capture-test/dist/index.js`);
  const { X264Encoder } = await import(`${ROOT}packages/encode-x264/dist/index.js`);
  const [width, height] = o.size.split('x').map(Number);
  const fps = Number(o.fps);
  const session = await new TestCaptureSource({ width, height, pattern: o.pattern, timeOverlay: true }).open({ fps });
  const spec = composePipeline({
    video: session.video,
    // After videorate, so its PTS are exactly the ones the encoder and the muxer carry.
    encoders: [{ fragment: new X264Encoder().fragment({ fps, bitrateKbps: Number(o.bitrate), keyframeIntervalSec: Number(o['gop-seconds']) }) }],
    paced: session.paced,
    fps,
    geometry: session.geometry,
  });
  // Media on fd 3, so that -v messages (one per frame from identity) own stdout.
  // The keyframe point sits right before the encoder, after videorate: its PTS are
  // exactly the ones the encoder and the muxer carry (gst-launch takes no keyframe requests anyway).
  const description = spec.description.replace('fdsink fd=1', 'fdsink fd=3').replace('identity name=keyunit silent=true', 'identity name=stamp silent=false');
  const gst = spawn('stdbuf', ['-oL', 'gst-launch-1.0', '-v', ...description.split(/\s+/).filter(Boolean)], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  gst.stderr.on('data', (d) => process.stderr.write(d));
  gst.once('exit', (code) => {
    process.stderr.write(`gst-launch exited (${code})\n`);
    process.exit(1);
  });
  stops.push(() => gst.kill('SIGKILL'));
  let pending = '';
  const ptsRe = /stamp.*last-message = chain.*pts: (\d+):(\d+):(\d+)\.(\d+)/;
  gst.stdout.setEncoding('utf8');
  gst.stdout.on('data', (d) => {
    const t = wall();
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const m = ptsRe.exec(line);
      if (m) out({ type: 'src', pts: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4]}`), t });
    }
  });
  const aligner = new TsPacketAligner();
  let reported = 0;
  gst.stdio[3].on('data', (d) => {
    const packets = aligner.push(d);
    // The first few video PES timestamps, to map source running time to TS PTS.
    if (reported < 30) reported += reportPts(packets);
    publish(packets);
  });
} else {
  process.stderr.write(`unknown --feed ${o.feed}\n`);
  process.exit(2);
}

/** Reports the PTS (seconds) of each PES starting in `packets` on the video PID 0x41 or the first PID seen. */
function reportPts(packets) {
  let n = 0;
  for (let off = 0; off + 188 <= packets.length; off += 188) {
    const b1 = packets[off + 1];
    if (!(b1 & 0x40)) continue;
    const afc = (packets[off + 3] >> 4) & 3;
    let p = off + 4;
    if (afc === 2) continue;
    if (afc === 3) p += 1 + packets[off + 4];
    if (packets[p] !== 0 || packets[p + 1] !== 0 || packets[p + 2] !== 1 || (packets[p + 3] & 0xf0) !== 0xe0) continue;
    if (!(packets[p + 7] & 0x80)) continue;
    const b = packets.subarray(p + 9, p + 14);
    const pts = (b[0] & 0x0e) * 536870912 + b[1] * 4194304 + (b[2] >> 1) * 32768 + b[3] * 128 + (b[4] >> 1);
    out({ type: 'pes', pts: pts / 90000 });
    n++;
  }
  return n;
}

let directUrl = null;
if (o['direct-http']) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'video/mp2t' });
    direct.add(res);
    req.socket.on('close', () => direct.delete(res));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  directUrl = `http://127.0.0.1:${server.address().port}/stream.ts`;
  stops.push(() => server.close());
}

if (o['iroh-stats']) {
  // The transport keeps its connections to itself: catch each one as its handshake
  // completes (same binding instance as the transport's), then poll it. Polling,
  // never watch*: in iroh 1.1.0 those abort the process (iroh-ffi#277).
  const { loadIroh } = await import('./paths.mjs');
  const { Accepting } = loadIroh();
  const conns = new Set();
  const connect = Accepting.prototype.connect;
  Accepting.prototype.connect = async function (...args) {
    const conn = await connect.apply(this, args);
    conns.add(conn);
    conn.closed().then(() => conns.delete(conn), () => conns.delete(conn));
    return conn;
  };
  const irohTimer = setInterval(() => {
    const t = wall();
    const list = [];
    for (const conn of conns) {
      try {
        list.push({ id: conn.remoteId().fmtShort(), rtt: conn.rtt(), stats: conn.stats(), paths: conn.paths() });
      } catch (err) {
        list.push({ error: String(err?.message ?? err).split('\n')[0] });
      }
    }
    out({ type: 'iroh', t, conns: list });
  }, 500);
  stops.push(() => clearInterval(irohTimer));
}

const session = new HostSession(
  {
    capture: { id: 'bench', open: async () => ({ video: { launch: 'benchsrc' }, description: `bench feeder ${o.feed}`, close: async () => undefined }) },
    encoder: { id: 'bench', probe: async () => ({ usable: true, detail: 'bench' }), fragment: () => 'benchenc' },
    runner: feederRunner,
    transport: new IrohTransport({ relay: false, bindAddr: o.bind }),
    log: quiet,
  },
  {
    media: { fps: Number(o.fps), bitrateKbps: Number(o.bitrate), keyframeIntervalSec: Number(o['gop-seconds']) },
    maxViewers: Number(o['max-viewers']),
    // The feeder runs for the whole benchmark once started, like a lingering capture.
    lingerMs: 600_000,
    hostName: 'bench',
    hub: { join: o['instant-join'] === 'on' ? 'replay' : 'wait' },
  },
);
viewers = () => session.viewers();
session.on('viewer-skipped', () => skips++);
session.on('viewer-dropped', (v, why) => {
  drops++;
  process.stderr.write(`viewer ${v.label} dropped: ${why}\n`);
});
const ticket = await session.open();
out({ type: 'ready', ticket, directUrl });

const statsTimer = setInterval(() => {
  out({
    type: 'stats',
    t: wall(),
    published: session.totals().bytesPublished,
    viewers: session.viewers().map((v) => ({ id: v.id, sent: v.bytesSent, skipped: v.bytesSkipped, queued: v.queuedBytes, skips: v.skips })),
    skips,
    drops,
  });
}, 200);

const shutdown = async () => {
  clearInterval(statsTimer);
  for (const s of stops) s();
  await session.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
