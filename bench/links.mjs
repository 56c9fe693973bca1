#!/usr/bin/env node
// Slow and changing links, measured at the player (root only: network namespaces).
//
//   node bench/links.mjs [--quick] [--only <scenario,...>] [--seconds 30] [--out file.json]
//
// Scenarios (all by default; --seconds is each measurement window, 12 with --quick):
//   flowControl   no lab: bytes an iroh stream accepts while its reader reads nothing
//   link2m link100m link1m link500k   one viewer, tbf at that rate on both ends
//   changing      one viewer, 20 → 1.5 → 20 Mbit/s, each for half of --seconds
//   twoViewers    a router; one viewer on 100 Mbit/s and one on 2 Mbit/s at once
//   link2mDelay   2 Mbit/s plus 40 ms each way from udp-impair.mjs in the router
//   iroh2m iroh100m iroh5m irohChanging   bench-host instead of the CLI host: hub
//                 queue, encoder-to-player latency, iroh rtt/cwnd/loss every 500 ms
//
// Each scenario builds a lab with e2e/helpers/link-lab.ts (namespaces joined by
// veth pairs, a tbf qdisc on both ends of each viewer's link; a router namespace
// when there are several viewers, so that each viewer's own link is its
// bottleneck and the host's uplink is not), runs the real CLI host
// (`pixelpass host --source test`, default settings: 1280x720 smpte at 30 fps,
// x264 4000 kbit/s, 2 s keyframe interval, test-tone audio; only --max-viewers 4
// so the reference fits) in the host namespace and real `pixelpass view
// --player none` viewers in the viewer namespaces, relays off, bound to the
// namespace's address.
//
// At each viewer's local URL a player-like ffmpeg (e2e/helpers/frame-arrivals.ts)
// decodes with showinfo, and each frame's PTS is time-stamped on arrival. One
// more viewer runs inside the host namespace, where no qdisc shapes anything:
// the reference. It receives every PTS with practically no queueing, through
// the same hub, tunnel, local server and decoder code, so for each frame the
// slow player decoded, t_slow(pts) − t_reference(pts) is its delay beyond the
// freshest frame, with every common cost (encoder, muxer, decoder start-up,
// process scheduling) cancelled. The iroh* scenarios replace the CLI host with
// bench/lib/bench-host.mjs --feed gst (the same hub and transport, the same
// pipeline with an identity element stamping each frame as it enters the
// encoder), which also prints the hub's per-viewer queue every 200 ms and, with
// --iroh-stats, each connection's rtt/stats/paths every 500 ms: the absolute
// latency check of the reference and the queue and iroh figures.
//
// Prints one JSON object on stdout (and writes it to --out if given). Exits 1
// when a scenario could not be measured.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CLI, ROOT, loadIroh } from './lib/paths.mjs';
import { importE2eHelper } from './lib/ts-helpers.mjs';

const { LinkLab, requireLabTools } = await importE2eHelper('link-lab', ['udp-impair.mjs']);
const { FrameRecorder, analyzeArrivals, sampleSockets, quantile, wallMs } = await importE2eHelper('frame-arrivals');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The iroh binding: the flowControl probe, and the forwarder scenarios' tickets (as e2e/helpers/raw-peer.ts does). */
const irohMod = loadIroh();

// Labs alive right now: Ctrl-C or a kill still removes their namespaces and processes.
const liveLabs = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    process.stderr.write(`links: ${sig}, removing ${liveLabs.size} lab(s)\n`);
    await Promise.allSettled([...liveLabs].map((l) => l.destroy()));
    process.exit(130);
  });
}

const FPS = 30;
const NODE = process.execPath;
const ENV = { PIXELPASS_RELAY: 'off' };
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).map(Number);
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const r0 = (x) => (Number.isFinite(x) ? Math.round(x) : null);
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** A child's stdout/stderr lines, time-stamped on arrival. */
function lines(child) {
  const out = [];
  const err = [];
  const waiters = new Set();
  const push = (arr) => (line) => {
    arr.push({ t: wallMs(), line });
    for (const w of [...waiters]) w();
  };
  createInterface({ input: child.stdout }).on('line', push(out));
  createInterface({ input: child.stderr }).on('line', push(err));
  child.once('exit', () => {
    for (const w of [...waiters]) w();
  });
  const what = child.spawnargs.slice(3, 6).join(' ');
  return {
    out,
    err,
    waitOut(test, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(() => reject(new Error(`${what}: no expected output within ${ms} ms; stderr: ${tail()}`))), ms);
        const check = () => {
          const hit = out.find((l) => test(l.line));
          if (hit) return done(() => resolve(hit.line));
          if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${tail()}`)));
        };
        const done = (f) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
  };
  function tail() {
    return err.slice(-4).map((l) => l.line).join(' | ');
  }
}

function startCliHost(lab, extra = []) {
  const child = lab.spawn(lab.hostNs, NODE, [CLI, 'host', '--source', 'test', '--max-viewers', '4', ...extra], { env: { ...ENV, PIXELPASS_BIND: `${lab.hostIp}:0` } });
  const l = lines(child);
  return { child, ...l, ticket: l.waitOut((x) => x.startsWith('pixelpass1'), 60_000) };
}

function startBenchHost(lab) {
  const args = ['--feed', 'gst', '--pattern', 'smpte', '--bitrate', '4000', '--gop-seconds', '2', '--fps', String(FPS), '--max-viewers', '4', '--bind', `${lab.hostIp}:0`, '--iroh-stats'];
  const child = lab.spawn(lab.hostNs, NODE, [`${ROOT}bench/lib/bench-host.mjs`, ...args], { env: ENV });
  const l = lines(child);
  return { child, ...l, ticket: l.waitOut((x) => x.startsWith('{"type":"ready"'), 60_000).then((x) => JSON.parse(x).ticket) };
}

async function startViewer(lab, ns, ip, ticket) {
  const child = lab.spawn(ns, NODE, [CLI, 'view', ticket, '--player', 'none'], { env: { ...ENV, PIXELPASS_BIND: `${ip}:0` } });
  const l = lines(child);
  const url = await l.waitOut((x) => x.startsWith('http://'), 60_000);
  return { child, ...l, url, port: Number(new URL(url).port), ns };
}

/** Samples what can be seen from outside every 500 ms: tbf queues, the player sockets, the load. */
function startSampler(lab, viewers) {
  const samples = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = wallMs();
      const links = lab.viewers.map((_, i) => lab.linkStats(i));
      const sockets = await Promise.all(viewers.map((v) => sampleSockets(lab.prefix(v.ns), v.port)));
      samples.push({ t, links, sockets: sockets.map((s) => s.sockets), loadavg: loadavg()[0] });
      await sleep(Math.max(0, 500 - (wallMs() - t)));
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Per-viewer view of the samples in the window: tbf backlog and drops, player socket queues. */
function queuesOf(samples, i, port, from, to) {
  const win = samples.filter((s) => s.t >= from && s.t < to);
  const backlog = win.map((s) => s.links[i]?.down?.backlogBytes).filter(Number.isFinite);
  const d0 = win[0]?.links[i]?.down;
  const d1 = win.at(-1)?.links[i]?.down;
  const u0 = win[0]?.links[i]?.up;
  const u1 = win.at(-1)?.links[i]?.up;
  const secs = win.length > 1 ? (win.at(-1).t - win[0].t) / 1000 : Number.NaN;
  // The player's socket: peer is the server's port; the viewer's: local is.
  const playerRecvQ = [];
  const viewerSendQ = [];
  for (const s of win) {
    for (const k of s.sockets[i] ?? []) {
      if (k.peer.endsWith(`:${port}`)) playerRecvQ.push(k.recvQ);
      if (k.local.endsWith(`:${port}`)) viewerSendQ.push(k.sendQ);
    }
  }
  const stat = (a) => ({ p50: r0(quantile(a, 0.5)), p95: r0(quantile(a, 0.95)), max: a.length ? Math.max(...a) : null });
  return {
    tbfDown: d0
      ? {
          rateKbit: d1.rateBytesPerSec ? (d1.rateBytesPerSec * 8) / 1000 : null,
          backlogBytes: stat(backlog),
          drops: d1.drops - d0.drops,
          sentKbitPerSec: r0(((d1.bytes - d0.bytes) * 8) / 1000 / secs),
          packets: d1.packets - d0.packets,
        }
      : null,
    tbfUp: u0 ? { drops: u1.drops - u0.drops, sentKbitPerSec: r0(((u1.bytes - u0.bytes) * 8) / 1000 / secs), backlogBytes: stat(win.map((s) => s.links[i]?.up?.backlogBytes).filter(Number.isFinite)) } : null,
    playerSocketRecvQBytes: stat(playerRecvQ),
    viewerSocketSendQBytes: stat(viewerSendQ),
  };
}

/** Host log lines in the window: skips (with bytes) and drops, time-stamped. */
function hostEvents(host, from, to, since) {
  const skips = [];
  const drops = [];
  const status = [];
  for (const { t, line } of host.err) {
    if (t < since || t >= to) continue;
    const s = /viewer (\S+) fell behind; skipped ([\d.]+ [kMG]?B)/.exec(line);
    if (s) skips.push({ atS: r1((t - from) / 1000), viewer: s[1], bytes: s[2] });
    if (/disconnected: /.test(line)) drops.push({ atS: r1((t - from) / 1000), line: line.replace(/^pixelpass: /, '') });
    if (/status: /.test(line)) status.push(line.replace(/^pixelpass: status: /, ''));
  }
  return { skips, drops, status };
}

function frameSummary(rec, from, to, reference) {
  const a = analyzeArrivals(rec.frames, { from, to, fps: FPS, reference: reference?.frames });
  return { ...a, ffmpegExits: rec.exits.filter((e) => e.at >= from && e.at < to).map((e) => ({ atS: r1((e.at - from) / 1000), code: e.code })), ffmpegErrorLines: rec.errors.length };
}

/** Windows of a longer run, e.g. the phases of a rate schedule. */
function phases(rec, from, bounds, reference) {
  return bounds.map(([a, b, label]) => {
    const x = analyzeArrivals(rec.frames, { from: from + a * 1000, to: from + b * 1000, fps: FPS, reference: reference.frames });
    return { phase: label, fromS: a, toS: b, fps: x.fps, jumps: x.jumps.count, jumpMs: x.jumps.ptsGapMs, stallMaxMs: x.stallMaxMs, delayP50: x.delay?.p50, delayP95: x.delay?.p95, delayMax: x.delay?.max };
  });
}

/**
 * One scenario: a lab, a host, the reference viewer in the host namespace, one
 * viewer per lab link, a player on each; `during(ctx)` runs at the window's start.
 */
async function scenario(name, { viewers, router, seconds, warmup = 4, host: hostKind = 'cli', during, analyze, impair }) {
  const lab = new LinkLab({ viewers, router });
  const load0 = loadavg();
  log(`${name}: ${viewers.map((v) => v.rate ?? 'unshaped').join(' + ')}, ${seconds} s (load ${load0.join(' ')})`);
  liveLabs.add(lab);
  lab.create();
  const recs = [];
  try {
    const host = hostKind === 'cli' ? startCliHost(lab) : startBenchHost(lab);
    const ticket = await host.ticket;
    const forwarders = [];
    const ticketFor = async (v) => {
      if (!v.spec.forwarder) return ticket;
      const hostAddr = ticketAddresses(ticket).find((a) => a.startsWith(`${lab.hostIp}:`));
      const fwd = await lab.startForwarder(v.index, hostAddr);
      for (const cmd of impair ?? []) await fwd.command(cmd);
      forwarders.push(fwd);
      return ticketVia(ticket, [fwd.via]);
    };
    const ref = await startViewer(lab, lab.hostNs, lab.hostIp, ticket);
    const refRec = new FrameRecorder(ref.url, { prefix: lab.prefix(lab.hostNs), restart: true });
    recs.push(refRec);
    await refRec.waitFrames(5, 30_000);
    const vs = [];
    const vrecs = [];
    for (const v of lab.viewers) {
      const viewer = await startViewer(lab, v.ns, v.ip, await ticketFor(v));
      vs.push(viewer);
      const rec = new FrameRecorder(viewer.url, { prefix: lab.prefix(v.ns), restart: true });
      recs.push(rec);
      vrecs.push(rec);
    }
    await Promise.all(vrecs.map((r) => r.waitFrames(1, 40_000)));
    const sampler = startSampler(lab, vs);
    await sleep(warmup * 1000);
    const from = wallMs();
    const ctx = { lab, host, from, seconds };
    const extra = during ? during(ctx) : undefined;
    await sleep(seconds * 1000);
    const to = wallMs();
    await sampler.stop();
    await extra?.stop?.();
    const result = {
      loadavg: { start: load0, end: loadavg(), duringWindow: r1(quantile(sampler.samples.filter((s) => s.t >= from).map((s) => s.loadavg), 0.5)) },
      reference: { ...frameSummary(refRec, from, to), fpsPerSecond: undefined, stalls: undefined },
      viewers: lab.viewers.map((v, i) => ({
        link: v.spec.rate ?? 'unshaped',
        ns: v.ns,
        player: frameSummary(vrecs[i], from, to, refRec),
        queues: queuesOf(sampler.samples, i, vs[i].port, from, to),
        viewerLog: vs[i].err.filter((l) => l.t >= from && l.t < to).map((l) => l.line.replace(/^pixelpass: /, '')).slice(0, 20),
      })),
      // Times in s from the window's start (negative: during the warm-up).
      host: hostKind === 'cli' ? hostEvents(host, from, to, from - warmup * 1000) : undefined,
      ...(extra?.result ? extra.result() : {}),
    };
    for (const f of forwarders) result.forwarder = { impair, stats: await f.command('stats') };
    if (analyze) Object.assign(result, analyze({ ...ctx, to, refRec, vrecs, host, samples: sampler.samples, vs }));
    log(
      `${name}: ${result.viewers.map((v) => `${v.link}: ${v.player.fps} fps, ${v.player.jumps.count} jumps, delay p50 ${v.player.delay?.p50} p95 ${v.player.delay?.p95} ms, stall ${v.player.stallMaxMs} ms`).join('; ')}; reference ${result.reference.fps} fps`,
    );
    return result;
  } finally {
    for (const r of recs) await r.stop();
    await lab.destroy();
    liveLabs.delete(lab);
  }
}

/** bench-host's stamps: wall-clock time each TS PTS (ms) entered the encoder. */
function encoderStamps(host) {
  const pes = host.out.find((l) => l.line.includes('"type":"pes"'));
  if (!pes) return undefined;
  const offset = JSON.parse(pes.line).pts;
  const m = new Map();
  for (const { line } of host.out) {
    if (!line.includes('"type":"src"')) continue;
    const { pts, t } = JSON.parse(line);
    m.set(Math.round((pts + offset) * 1000), t);
  }
  return m;
}

function absoluteLatency(rec, stamps, from, to) {
  const lat = [];
  for (const f of rec.frames) {
    if (f.t < from || f.t >= to) continue;
    const t0 = stamps.get(Math.round(f.pts / 90));
    if (t0 !== undefined) lat.push(f.t - t0);
  }
  return { matched: lat.length, p50: r0(quantile(lat, 0.5)), p95: r0(quantile(lat, 0.95)), max: r0(lat.length ? Math.max(...lat) : NaN) };
}

/** The iroh scenarios: hub queue, bytes in transit, and what iroh reports, over the window. */
function irohAnalysis({ host, from, to, refRec, vrecs, samples, vs, lab }) {
  const stamps = encoderStamps(host);
  const json = (type) => host.out.filter((l) => l.line.startsWith(`{"type":"${type}"`)).map((l) => JSON.parse(l.line));
  const stats = json('stats').filter((s) => s.t >= from && s.t < to);
  const iroh = json('iroh').filter((s) => s.t >= from && s.t < to);
  // Viewer ids: the reference joined first (id 1); every later id is the shaped viewer (a new id after each drop and rejoin).
  const slow = (s) => s.viewers.filter((v) => v.id !== 1);
  const queued = stats.map((s) => slow(s).reduce((a, v) => a + v.queued, 0));
  const slowIp = lab.viewers[0].ip;
  const byConn = (addrPrefix) =>
    iroh
      .map((s) => {
        const c = s.conns.find((x) => x.paths?.some((p) => p.remoteAddr.startsWith(addrPrefix)));
        const p = c?.paths.find((x) => x.isSelected) ?? c?.paths[0];
        return c && p ? { t: s.t, rtt: c.rtt, pathRtt: p.rttMs, cwnd: p.stats.cwnd, congestionEvents: p.stats.congestionEvents, lostPackets: p.stats.lostPackets, lostBytes: p.stats.lostBytes, txBytes: p.stats.udpTxBytes, rxBytes: p.stats.udpRxBytes, mtu: p.stats.currentMtu, connLost: c.stats.lostPackets, paths: c.paths.length } : undefined;
      })
      .filter(Boolean);
  const summarizeConn = (series) => {
    if (series.length < 2) return { samples: series.length };
    const a = series[0];
    const b = series.at(-1);
    const secs = (b.t - a.t) / 1000;
    const q = (k) => ({ min: r0(Math.min(...series.map((s) => s[k]))), p50: r0(quantile(series.map((s) => s[k]), 0.5)), max: r0(Math.max(...series.map((s) => s[k]))) });
    return {
      samples: series.length,
      rttMs: q('rtt'),
      cwndBytes: q('cwnd'),
      congestionEvents: b.congestionEvents - a.congestionEvents,
      lostPackets: b.lostPackets - a.lostPackets,
      lostBytes: b.lostBytes - a.lostBytes,
      udpTxKbitPerSec: r0(((b.txBytes - a.txBytes) * 8) / 1000 / secs),
      mtu: b.mtu,
      pathsOpen: b.paths,
      // t (s into the window), rtt ms, cwnd bytes, congestion events and lost packets so far (window-relative), tx kbit/s since the last sample.
      series: series.map((s, i) => [
        r1((s.t - from) / 1000),
        r0(s.rtt),
        s.cwnd,
        s.congestionEvents - a.congestionEvents,
        s.lostPackets - a.lostPackets,
        i ? r0(((s.txBytes - series[i - 1].txBytes) * 8) / (s.t - series[i - 1].t)) : null,
      ]),
    };
  };
  // Bytes between the hub and the player: hub "sent" (handed to iroh) minus what
  // reached the player's socket (tcp_info bytes_received), while the first stream lasts.
  const firstId = stats.flatMap(slow)[0]?.id;
  const transit = [];
  for (const s of samples.filter((x) => x.t >= from && x.t < to)) {
    const hub = stats.reduce((best, x) => (Math.abs(x.t - s.t) < Math.abs((best?.t ?? Infinity) - s.t) ? x : best), undefined);
    const v = hub?.viewers.find((x) => x.id === firstId);
    const player = s.sockets[0]?.find((k) => k.peer.endsWith(`:${vs[0].port}`));
    if (!v || !player?.bytesReceived) continue;
    const tbf = s.links[0]?.down?.backlogBytes ?? 0;
    const serverSendQ = s.sockets[0]?.find((k) => k.local.endsWith(`:${vs[0].port}`))?.sendQ ?? 0;
    const between = v.sent - player.bytesReceived - serverSendQ;
    transit.push({ t: s.t, between, tbf, quicEtc: between - tbf });
  }
  const st = (a) => ({ p50: r0(quantile(a, 0.5)), p95: r0(quantile(a, 0.95)), max: a.length ? r0(Math.max(...a)) : null });
  return {
    encoderToPlayerMs: stamps
      ? { reference: absoluteLatency(refRec, stamps, from, to), shaped: absoluteLatency(vrecs[0], stamps, from, to), stampedFrames: stamps.size }
      : { error: 'no encoder stamps' },
    hubQueueBytes: { ...st(queued), series: stats.filter((_, i) => i % 5 === 0).map((s, i) => [r1((s.t - from) / 1000), queued[i * 5]]) },
    hubSkips: (stats.at(-1)?.skips ?? 0) - (stats[0]?.skips ?? 0),
    hubDrops: (stats.at(-1)?.drops ?? 0) - (stats[0]?.drops ?? 0),
    publishedKbitPerSec: stats.length > 1 ? r0(((stats.at(-1).published - stats[0].published) * 8) / (stats.at(-1).t - stats[0].t)) : null,
    // hub → player, minus the player socket's and tbf's part: the QUIC send buffer, in flight, QUIC receive side and the viewer process.
    transitBytes: { hubToPlayer: st(transit.map((x) => x.between)), tbfBacklog: st(transit.map((x) => x.tbf)), quicAndViewer: st(transit.map((x) => x.quicEtc)), samples: transit.length },
    iroh: { shaped: summarizeConn(byConn(`${slowIp}:`)), reference: summarizeConn(byConn(`${lab.hostIp}:`)) },
  };
}

async function flowControl() {
  const iroh = irohMod;
  const alpn = Array.from(Buffer.from('links/flow-control'));
  const bind = async (alpns) => {
    const b = iroh.Endpoint.builder();
    b.applyMinimal();
    b.relayMode(iroh.RelayMode.disabled());
    if (alpns) b.alpns([alpn]);
    b.bindAddr('127.0.0.1:0');
    return b.bind();
  };
  const probe = async (receiveWindow) => {
    const [server, client] = [await bind(true), await bind(false)];
    try {
      const accepted = (async () => {
        const a = await (await server.acceptNext()).accept();
        const conn = await a.connect();
        return { conn, bi: await conn.acceptBi() };
      })();
      const conn = await client.connect(server.addr(), alpn);
      if (receiveWindow) conn.setReceiveWindow(BigInt(receiveWindow));
      const bi = await conn.openBi();
      await bi.send.writeAll([0]);
      const host = await accepted;
      const chunk = new Array(16 * 1024).fill(0x47);
      let taken = 0;
      void (async () => {
        for (;;) {
          await host.bi.send.writeAll(chunk);
          taken += chunk.length;
        }
      })().catch(() => undefined);
      await sleep(2000);
      return { receiveWindow: receiveWindow ?? 'default', bytesTakenWithoutReader: taken, udpTxBytes: host.conn.stats().udpTxBytes };
    } finally {
      await Promise.allSettled([client.close(), server.close()]);
    }
  };
  const res = [await probe(undefined), await probe(256 * 1024)];
  log(`flowControl: ${res.map((r) => `${r.receiveWindow}: ${r.bytesTakenWithoutReader} B`).join(', ')}`);
  return { probes: res };
}

function ticketAddresses(ticket) {
  const body = ticket.trim().slice('pixelpass1'.length);
  return irohMod.EndpointTicket.fromString(body.slice(32)).endpointAddr().directAddresses();
}
/** The same ticket (host id, secret) pointing at other addresses: the forwarder in front of the host. */
function ticketVia(ticket, addresses) {
  const body = ticket.trim().slice('pixelpass1'.length);
  const id = irohMod.EndpointTicket.fromString(body.slice(32)).endpointAddr().id();
  return `pixelpass1${body.slice(0, 32)}${irohMod.EndpointTicket.fromAddr(new irohMod.EndpointAddr(id, null, addresses)).toString()}`;
}

/** The three phases of a 20 → 1.5 → 20 Mbit/s schedule, and how soon the player was fresh again. */
function changingPhases(rec, refRec, from, step) {
  const ph = phases(rec, from, [
    [0, step, '20mbit'],
    [step, step * 2, '1500kbit'],
    [step * 2, step * 3, '20mbit again'],
  ], refRec);
  // Whole seconds after the rate came back until a second's median delay is under 200 ms at ≥ 25 fps.
  const a = analyzeArrivals(rec.frames, { from: from + step * 2000, to: from + step * 3000, fps: FPS, reference: refRec.frames });
  const i = a.delay.p50PerSecond.findIndex((d, k) => d !== null && d < 200 && a.fpsPerSecond[k] >= 25);
  return { phases: ph, recoveredAfterS: i < 0 ? null : i };
}

const SCENARIOS = {
  link2m: (s) => scenario('link2m', { viewers: [{ rate: '2mbit' }], seconds: s }),
  link100m: (s) => scenario('link100m', { viewers: [{ rate: '100mbit' }], seconds: s }),
  link1m: (s) => scenario('link1m', { viewers: [{ rate: '1mbit' }], seconds: s }),
  link500k: (s) => scenario('link500k', { viewers: [{ rate: '500kbit' }], seconds: s }),
  changing: (s) => {
    const step = Math.round(s / 2);
    return scenario('changing', {
      viewers: [{ rate: '20mbit' }],
      seconds: step * 3,
      during: ({ lab }) => {
        const sch = lab.schedule(0, [
          { atMs: step * 1000, rate: '1500kbit' },
          { atMs: step * 2000, rate: '20mbit' },
        ]);
        return { stop: () => sch.stop(), result: () => ({ schedule: sch.applied }) };
      },
      analyze: ({ refRec, vrecs, from }) => changingPhases(vrecs[0], refRec, from, step),
    });
  },
  // The 2 Mbit/s link plus 40 ms each way from udp-impair.mjs in the router (a WAN-like RTT).
  link2mDelay: (s) => scenario('link2mDelay', { viewers: [{ rate: '2mbit', forwarder: true }], seconds: s, impair: ['impair both 40 0'] }),
  twoViewers: (s) => scenario('twoViewers', { viewers: [{ rate: '100mbit' }, { rate: '2mbit' }], router: true, seconds: s }),
  iroh2m: (s) => scenario('iroh2m', { viewers: [{ rate: '2mbit' }], seconds: s, host: 'bench', analyze: irohAnalysis }),
  iroh100m: (s) => scenario('iroh100m', { viewers: [{ rate: '100mbit' }], seconds: s, host: 'bench', analyze: irohAnalysis }),
  // Just above the stream's rate on the wire (~4.4 Mbit/s): application-limited, but close.
  iroh5m: (s) => scenario('iroh5m', { viewers: [{ rate: '5mbit' }], seconds: s, host: 'bench', analyze: irohAnalysis }),
  irohChanging: (s) => {
    const step = Math.round(s / 2);
    return scenario('irohChanging', {
      viewers: [{ rate: '20mbit' }],
      seconds: step * 3,
      host: 'bench',
      during: ({ lab }) => {
        const sch = lab.schedule(0, [
          { atMs: step * 1000, rate: '1500kbit' },
          { atMs: step * 2000, rate: '20mbit' },
        ]);
        return { stop: () => sch.stop(), result: () => ({ schedule: sch.applied }) };
      },
      analyze: (ctx) => ({ ...irohAnalysis(ctx), ...changingPhases(ctx.vrecs[0], ctx.refRec, ctx.from, step) }),
    });
  },
  // No lab: how many bytes an iroh stream takes (writeAll resolves) while its reader
  // reads nothing: the QUIC buffer the hub cannot see or flush, with the receiver's
  // connection window left alone and lowered to 256 KiB (Connection.setReceiveWindow).
  flowControl: () => flowControl(),
};
/** What runs without --only. */
const DEFAULT = ['flowControl', 'link2m', 'link100m', 'changing', 'twoViewers', 'link2mDelay', 'link1m', 'link500k', 'iroh2m', 'iroh100m', 'iroh5m', 'irohChanging'];

export async function run({ quick = false, only, seconds } = {}) {
  requireLabTools();
  const names = only ?? DEFAULT;
  const secs = seconds ?? (quick ? 12 : 30);
  const results = {};
  const failures = [];
  for (const n of names) {
    if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n} (one of ${Object.keys(SCENARIOS).join(', ')})`);
    try {
      results[n] = await SCENARIOS[n](secs);
    } catch (err) {
      failures.push(`${n}: ${err.message}`);
      log(`${n}: FAILED ${err.message}`);
    }
  }
  return { results, failures };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: o } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' } } });
  const began = Date.now();
  const loadAtStart = loadavg();
  const { results, failures } = await run({ quick: o.quick, only: o.only?.split(','), seconds: o.seconds ? Number(o.seconds) : undefined });
  const report = {
    date: new Date().toISOString(),
    command: `node bench/links.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    elapsedSeconds: Math.round((Date.now() - began) / 1000),
    loadavg: { start: loadAtStart, end: loadavg() },
    results,
    failures,
  };
  const text = `${JSON.stringify(report, null, 1)}\n`;
  process.stdout.write(text);
  if (o.out) writeFileSync(o.out, text);
  process.exit(failures.length ? 1 : 0);
}
