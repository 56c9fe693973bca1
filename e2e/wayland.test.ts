import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeCount } from './helpers/media-probe.js';
import { runCli, startCli, stopAllCli, type RunningCli } from './helpers/pixelpass.js';
import { startPortalStack, stopAllPortalStacks, type BackendEvent, type PortalStack } from './helpers/portal-stack.js';
import { requireTools } from './helpers/require-tools.js';

/**
 * Wayland capture through the real xdg-desktop-portal frontend (routed to the
 * test ScreenCast backend in e2e/fixtures/portal-backend) and a real PipeWire,
 * all on a private session bus started by scripts/portal-stack.sh.
 */

const PORTAL = '/usr/libexec/xdg-desktop-portal';
const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  detail: () => string | Promise<string> = () => '',
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${await detail()}`);
    await sleep(100);
  }
}

/**
 * Frames that really differ, per second of stream: the test screen's ball moves
 * every frame, so duplicates made by videorate from a starved capture (the
 * "1 fps" failure) are dropped by mpdecimate and show up here.
 */
function distinctFramesPerSecond(url: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-v', 'error', '-i', url, '-t', String(seconds), '-vf', 'mpdecimate', '-fps_mode', 'passthrough', '-f', 'framemd5', '-'],
      { timeout: (seconds + 30) * 1000, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffmpeg failed: ${err.message} ${stderr}`));
        resolve(stdout.split('\n').filter((l) => l && !l.startsWith('#')).length / seconds);
      },
    );
  });
}

function expectOneCleanLine(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr, 'no stack trace').not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(stderr).not.toMatch(/unexpected error/);
}

const tokenFile = (stack: PortalStack) => join(stack.env.XDG_STATE_HOME!, 'pixelpass', 'screencast-monitor-cursor-embedded.token');

const byEvent = (events: BackendEvent[], event: BackendEvent['event']) => events.filter((e) => e.event === event);

beforeAll(() => {
  requireTools('gst-launch-1.0', 'gst-inspect-1.0', 'ffprobe', 'ffmpeg', 'dbus-daemon', 'dbus-send', 'pipewire', 'wireplumber', 'pw-dump', 'pw-cli');
  if (!existsSync(PORTAL)) throw new Error(`missing system component: ${PORTAL} (Debian package xdg-desktop-portal)`);
});

afterAll(async () => {
  await stopAllCli();
  await stopAllPortalStacks();
});

describe('wayland capture through xdg-desktop-portal', () => {
  let stack: PortalStack;
  const hosts: RunningCli[] = [];

  beforeAll(async () => {
    stack = await startPortalStack({ width: WIDTH, height: HEIGHT, fps: FPS });
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('streams the portal screen, and a second capture session reuses the restore token without a dialog', async () => {
    const host = startCli(['host', '--source', 'wayland', '--no-audio', '--linger', '1'], stack.env);
    hosts.push(host);
    const ticket = await host.firstLine;

    // First viewer: the share dialog is "shown" (no token yet).
    const viewer1 = startCli(['view', ticket, '--player', 'none'], stack.env);
    const url1 = await viewer1.firstLine;
    const streams = await ffprobeCount(url1, 4);
    const video = streams.find((s) => s.codec_type === 'video');
    expect(video, `no video stream; host said:\n${host.stderr()}\n${await stack.logs()}`).toBeDefined();
    expect([video!.width, video!.height]).toEqual([WIDTH, HEIGHT]);
    expect(Number(video!.nb_read_frames)).toBeGreaterThanOrEqual(60);
    const fps = await distinctFramesPerSecond(url1, 3);
    console.info(`wayland: ${video!.nb_read_frames} frames in 4 s of stream, ${fps.toFixed(1)} distinct frames/s (screen: ${FPS})`);
    expect(fps, 'distinct frames per second: the capture runs at the screen rate').toBeGreaterThanOrEqual(FPS * 0.5);

    let events = await stack.events();
    expect(byEvent(events, 'start').map((e) => e.dialog)).toEqual([true]);
    expect(byEvent(events, 'select-sources')[0]?.options).toMatchObject({ types: 1, persist_mode: 2, cursor_mode: 2 });

    // The token is kept per source choice, readable by its owner only.
    const tokenDir = join(stack.env.XDG_STATE_HOME!, 'pixelpass');
    const tokenFiles = (await readdir(tokenDir)).filter((f) => f.endsWith('.token'));
    expect(tokenFiles).toEqual(['screencast-monitor-cursor-embedded.token']);
    expect((await stat(join(tokenDir, tokenFiles[0]!))).mode & 0o777).toBe(0o600);

    // Viewer leaves; past the linger the host stops capture and closes the portal session.
    await viewer1.stop();
    await waitFor('the portal session to be closed by the host', async () =>
      byEvent(await stack.events(), 'session-closed').some((e) => e.by === 'client'),
      () => host.stderr(),
    );

    // Second viewer: capture restarts with the restore token; no dialog.
    const viewer2 = startCli(['view', ticket, '--player', 'none'], stack.env);
    const url2 = await viewer2.firstLine;
    const again = (await ffprobeCount(url2, 3)).find((s) => s.codec_type === 'video');
    expect([again?.width, again?.height]).toEqual([WIDTH, HEIGHT]);
    expect(Number(again?.nb_read_frames)).toBeGreaterThanOrEqual(60);
    events = await stack.events();
    const selects = byEvent(events, 'select-sources');
    expect(selects).toHaveLength(2);
    expect(selects[1]!.restoreDataPresented, 'the backend saw the restore token').toBe(true);
    expect(byEvent(events, 'start').map((e) => e.dialog)).toEqual([true, false]);
    expect(host.stderr()).toMatch(/restored without dialog/);

    // The desktop ends the share (e.g. the user clicks "stop sharing"): the host says so and goes on.
    await stack.closeSessionsFromDesktop();
    await waitFor('the host to report the closed session', () =>
      /the desktop closed the screen-cast session/.test(host.stderr()) ? true : undefined,
      () => host.stderr(),
    );
    expect(host.child.exitCode).toBeNull();
    await viewer2.stop();
  });

  it('a cancelled share dialog is reported in one line and the host waits for the next viewer', async () => {
    await stack.setMode('cancel');
    try {
      // --forget: the remembered choice is dropped, so the dialog comes up (and is cancelled).
      const host = startCli(['host', '--source', 'wayland', '--no-audio', '--forget'], stack.env);
      hosts.push(host);
      const ticket = await host.firstLine;
      const viewer = startCli(['view', ticket, '--player', 'none'], stack.env);
      // Capture starts when a player opens the stream; the stream then ends without video.
      const player = ffprobeCount(await viewer.firstLine, 2).catch((err: unknown) => err);
      await waitFor(
        'the host to report the cancelled dialog',
        () => (/cancelled the screen-share dialog/.test(host.stderr()) ? true : undefined),
        async () => `host:\n${host.stderr()}\nviewer:\n${viewer.stderr()}\nbackend:\n${JSON.stringify(await stack.events())}`,
      );
      expectOneCleanLine(host.stderr(), /you cancelled the screen-share dialog/);
      await sleep(500);
      expect(host.child.exitCode, 'the host keeps waiting for viewers').toBeNull();
      const events = await stack.events();
      expect(byEvent(events, 'select-sources').at(-1)?.restoreDataPresented, '--forget presents no token').toBe(false);
      expect(byEvent(events, 'start').at(-1)).toMatchObject({ dialog: true, mode: 'cancel' });
      expect(existsSync(tokenFile(stack)), 'no token is kept after --forget and a cancelled dialog').toBe(false);
      await viewer.stop();
      await player;
    } finally {
      await stack.setMode('ok');
    }
  });
});

describe('wayland capture with a stale restore token', () => {
  it('falls back to the dialog and keeps the new token', async () => {
    const stack = await startPortalStack({ width: 640, height: 360 });
    try {
      const stale = '0b0e8a52-3c1f-4d6e-9a7b-5c4d3e2f1a09';
      await mkdir(join(stack.env.XDG_STATE_HOME!, 'pixelpass'), { recursive: true });
      await writeFile(tokenFile(stack), `${stale}\n`, { mode: 0o600 });
      const host = startCli(['host', '--source', 'wayland', '--no-audio'], stack.env);
      const viewer = startCli(['view', await host.firstLine, '--player', 'none'], stack.env);
      const video = (await ffprobeCount(await viewer.firstLine, 2)).find((s) => s.codec_type === 'video');
      expect([video?.width, video?.height]).toEqual([640, 360]);
      const events = await stack.events();
      expect(byEvent(events, 'select-sources')[0]?.restoreDataPresented, 'the portal knows no such token').toBe(false);
      expect(byEvent(events, 'start').map((e) => e.dialog)).toEqual([true]);
      const kept = (await readFile(tokenFile(stack), 'utf8')).trim();
      expect(kept).toMatch(/^[0-9a-f-]{36}$/);
      expect(kept).not.toBe(stale);
      await Promise.all([viewer.stop(), host.stop()]);
    } finally {
      await stack.stop();
    }
  });
});

describe('wayland capture without a portal', () => {
  it('fails at once with a clear error when no portal is on the session bus', async () => {
    const bare = await startPortalStack({ noPortal: true });
    try {
      const r = await runCli(['host', '--source', 'wayland', '--no-audio'], bare.env, 30_000);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expectOneCleanLine(r.stderr, /no desktop portal on the session bus.*install xdg-desktop-portal/);
    } finally {
      await bare.stop();
    }
  });

  it('fails with a clear error outside a desktop session (no session bus)', async () => {
    const r = await runCli(['host', '--source', 'wayland', '--no-audio'], { DBUS_SESSION_BUS_ADDRESS: '', XDG_RUNTIME_DIR: '/nonexistent' }, 30_000);
    expect(r.code).toBe(1);
    expectOneCleanLine(r.stderr, /no D-Bus session bus/);
  });
});
