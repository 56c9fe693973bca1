import { hostname } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids, ffprobeCount, mpvDecode, pidAlive } from './helpers/media-probe.js';
import { hostAndViewer, runCli, stopAllCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';

describe('foundation: test source → H.264/AAC MPEG-TS → iroh → localhost HTTP → real players', () => {
  requireTools('gst-launch-1.0', 'ffprobe', 'mpv');
  afterAll(stopAllCli);

  it('ffprobe and mpv decode the stream, and a restarted player gets it again on the same URL', async () => {
    const { host, viewer, ticket, url } = await hostAndViewer(['--test-size', '640x360']);
    expect(ticket).toMatch(/^pixelpass1[a-z0-9]+$/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[a-z2-7]+\/stream\.ts$/);

    const streams = await ffprobeCount(url, 4);
    const video = streams.find((s) => s.codec_type === 'video');
    const audio = streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(video?.nb_read_frames)).toBeGreaterThanOrEqual(60);
    expect(audio).toMatchObject({ codec_name: 'aac', channels: 2 });
    expect(Number(audio?.nb_read_frames)).toBeGreaterThan(50);

    // The player restarts against the same URL (the original tool refused this).
    const mpv = await mpvDecode(url, 60);
    expect(mpv.output).toMatch(/VO: \[null\] 640x360/);
    expect(mpv.code).toBe(0);

    expect(host.stderr()).toMatch(/viewer .* joined/);
    // The viewer asked the host who it is (for the player's title).
    expect(viewer.stderr()).toContain(`watching ${hostname()}`);
    await viewer.stop();
    await host.stop();
  });

  it('a wrong path on the local URL gets 404, not the stream', async () => {
    const { url } = await hostAndViewer(['--test-size', '320x240', '--no-audio']);
    const res = await fetch(url.replace(/\/[a-z2-7]+\/stream\.ts$/, '/stream.ts'));
    expect(res.status).toBe(404);
    await stopAllCli();
  });

  it.each([
    ['garbage', 'notaticket', /not a pixelpass ticket/],
    ['truncated', 'pixelpass1abcdef', /truncated/],
    ['bad characters', 'pixelpass1abc!def', /invalid character/],
    ['future version', 'pixelpass9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaendpointaaaa', /version 9 is not supported/],
    ['damaged address', `pixelpass1${'a'.repeat(32)}endpointzzzz`, /damaged/],
  ])('a malformed ticket (%s) exits 2 with one line', async (_name, ticket, message) => {
    const r = await runCli(['view', ticket, '--player', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('bad flags exit 2 with one line', async () => {
    const r = await runCli(['host', '--source', 'test', '--fps', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/--fps must be a whole number/);
    const u = await runCli(['host', '--bogus']);
    expect(u.code).toBe(2);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('after SIGTERM no child process of host or viewer remains', async () => {
    const { host, viewer, url } = await hostAndViewer(['--test-size', '320x240']);
    const streams = await ffprobeCount(url, 2);
    expect(streams.some((s) => s.codec_type === 'video')).toBe(true);
    // Keep a player attached so capture is running when the signal arrives.
    const player = mpvDecode(url, 100000);
    await new Promise((r) => setTimeout(r, 1500));
    const gst = await childPids(host.child.pid!);
    expect(gst.length).toBeGreaterThan(0);
    const r1 = await host.stop('SIGTERM');
    const r2 = await viewer.stop('SIGTERM');
    expect(r1.code).toBe(0);
    expect(r2.code).toBe(0);
    await player;
    for (const pid of gst) expect(pidAlive(pid), `gst-launch pid ${pid} still alive`).toBe(false);
  });
});
