import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childPids, ffprobeCount, pidAlive } from './helpers/media-probe.js';
import { runCli, startCli, stopAllCli, type RunningCli } from './helpers/pixelpass.js';
import { startPortalStack, stopAllPortalStacks, type BackendEvent, type BackendMode, type PortalStack } from './helpers/portal-stack.js';
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

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** The lines of `pixelpass doctor` on this stack, as a Wayland session sees it. */
async function doctorLines(stack: PortalStack): Promise<string[]> {
  const r = await runCli(['doctor'], { ...stack.env, XDG_SESSION_TYPE: 'wayland' }, 120_000);
  return `${r.stdout}\n${r.stderr}`.split('\n');
}

/**
 * One host run with the backend in `mode`: `captures` viewers one after the
 * other (each a capture: the host lingers 0.5 s), each probed for `seconds`.
 * Returns the video sizes seen, the host's stderr and the backend's events of
 * this run only.
 */
async function captureRuns(stack: PortalStack, mode: BackendMode, hostArgs: string[], captures = 1, seconds = 1) {
  const before = (await stack.events()).length;
  await stack.setMode(mode);
  const host = startCli(['host', '--source', 'wayland', '--no-audio', '--linger', '0.5', ...hostArgs], stack.env);
  try {
    const ticket = await host.firstLine;
    const sizes: Array<[number | undefined, number | undefined]> = [];
    for (let run = 1; run <= captures; run++) {
      const viewer = startCli(['view', ticket, '--player', 'none'], stack.env);
      const video = (await ffprobeCount(await viewer.firstLine, seconds)).find((st) => st.codec_type === 'video');
      sizes.push([video?.width, video?.height]);
      await viewer.stop();
      await waitFor(
        'capture to stop',
        () => (count(host.stderr(), 'capture stopped (no viewers left)') >= run ? true : undefined),
        () => host.stderr(),
      );
    }
    return { sizes, stderr: host.stderr(), events: (await stack.events()).slice(before) };
  } finally {
    await host.stop();
    await stack.setMode('ok');
  }
}

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
    // Cursor modes as GNOME offers them: hidden, embedded and metadata.
    stack = await startPortalStack({ width: WIDTH, height: HEIGHT, fps: FPS, cursorModes: 7 });
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
    // GNOME's modes (hidden, embedded, metadata): embedded is asked for, drawn by the compositor.
    expect(byEvent(events, 'select-sources')[0]?.options).toMatchObject({ types: 1, persist_mode: 2, cursor_mode: 2 });
    expect(host.stderr(), 'nothing to say about the pointer').not.toMatch(/pointer/);

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
  it('a portal answering with several streams (as KDE has): the last one is shared, said once', async () => {
    const r = await captureRuns(stack, 'multi', [], 2);
    // The backend puts a 320x240 stale stream first and the requested screen last.
    expect(r.sizes, r.stderr).toEqual([
      [WIDTH, HEIGHT],
      [WIDTH, HEIGHT],
    ]);
    expect(byEvent(r.events, 'select-sources').map((e) => e.options?.multiple)).toEqual([false, false]);
    expect(byEvent(r.events, 'started').map((e) => e.streams)).toEqual([2, 2]);
    expect(count(r.stderr, 'answered with 2 streams although pixelpass asked for one'), r.stderr).toBe(1);
    expect(r.stderr).toMatch(/sharing the last one\n/);
  });

  it("the portal's size is logical (a scale-2 output on xdpw 0.7.1+): the picture keeps PipeWire's pixels, --max-width still applies", async () => {
    const plain = await captureRuns(stack, 'logical-size', []);
    expect(plain.sizes, plain.stderr).toEqual([[WIDTH, HEIGHT]]);
    expect(plain.stderr).toMatch(/portal size 640x360/);
    // 1001 is above the portal's 640: a scaler driven by the portal's size would not
    // scale at all. It is odd too: the picture still comes out even (H.264 4:2:0).
    const limited = await captureRuns(stack, 'logical-size', ['--max-width', '1001']);
    expect(limited.sizes, limited.stderr).toEqual([[1000, 562]]);
  });

  it('the desktop does not let the choice be remembered (Start without restore token): no token, one line, the share goes on', async () => {
    const r = await captureRuns(stack, 'no-persist', ['--forget'], 2);
    expect(r.sizes, r.stderr).toEqual([
      [WIDTH, HEIGHT],
      [WIDTH, HEIGHT],
    ]);
    expect(byEvent(r.events, 'select-sources').map((e) => e.options?.persist_mode)).toEqual([2, 2]);
    expect(byEvent(r.events, 'start').map((e) => e.dialog), 'the dialog each time').toEqual([true, true]);
    expect(existsSync(tokenFile(stack)), 'no token kept').toBe(false);
    expect(count(r.stderr, 'did not let pixelpass remember the screen choice'), r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/error|failed/i);
  });

  it('the portal rejects persist_mode with an error: asked again without it, one line, later captures leave it out', async () => {
    const r = await captureRuns(stack, 'persist-error', ['--forget'], 2);
    expect(r.sizes, r.stderr).toEqual([
      [WIDTH, HEIGHT],
      [WIDTH, HEIGHT],
    ]);
    expect(byEvent(r.events, 'persist-rejected'), 'rejected once').toHaveLength(1);
    expect(byEvent(r.events, 'select-sources').map((e) => e.options?.persist_mode ?? 'none')).toEqual([2, 'none', 'none']);
    // The rejected session is closed by pixelpass, not left behind.
    const rejected = byEvent(r.events, 'persist-rejected')[0]!.session;
    expect(byEvent(r.events, 'session-closed').some((e) => e.session === rejected)).toBe(true);
    expect(existsSync(tokenFile(stack))).toBe(false);
    expect(count(r.stderr, 'rejected the request to remember the screen choice'), r.stderr).toBe(1);
  });

  it('Ctrl-C while the share dialog is open closes the request and the session at once; the host exits 0', async () => {
    await stack.setMode('hang');
    try {
      const host = startCli(['host', '--source', 'wayland', '--no-audio', '--forget'], stack.env);
      hosts.push(host);
      const ticket = await host.firstLine;
      const viewer = startCli(['view', ticket, '--player', 'none'], stack.env);
      const player = ffprobeCount(await viewer.firstLine, 2).catch((err: unknown) => err);
      // The dialog is up (Start reached the backend) and nobody answers it.
      const start = await waitFor(
        'the dialog to open',
        async () => byEvent(await stack.events(), 'start').find((e) => e.mode === 'hang'),
        async () => `${host.stderr()}\n${await stack.logs()}`,
      );
      await sleep(500);
      const children = await childPids(host.child.pid!);
      const sentAt = Date.now();
      host.child.kill('SIGINT');
      const exit = await host.exited;
      const exitMs = Date.now() - sentAt;
      const events = await stack.events();
      const closedRequest = byEvent(events, 'request-closed').find((e) => e.t >= sentAt);
      const closedSession = byEvent(events, 'session-closed').find((e) => e.session === start.session);
      console.info(
        `wayland: SIGINT with the dialog open: request closed after ${closedRequest ? closedRequest.t - sentAt : '-'} ms, session after ${
          closedSession ? closedSession.t - sentAt : '-'
        } ms, host exited after ${exitMs} ms`,
      );
      expect(exit, host.stderr()).toEqual({ code: 0, signal: null });
      expect(exitMs, 'promptly, not after a timeout').toBeLessThan(2000);
      expect(closedRequest, 'the backend saw Request.Close').toBeDefined();
      expect(closedRequest!.t - sentAt).toBeLessThan(1000);
      expect(closedSession, 'the backend saw Session.Close').toBeDefined();
      expect(closedSession!.t - sentAt).toBeLessThan(1000);
      expect(byEvent(events, 'dialog-closed').some((e) => e.session === start.session), 'the dialog went away').toBe(true);
      expect(children.filter(pidAlive), 'nothing the host started is left').toEqual([]);
      expect(host.stderr(), 'no stack trace').not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
      await viewer.stop();
      await player;
    } finally {
      await stack.setMode('ok');
    }
  });

  it('doctor names the ScreenCast backend for this desktop, says it offers windows and remembers the choice', async () => {
    const lines = await doctorLines(stack);
    expect(lines, lines.join('\n')).toContain('✓ ScreenCast backend for pixelpass (pixelpass: its UseIn lists pixelpass)');
    expect(lines).toContain('✓ screen-cast portal (ScreenCast v4: monitors and windows; remembers the choice)');
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

describe('wayland capture where the portal offers the pointer only as metadata', () => {
  it('asks for no cursor mode, says once that the pointer will not be seen, and shares', async () => {
    // hidden | metadata: pipewiresrc does not draw SPA_META_Cursor, so embedded is the only way to see it.
    const stack = await startPortalStack({ width: 640, height: 360, cursorModes: 1 | 4 });
    try {
      const r = await captureRuns(stack, 'ok', ['--cursor', 'shown']);
      expect(r.sizes, r.stderr).toEqual([[640, 360]]);
      const selects = byEvent(r.events, 'select-sources');
      expect(selects.map((e) => e.options?.cursor_mode ?? 'unset'), 'metadata is not asked for').toEqual(['unset']);
      expect(count(r.stderr, 'the pointer will not be in the picture'), r.stderr).toBe(1);
      expect(r.stderr).toMatch(/only as PipeWire metadata, which pixelpass \(pipewiresrc\) does not draw \(it offers: hidden, metadata\)/);
    } finally {
      await stack.stop();
    }
  });
});

describe('wayland capture through an old portal without restore tokens (ScreenCast v3)', () => {
  it('shows the dialog for every capture, keeps no token, says so once; doctor says it asks every time', async () => {
    const stack = await startPortalStack({ width: 640, height: 360, frontendVersion: 3 });
    try {
      const r = await captureRuns(stack, 'ok', [], 2);
      expect(r.sizes, `${r.stderr}\n${await stack.logs()}`).toEqual([
        [640, 360],
        [640, 360],
      ]);
      const selects = byEvent(r.events, 'select-sources');
      expect(selects).toHaveLength(2);
      for (const e of selects) expect(e.options, 'no persist_mode, no restore_token before version 4').not.toHaveProperty('persist_mode');
      for (const e of selects) expect(e.options).not.toHaveProperty('restore_token');
      expect(byEvent(r.events, 'start').map((e) => e.dialog)).toEqual([true, true]);
      expect(byEvent(r.events, 'open-pipewire-remote').length + (r.stderr.includes('direct PipeWire connection') ? 2 : 0)).toBe(2);
      expect(existsSync(join(stack.env.XDG_STATE_HOME!, 'pixelpass')), 'no token directory at all').toBe(false);
      expect(r.stderr).toMatch(/sharing a monitor chosen in the desktop's share dialog \(ScreenCast portal version 3, asks every time\)/);
      expect(count(r.stderr, 'cannot remember the screen choice: the share dialog comes up for every capture'), r.stderr).toBe(1);
      const lines = await doctorLines(stack);
      expect(lines, lines.join('\n')).toContain('✓ screen-cast portal (ScreenCast v3: monitors and windows; asks every time (no restore tokens before version 4))');
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
