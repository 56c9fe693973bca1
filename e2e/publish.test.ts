import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analyzeArrivals, FrameRecorder, wallMs } from './helpers/frame-arrivals.js';
import { sleep, waitFor } from './helpers/live-decoder.js';
import { childPids, ffprobeCount, mpvDecode, pidAlive } from './helpers/media-probe.js';
import { fileSize, freePort, nginxRtmp, RTMP_MODULE, silentTcpServer, silentUdpSocket, srtReceiver, stopAllServers, type ServerProcess } from './helpers/media-servers.js';
import { runCli, startCli, stopAllCli, type RunningCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';

/*
 * `pixelpass host --publish`: the hub's stream to real media servers on
 * 127.0.0.1 — an SRT listener (ffmpeg, then srt-live-transmit), nginx with the
 * RTMP module writing HLS — next to P2P viewers that must never notice, and
 * servers that are unreachable or take a connection and do nothing.
 */

const FPS = 30;
const SIZE = '640x360';

let dir: string;
const recorders: FrameRecorder[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pixelpass-publish-'));
});
afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
  await stopAllCli();
  await stopAllServers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function host(publish: string[], extra: string[] = []): Promise<{ host: RunningCli; ticket: string }> {
  const args = ['host', '--source', 'test', '--test-size', SIZE, '--fps', String(FPS), '--max-viewers', '2', ...extra];
  for (const url of publish) args.push('--publish', url);
  const h = startCli(args);
  return { host: h, ticket: await h.firstLine };
}

/** A `pixelpass view --player none` with ffmpeg decoding its URL, every frame time-stamped. */
async function p2pViewer(ticket: string): Promise<FrameRecorder> {
  const v = startCli(['view', ticket, '--player', 'none']);
  const r = new FrameRecorder(await v.firstLine);
  recorders.push(r);
  return r;
}

/** srt-live-transmit as the SRT listener: records the bytes it receives, as they are, to `file`. */
function sltReceiver(port: number, file: string): ServerProcess & { close(): void } {
  const fd = openSync(file, 'w');
  const child = spawn('srt-live-transmit', ['-q', `srt://127.0.0.1:${port}?mode=listener`, 'file://con'], { stdio: ['ignore', fd, 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      closeSync(fd);
    },
    close: () => child.kill('SIGKILL'),
  };
}

/** The publish processes (ffmpeg) a host runs now. */
async function ffmpegChildren(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const c of await childPids(pid)) {
    try {
      if (readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'ffmpeg') out.push(c);
    } catch {
      /* gone */
    }
  }
  return out;
}

const lines = (text: string, re: RegExp): string[] => text.split('\n').filter((l) => re.test(l));

describe('publish over SRT', () => {
  requireTools('ffmpeg', 'ffprobe', 'srt-live-transmit');

  it('a listener gets the stream while two viewers watch; killed and restarted, publishing resumes and the viewers never notice', async () => {
    const port = await freePort('udp');
    const first = join(dir, 'srt-first.ts');
    const second = join(dir, 'srt-second.ts');
    const server1 = srtReceiver(port, first);
    const url = `srt://127.0.0.1:${port}?streamid=publish:cam:alice:SECRETPW&latency=120`;
    const { host: h, ticket } = await host([url]);
    const [a, b] = [await p2pViewer(ticket), await p2pViewer(ticket)];
    await Promise.all([a!.waitFrames(60, 30_000), b!.waitFrames(60, 30_000)]);
    await waitFor('the publish connected', () => /publish srt:\/\/127\.0\.0\.1:\d+ connected \(/.test(h.stderr()), 20_000);
    await waitFor('the listener recording', () => fileSize(first) > 300_000, 20_000);
    const publishers = await ffmpegChildren(h.child.pid!);
    expect(publishers).toHaveLength(1);

    // The server dies hard (no SRT shutdown): the publish notices by SRT's peer idle timeout (5 s), then retries.
    const killedAt = wallMs();
    await server1.stop('SIGKILL');
    await sleep(1000);
    const server2 = sltReceiver(port, second);
    const restartedAt = wallMs();
    await waitFor('the publish resuming on the restarted listener', () => fileSize(second) > 50_000, 20_000);
    const resumedAfterMs = wallMs() - restartedAt;
    await sleep(3000);
    const end = wallMs();
    // Read before the second listener stops: that ends the connection too.
    const err = h.stderr();
    await server2.stop('SIGINT');

    // What each listener got decodes: H.264 at the host's size, and AAC.
    for (const file of [first, second]) {
      const streams = await ffprobeCount(file, 60);
      const video = streams.find((s) => s.codec_type === 'video')!;
      expect(video, file).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      expect(Number(video.nb_read_frames), file).toBeGreaterThan(60);
      expect(streams.find((s) => s.codec_type === 'audio'), file).toMatchObject({ codec_name: 'aac' });
    }
    // The viewers across the whole outage: frames kept coming, no gap over a second.
    for (const r of [a!, b!]) {
      const seen = analyzeArrivals(r.frames, { from: killedAt - 2000, to: end, fps: FPS });
      expect(seen.stallMaxMs, JSON.stringify(seen.stalls)).toBeLessThan(1000);
      expect(seen.fps).toBeGreaterThan(FPS * 0.8);
      expect(r.exits).toEqual([]);
    }
    expect(lines(err, /publish srt:\/\/127\.0\.0\.1:\d+ lost: /)).toHaveLength(1);
    expect(err).toMatch(/publish srt:\/\/127\.0\.0\.1:\d+ connected again \(reconnect 1\)/);
    expect(err).not.toMatch(/disconnected|fell behind/);
    expect(err).not.toContain('SECRETPW');
    expect(err).not.toContain('alice');
    process.stderr.write(`publish over SRT: resumed ${Math.round(resumedAfterMs)} ms after the listener restarted (${Math.round(restartedAt - killedAt)} ms after the kill); load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
    expect(resumedAfterMs).toBeLessThan(12_000);

    // Stopping the host ends the publish process too.
    const live = await ffmpegChildren(h.child.pid!);
    expect((await h.stop('SIGINT')).code).toBe(0);
    for (const pid of live) expect(pidAlive(pid), `ffmpeg ${pid} outlived the host`).toBe(false);
  });
});

describe('publish over RTMP', () => {
  requireTools('nginx', 'ffprobe', 'mpv');

  it('nginx-rtmp takes the stream and writes HLS that ffprobe and mpv decode', async () => {
    expect(RTMP_MODULE, 'ngx_rtmp_module.so (Debian package libnginx-mod-rtmp)').toBeDefined();
    const nginx = await nginxRtmp(join(dir, 'nginx'));
    const { host: h } = await host([`rtmp://127.0.0.1:${nginx.port}/live/SECRETKEY`]);
    const playlist = join(nginx.hlsDir, 'SECRETKEY.m3u8');
    await waitFor('an HLS playlist with 3 segments', () => readdirSync(nginx.hlsDir).filter((f) => f.endsWith('.ts')).length >= 3 && fileSize(playlist) > 0, 30_000);
    const streams = await ffprobeCount(playlist, 3);
    const video = streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(video.nb_read_frames)).toBeGreaterThan(30);
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const mpv = await mpvDecode(playlist, 30);
    expect(mpv.output).toMatch(/VO: \[null\] 640x360/);
    expect(mpv.code).toBe(0);
    const err = h.stderr();
    expect(err).toMatch(/publish rtmp:\/\/127\.0\.0\.1:\d+\/live connected \(rtmp:\/\/127\.0\.0\.1:\d+\/live\/\*\*\*\)/);
    expect(err).not.toContain('SECRETKEY');
    // The host stopping finishes the stream: nginx sees the publisher leave.
    expect((await h.stop('SIGINT')).code).toBe(0);
    await waitFor('nginx seeing the stream end', () => /deleteStream/.test(readFileSync(join(nginx.hlsDir, '..', 'logs', 'error.log'), 'utf8')), 10_000);
    await nginx.stop('SIGQUIT');
  });
});

describe('publish: a server that stops reading', () => {
  requireTools('nginx', 'ffmpeg');

  it('nginx frozen mid-stream: the publish is bounded and dropped like a slow viewer, the viewer unaffected; thawed, it reconnects', async () => {
    const nginx = await nginxRtmp(join(dir, 'nginx-frozen'));
    const { host: h, ticket } = await host([`rtmp://127.0.0.1:${nginx.port}/live/frozen`]);
    const v = await p2pViewer(ticket);
    await v.waitFrames(30, 30_000);
    await waitFor('the publish connected', () => / connected \(rtmp:/.test(h.stderr()), 20_000);
    await sleep(2000);
    const frozenAt = wallMs();
    nginx.child.kill('SIGSTOP');
    // The socket buffers fill, then ffmpeg's input pipe, then the hub's bounded queue for the target.
    await waitFor('the hub dropping the publish', () => /publish rtmp:\/\/127\.0\.0\.1:\d+\/live lost: (too slow|not reading)/.test(h.stderr()), 90_000);
    const droppedAfterMs = wallMs() - frozenAt;
    const seen = analyzeArrivals(v.frames, { from: frozenAt, to: wallMs(), fps: FPS });
    expect(seen.stallMaxMs, JSON.stringify(seen.stalls)).toBeLessThan(1000);
    expect(seen.fps).toBeGreaterThan(FPS * 0.8);
    expect(h.stderr()).not.toMatch(/viewer \S+ (disconnected|fell behind)/);
    nginx.child.kill('SIGCONT');
    await waitFor('the publish back', () => /publish rtmp:\/\/127\.0\.0\.1:\d+\/live connected again/.test(h.stderr()), 60_000);
    process.stderr.write(`publish to a frozen nginx: dropped ${Math.round(droppedAfterMs)} ms after the freeze; ${lines(h.stderr(), /publish .* fell behind/).length} skips reported first\n`);
    expect((await h.stop('SIGINT')).code).toBe(0);
    await nginx.stop('SIGQUIT');
  });
});

describe('publish: bad input', () => {
  requireTools('ffmpeg');

  it.each([
    ['an unknown scheme', 'http://127.0.0.1/live/key', /^pixelpass: --publish: unknown scheme "http:\/\/"; use srt:\/\/host:port\?streamid=… or rtmp:\/\/host\/app\/stream-key$/],
    ['not a URL', 'just-a-streamkey', /^pixelpass: --publish: "just-a-streamkey" is not a URL/],
    ['SRT without a port', 'srt://127.0.0.1?passphrase=SECRETPASSPHRASE', /^pixelpass: --publish srt:\/\/127\.0\.0\.1\?passphrase=\*\*\*: an SRT URL needs a port/],
    ['RTMP without a stream key', 'rtmp://user:SECRETPW@127.0.0.1/live', /^pixelpass: --publish rtmp:\/\/\*\*\*@127\.0\.0\.1\/\*\*\*: an RTMP URL needs the application and the stream key/],
  ])('%s: exit 2, one line, no ticket, no credential shown', async (_name, url, message) => {
    const r = await runCli(['host', '--source', 'test', '--publish', url]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr).not.toMatch(/SECRET/);
  });

  it('unreachable servers: one clear line each, the host keeps serving its viewer, publishing keeps trying', async () => {
    const [udp, tcp] = [await freePort('udp'), await freePort('tcp')];
    const { host: h, ticket } = await host([`srt://127.0.0.1:${udp}?streamid=SECRETID`, `rtmp://127.0.0.1:${tcp}/live/SECRETKEY`]);
    const v = await p2pViewer(ticket);
    await v.waitFrames(30, 30_000);
    const from = wallMs();
    await waitFor('a status line with both targets retrying', () => /status: .*publish srt:.* retrying \(\d+ failed\).*publish rtmp:.* retrying \(\d+ failed\)/.test(h.stderr()), 30_000);
    await sleep(4000);
    const err = h.stderr();
    expect(lines(err, /publish srt:\/\/127\.0\.0\.1:\d+: cannot publish: /)).toEqual([
      expect.stringMatching(/no SRT listener answered, or it refused the stream \(stream id, passphrase\); trying again in 0\.5 s, with backoff \(viewers are not affected\)$/),
    ]);
    expect(lines(err, /publish rtmp:\/\/127\.0\.0\.1:\d+\/live: cannot publish: /)).toEqual([
      expect.stringMatching(/connection refused \(is the server running and listening there\?\); trying again in 0\.5 s/),
    ]);
    const seen = analyzeArrivals(v.frames, { from, to: wallMs(), fps: FPS });
    expect(seen.stallMaxMs, JSON.stringify(seen.stalls)).toBeLessThan(1000);
    expect(seen.fps).toBeGreaterThan(FPS * 0.8);
    expect(err).not.toMatch(/SECRET/);
    expect((await h.stop('SIGINT')).code).toBe(0);
  });

  it('servers that take the connection and never answer: given up and retried, the viewer unaffected', async () => {
    const tcp = await silentTcpServer();
    const udp = await silentUdpSocket();
    try {
      const { host: h, ticket } = await host([`rtmp://127.0.0.1:${tcp.port}/live/SECRETKEY`, `srt://127.0.0.1:${udp.port}?passphrase=SECRETPASSPHRASE`]);
      const v = await p2pViewer(ticket);
      await v.waitFrames(30, 30_000);
      const from = wallMs();
      // The RTMP attempt waits for a handshake that never comes: given up after 10 s, then a new connection.
      await waitFor('a second connection to the silent TCP server', () => tcp.connections() >= 2, 30_000);
      const err = h.stderr();
      expect(lines(err, /publish rtmp:.*cannot publish: the server did not accept the stream within 10 s/)).toHaveLength(1);
      // The SRT handshake is never answered.
      expect(udp.datagrams()).toBeGreaterThan(0);
      expect(lines(err, /publish srt:.*cannot publish: no SRT listener answered/)).toHaveLength(1);
      const seen = analyzeArrivals(v.frames, { from, to: wallMs(), fps: FPS });
      expect(seen.stallMaxMs, JSON.stringify(seen.stalls)).toBeLessThan(1000);
      expect(seen.fps).toBeGreaterThan(FPS * 0.8);
      expect(err).not.toMatch(/SECRET/);
      expect((await h.stop('SIGINT')).code).toBe(0);
    } finally {
      await tcp.close();
      await udp.close();
    }
  });
});
