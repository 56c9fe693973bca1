import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longestStall, startDecoder, type Decoder } from './helpers/decoder.js';
import { childPids, pidAlive } from './helpers/media-probe.js';
import { NetLab } from './helpers/netns.js';
import { startCli, stopAllCli, type RunningCli } from './helpers/pixelpass.js';
import { ticketAddresses, ticketVia } from './helpers/raw-peer.js';
import { requireTools } from './helpers/require-tools.js';

// Faults between network namespaces the test creates (root only), relays off.
// Delay and loss come from a UDP forwarder in the middle namespace instead of
// `tc netem`: the kernels this runs on (CI containers, microVMs) often lack
// sch_netem, and the forwarder does the same thing to every datagram.

const IMPAIR = fileURLToPath(new URL('./helpers/udp-impair.mjs', import.meta.url));
const FPS = 15;
const HOST_ARGS = ['host', '--source', 'test', '--test-size', '320x240', '--fps', String(FPS), '--bitrate', '400', '--keyframe-interval', '1', '--max-viewers', '4'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<number> => {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - start;
};

/** ffprobe (in a namespace) decodes `seconds` of the URL; resolves with decoded video frames (0 on failure). */
function probeFrames(prefix: string[], url: string, seconds: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      prefix[0]!,
      [...prefix.slice(1), 'ffprobe', '-v', 'error', '-count_frames', '-read_intervals', `%+${seconds}`, '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', url],
      { timeout: (seconds + 20) * 1000 },
      (_err, stdout) => resolve(Number(stdout.trim().split('\n')[0]) || 0),
    );
  });
}

describe('faults between network namespaces: the stream survives, nothing is left behind', () => {
  requireTools('ip', 'setsid', 'gst-launch-1.0', 'ffmpeg', 'ffprobe', 'mpv');
  if (process.getuid?.() !== 0) throw new Error('faults.test.ts creates network namespaces: run it as root (CI does)');
  const lab = new NetLab();
  const decoders: Decoder[] = [];
  let impair: ChildProcess;
  let host: RunningCli;
  /** Viewer A: in the viewer namespace, through the impairing forwarder. */
  let viewerA: RunningCli;
  let urlA: string;
  /** Viewer B: in the middle namespace, straight to the host. */
  let viewerB: RunningCli;
  let urlB: string;
  const impairLines: string[] = [];

  const setImpair = async (cmd: string): Promise<void> => {
    const n = impairLines.length;
    impair.stdin!.write(`${cmd}\n`);
    await until('the forwarder to apply it', () => impairLines.length > n, 5000);
  };

  beforeAll(async () => {
    lab.create();
    host = startCli(HOST_ARGS, { PIXELPASS_BIND: `${lab.hostIp}:0` }, { prefix: lab.prefix(lab.host) });
    const ticket = await host.firstLine;
    const hostAddr = ticketAddresses(ticket).find((a) => a.startsWith(`${lab.hostIp}:`));
    expect(hostAddr, `host ticket addresses: ${ticketAddresses(ticket).join(', ')}`).toBeDefined();

    impair = lab.spawn(lab.mid, process.execPath, [IMPAIR, lab.midViewerSideIp, lab.midHostSideIp, hostAddr!], 'pipe');
    const lines = createInterface({ input: impair.stdout! });
    lines.on('line', (l) => impairLines.push(l));
    await until('the forwarder', () => impairLines.some((l) => l.startsWith('listening ')), 10_000);
    const via = impairLines.find((l) => l.startsWith('listening '))!.slice('listening '.length);

    viewerA = startCli(['view', ticketVia(ticket, [via]), '--player', 'none'], { PIXELPASS_BIND: `${lab.viewerIp}:0` }, { prefix: lab.prefix(lab.viewer) });
    viewerB = startCli(['view', ticket, '--player', 'none'], { PIXELPASS_BIND: `${lab.midHostSideIp}:0` }, { prefix: lab.prefix(lab.mid) });
    [urlA, urlB] = await Promise.all([viewerA.firstLine, viewerB.firstLine]);
  });

  afterAll(async () => {
    for (const d of decoders) d.child.kill('SIGKILL');
    await stopAllCli();
    await lab.destroy();
  });

  it('100 ms delay and 2 % loss: the stream still decodes, with few decode errors', async () => {
    await setImpair('impair down 100 0.02');
    await setImpair('impair up 0 0.02');
    try {
      const seconds = 20;
      const d = startDecoder(urlA, seconds, lab.prefix(lab.viewer));
      decoders.push(d);
      const code = await d.exited;
      impair.stdin!.write('stats\n');
      await sleep(200);
      const errors = d.errors();
      process.stdout.write(
        `netem-like 100 ms / 2 %: ${d.frames()} frames in ${seconds} s, ${errors.length} ffmpeg error lines, longest stall ${longestStall(d.progress)} ms; ${impairLines.at(-1)}\n`,
      );
      expect(code, errors.join('\n')).toBe(0);
      expect(d.frames(), errors.join('\n')).toBeGreaterThanOrEqual(seconds * FPS * 0.85);
      expect(errors.length, errors.join('\n')).toBeLessThanOrEqual(5);
    } finally {
      await setImpair('impair both 0 0');
    }
  });

  it("the viewer's link goes down for 5 s: it recovers by itself, and the other viewer is unaffected", async () => {
    const seconds = 35;
    const a = startDecoder(urlA, seconds, lab.prefix(lab.viewer));
    const b = startDecoder(urlB, seconds, lab.prefix(lab.mid));
    decoders.push(a, b);
    await until('both decoding', () => a.frames() > FPS && b.frames() > FPS, 20_000);
    const stderrBefore = viewerA.stderr().length;
    lab.setViewerLink(false);
    await sleep(5000);
    const framesAtUp = a.frames();
    lab.setViewerLink(true);
    const linkUpAt = Date.now();

    // The running player resumes, or (if its stream broke) a restarted player gets the stream.
    let recovery: string;
    try {
      const ms = await until('the running player to resume', () => a.frames() > framesAtUp + FPS, 20_000);
      recovery = `running player resumed ${ms} ms after the link came back`;
    } catch {
      const restarted = await probeFrames(lab.prefix(lab.viewer), urlA, 2);
      expect(restarted, `viewer A log:\n${viewerA.stderr()}`).toBeGreaterThan(0);
      recovery = `a restarted player decoded ${restarted} frames ${Date.now() - linkUpAt} ms after the link came back`;
    }
    await Promise.all([a.exited, b.exited]);
    const afterLog = viewerA.stderr().slice(stderrBefore).trim();
    process.stdout.write(`link down 5 s: ${recovery}; viewer A log since: ${afterLog || '(nothing)'}\n`);

    // Viewer B never noticed.
    expect(b.frames(), b.errors().join('\n')).toBeGreaterThanOrEqual(seconds * FPS * 0.9);
    expect(longestStall(b.progress), b.errors().join('\n')).toBeLessThan(3000);
    // And a fresh player on A works now.
    expect(await probeFrames(lab.prefix(lab.viewer), urlA, 2)).toBeGreaterThan(0);
  });

  it("the viewer's link stays down past QUIC's idle timeout: the connection dies, the viewer redials by itself for the next player", async () => {
    await until('the viewer to be connected', () => probeFrames(lab.prefix(lab.viewer), urlA, 1).then((n) => n > 0), 20_000);
    const logStart = viewerA.stderr().length;
    const log = (): string => viewerA.stderr().slice(logStart);
    lab.setViewerLink(false);
    const downAt = Date.now();
    try {
      // iroh gives up on a silent path after about 30 s.
      const closedAfter = await until('the viewer to notice the connection is gone', () => /connection to the host closed/.test(log()), 60_000);
      // A player starts while the host is still unreachable: the viewer keeps dialling.
      const player = probeFrames(lab.prefix(lab.viewer), urlA, 2);
      await sleep(3000);
      lab.setViewerLink(true);
      const upAt = Date.now();
      const frames = await player;
      process.stdout.write(
        `link down ${Math.round((upAt - downAt) / 1000)} s: connection closed after ${closedAfter} ms; a player started while down decoded ${frames} frames, done ${Date.now() - upAt} ms after the link came back; viewer log: ${log().trim().replace(/\n/g, ' | ')}\n`,
      );
      expect(frames, log()).toBeGreaterThan(0);
      expect(log()).toMatch(/reconnected to the host/);
    } finally {
      lab.setViewerLink(true);
    }
  });

  it('gst-launch killed -9 mid-stream: viewers see the end, the host reports it, the next player gets a stream within seconds', async () => {
    const a = startDecoder(urlA, 60, lab.prefix(lab.viewer));
    decoders.push(a);
    await until('decoding', () => a.frames() > FPS, 20_000);
    const gst = await childPids(host.child.pid!);
    expect(gst.length, 'gst-launch child of the host').toBeGreaterThan(0);
    for (const pid of gst) process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();

    await Promise.race([a.exited, sleep(15_000)]);
    const endedAfter = Date.now() - killedAt;
    expect(a.child.exitCode !== null || a.child.signalCode !== null, 'the player saw the stream end').toBe(true);
    await until('the host to report it', () => /capture ended/.test(host.stderr()), 5000);

    // The next player connection starts a new capture.
    const restartAt = Date.now();
    const frames = await probeFrames(lab.prefix(lab.viewer), urlA, 2);
    const restartMs = Date.now() - restartAt;
    process.stdout.write(
      `gst kill -9: player ended ${endedAfter} ms later; host: "${/.*capture ended.*/.exec(host.stderr())?.[0]}"; next player decoded ${frames} frames, done ${restartMs} ms after it started\n`,
    );
    expect(frames).toBeGreaterThan(0);
    expect(restartMs).toBeLessThan(10_000);
    for (const pid of gst) expect(pidAlive(pid)).toBe(false);
  });
});

describe('signals: every child process ends on SIGINT, SIGTERM and SIGHUP', () => {
  requireTools('gst-launch-1.0', 'mpv');
  let mpvHome: string;
  beforeAll(async () => {
    // The viewer launches a real mpv (its own process group); headless here.
    mpvHome = await mkdtemp(join(tmpdir(), 'pixelpass-mpv-'));
    await writeFile(join(mpvHome, 'mpv.conf'), 'vo=null\nao=null\n');
  });
  afterAll(async () => {
    await stopAllCli();
    await rm(mpvHome, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s on host and viewer: gst-launch and mpv end, both exit cleanly', async (signal) => {
    const host = startCli(['host', '--source', 'test', '--test-size', '320x240', '--fps', String(FPS)]);
    const ticket = await host.firstLine;
    const viewer = startCli(['view', ticket, '--player', 'mpv'], { MPV_HOME: mpvHome });
    await viewer.firstLine;
    let gst: number[] = [];
    let players: number[] = [];
    await until(
      'gst-launch under the host and mpv under the viewer',
      async () => {
        gst = await childPids(host.child.pid!);
        players = await childPids(viewer.child.pid!);
        return gst.length > 0 && players.length > 0 && /joined/.test(host.stderr());
      },
      20_000,
    );
    const [v, h] = await Promise.all([viewer.stop(signal), host.stop(signal)]);
    expect(v, viewer.stderr()).toEqual({ code: 0, signal: null });
    expect(h, host.stderr()).toEqual({ code: 0, signal: null });
    await sleep(300);
    for (const pid of gst) expect(pidAlive(pid), `gst-launch ${pid} after ${signal}`).toBe(false);
    for (const pid of players) expect(pidAlive(pid), `mpv ${pid} after ${signal}`).toBe(false);
  });
});
