import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeCount } from './helpers/media-probe.js';
import { CLI, runCli, startCli, stopAllCli, TEST_ENV } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';
import { killAllTerminals, processesOf, startTerminal, type TmuxTerminal } from './helpers/tmux.js';
import { startPortalStack, stopAllPortalStacks } from './helpers/portal-stack.js';
import { startXvfb, stopAllXvfb, type XvfbServer } from './helpers/xvfb.js';

const TICKET = /pixelpass1[a-z0-9]{60,}/;
const URL_RE = /http:\/\/127\.0\.0\.1:\d+\/[a-z2-7]+\/stream\.ts/;

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function gstHas(element: string): boolean {
  // --atleast-version=0.0.0: plain --exists also demands the plugin be versioned like GStreamer (pipewiresrc is not).
  return spawnSync('gst-inspect-1.0', ['--exists', '--atleast-version=0.0.0', element]).status === 0;
}

describe('the CLI as a person uses it: menu in a terminal, clipboard, doctor, installed package', () => {
  requireTools('tmux', 'Xvfb', 'xclip', 'xprop', 'xwininfo', 'gst-launch-1.0', 'gst-inspect-1.0', 'ffprobe', 'mpv', 'npm');
  let xvfb: XvfbServer;
  let configHome: string;
  /** What a desktop terminal has: an X display, no Wayland, our private config dir. */
  let desktopEnv: Record<string, string | undefined>;

  beforeAll(async () => {
    xvfb = await startXvfb({ width: 640, height: 480 });
    configHome = mkdtempSync(join(tmpdir(), 'pixelpass-config-'));
    desktopEnv = {
      ...TEST_ENV,
      DISPLAY: xvfb.display,
      WAYLAND_DISPLAY: undefined,
      XDG_SESSION_TYPE: undefined,
      XDG_CONFIG_HOME: configHome,
      TERM: 'xterm-256color',
    };
  });
  afterEach(async () => {
    await killAllTerminals();
    await stopAllCli();
  });
  afterAll(async () => {
    await stopAllPortalStacks();
    await stopAllXvfb();
    rmSync(configHome, { recursive: true, force: true });
  });

  async function menu(): Promise<TmuxTerminal> {
    const t = await startTerminal([process.execPath, CLI], desktopEnv);
    await t.waitFor(/what do you want to do\?/);
    return t;
  }

  it('Host → Test pattern → No sound shows a ticket, puts it on the X clipboard, and the ticket works', async () => {
    const t = await menu();
    await t.choose('Host');
    await t.waitFor(/What do you want to share\?/);
    expect(await t.screen()).toMatch(/Whole screen \(X11\)/); // DISPLAY set: X11 offered
    await t.choose('Test pattern');
    await t.waitFor(/Which sound\?/);
    await t.choose('No sound');
    await t.waitFor(/Who will watch\?/);
    await t.choose('Only this machine or my local network (relays off)');
    const [ticket] = await t.waitFor(TICKET, 30_000);
    await t.waitFor(/ticket copied to the clipboard \(xclip\)/);

    const clip = execFileSync('xclip', ['-o', '-selection', 'clipboard'], { env: { ...process.env, DISPLAY: xvfb.display }, encoding: 'utf8', timeout: 5000 });
    expect(clip).toBe(ticket);

    // The ticket on screen is a working one: a headless viewer decodes the test pattern.
    const viewer = startCli(['view', ticket!, '--player', 'none']);
    const streams = await ffprobeCount(await viewer.firstLine, 2);
    expect(Number(streams.find((s) => s.codec_type === 'video')?.nb_read_frames)).toBeGreaterThan(10);
    await viewer.stop();

    // Ctrl-C ends hosting cleanly and gives the clipboard tool back.
    await t.send(['C-c']);
    await t.waitFor(/EXITED:0/, 15_000);
    expect(processesOf(/xclip -quiet -selection clipboard/)).toEqual([]);
  });

  it('Host → One window: a title that matches no window is said on enter, under the prompt; Ctrl-C leaves with exit 0', async () => {
    const t = await menu();
    await t.choose('Host');
    await t.waitFor(/What do you want to share\?/);
    await t.choose('One window (X11)…');
    await t.waitFor(/Part of the window title:/);
    await t.send(['no such window here'], true);
    await t.send(['Enter']);
    await t.waitFor(/no shown window named "no such window here" on X display/);
    expect(await t.screen()).toMatch(/Part of the window title:/); // still asking, not exited
    await t.send(['C-c']);
    await t.waitFor(/EXITED:0/, 10_000);
  });

  it('View → a bad ticket is refused on enter → pasted ticket → No player: the URL plays and live status shows', async () => {
    const host = startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio']);
    const ticket = await host.firstLine;

    const t = await menu();
    await t.choose('View');
    await t.waitFor(/Paste the ticket/);
    await t.send(['hello'], true);
    await t.send(['Enter']);
    await t.waitFor(/not a pixelpass ticket/);
    await t.send(Array(5).fill('BSpace'));
    await t.send([ticket], true);
    await t.send(['Enter']);
    await t.waitFor(/Watch with:/);
    expect(await t.screen()).toMatch(/mpv/);
    await t.choose('No player');
    const [url] = await t.waitFor(URL_RE, 30_000);

    const streams = await ffprobeCount(url!, 2);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    // The status line is redrawn in place: connected, path, RTT, bytes received.
    await t.waitFor(/● connected · direct path · RTT (\d+ ms|—) · [\d.]+ (kB|MB) received/, 10_000);

    expect(JSON.parse(readFileSync(join(configHome, 'pixelpass', 'config.json'), 'utf8'))).toEqual({ lastPlayer: 'none' });

    await t.send(['C-c']);
    await t.waitFor(/EXITED:0/, 15_000);
    // The status line was cleared, not left half-drawn before the exit marker.
    expect((await t.screen()).split('\n').find((l) => l.includes('EXITED'))).toBe('EXITED:0');
    await host.stop();
  });

  it('View with mpv: the player opens a window titled for pixelpass, and is remembered next time', async () => {
    const host = startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio']);
    const ticket = await host.firstLine;

    const t = await menu();
    await t.choose('View');
    await t.waitFor(/Paste the ticket/);
    await t.send([ticket], true);
    await t.send(['Enter']);
    await t.waitFor(/Watch with:/);
    await t.choose('mpv');
    await t.waitFor(/mpv started/, 30_000);
    const [, hostId] = await t.waitFor(/connected to host (\S+)/);

    // mpv (vo x11 on Xvfb) puts the title in WM_NAME; other outputs use _NET_WM_NAME.
    const titles = async (): Promise<string> => {
      const tree = await xvfb.x('xwininfo', ['-root', '-tree']).catch(() => '');
      const ids = [...tree.matchAll(/^\s+(0x[0-9a-f]+) /gm)].map((m) => m[1]!);
      const names = await Promise.all(ids.map((id) => xvfb.x('xprop', ['-id', id, 'WM_NAME', '_NET_WM_NAME']).catch(() => '')));
      return names.join('\n');
    };
    const deadline = Date.now() + 20_000;
    let names = '';
    while (!/NAME\(\w+\) = "pixelpass /.test(names) && Date.now() < deadline) {
      names = await titles();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(names).toMatch(/NAME\(\w+\) = "pixelpass /);
    expect(JSON.parse(readFileSync(join(configHome, 'pixelpass', 'config.json'), 'utf8'))).toEqual({ lastPlayer: 'mpv' });

    await t.send(['C-c']);
    await t.waitFor(/EXITED:0/, 15_000);
    expect(processesOf(new RegExp(`\\bmpv\\b.*--force-media-title=pixelpass — ${hostId}`))).toEqual([]);
    await host.stop();

    // Next time the remembered player is offered first.
    const again = await menu();
    await again.choose('View');
    await again.waitFor(/Paste the ticket/);
    await again.send([ticket], true);
    await again.send(['Enter']);
    await again.waitFor(/❯ mpv/);
  });

  it('`pixelpass <ticket>` without a terminal views headless', async () => {
    const host = startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio']);
    const ticket = await host.firstLine;
    const viewer = startCli([ticket, '--player', 'none']);
    expect(await viewer.firstLine).toMatch(URL_RE);
    await viewer.stop();
    await host.stop();
  });

  describe('doctor', () => {
    /** Checks one line against what is really on this machine. */
    function expectLine(lines: string[], label: RegExp, ok: boolean | 'neutral'): string {
      const line = lines.find((l) => label.test(l.slice(2)));
      expect(line, `no line for ${label} in:\n${lines.join('\n')}`).toBeDefined();
      const mark = ok === 'neutral' ? '–' : ok ? '✓' : '✗';
      expect(line!.slice(0, 1), line).toBe(mark);
      return line!;
    }

    it('says ✓/✗ per check exactly as this machine is, and exits 0 when hosting and viewing work', async () => {
      const r = await runCli(['doctor'], { DISPLAY: xvfb.display, WAYLAND_DISPLAY: '' }, 60_000);
      const lines = r.stdout.trimEnd().split('\n');

      const gst = expectLine(lines, /^gst-launch-1.0/, has('gst-launch-1.0'));
      const version = /GStreamer ([\d.]+)/.exec(execFileSync('gst-launch-1.0', ['--version'], { encoding: 'utf8' }))![1];
      expect(gst).toContain(`GStreamer ${version}`);
      const elements = lines.filter((l) => l.includes('GStreamer element'));
      expect(elements.length).toBeGreaterThanOrEqual(10);
      for (const l of elements) {
        const name = /GStreamer element (\S+)/.exec(l)![1]!;
        expect(l.slice(0, 1), l).toBe(gstHas(name) ? '✓' : '✗');
      }
      expectLine(lines, /^GStreamer element ximagesrc/, gstHas('ximagesrc'));
      expectLine(lines, /^encoder x264/, gstHas('x264enc'));
      // No VA device and no NVIDIA driver here: shown as not needed, since x264 works.
      const renderNodes = existsSync('/dev/dri') ? readdirSync('/dev/dri').filter((n) => n.startsWith('renderD')) : [];
      if (!renderNodes.length && lines.some((l) => l.includes('encoder vaapi'))) expectLine(lines, /^encoder vaapi/, 'neutral');
      if (!existsSync('/proc/driver/nvidia/version') && lines.some((l) => l.includes('encoder nvenc'))) expectLine(lines, /^encoder nvenc/, 'neutral');
      expectLine(lines, new RegExp(`^X server on ${xvfb.display}`), true);
      const pactl = spawnSync('pactl', ['info'], { timeout: 5000 }).status === 0;
      expectLine(lines, /^sound server/, pactl);
      expectLine(lines, /^mpv/, has('mpv'));
      expectLine(lines, /^VLC \(/, has('vlc'));
      const pluginDir = '/usr/lib/x86_64-linux-gnu/vlc/plugins';
      const plugins = existsSync(`${pluginDir}/demux/libts_plugin.so`) && existsSync(`${pluginDir}/codec/libavcodec_plugin.so`);
      if (has('vlc')) expectLine(lines, /^VLC plugins/, plugins);
      expectLine(lines, /^clipboard tool \(xclip\)/, has('xclip'));
      expectLine(lines, /^iroh endpoint binds/, true);
      // The tests' environment has PIXELPASS_RELAY=off, and doctor checks the relays as they would be used.
      expect(lines).toContain('– relays off: direct connections only');

      expect(lines.at(-1)).toBe('hosting: ready · viewing: ready');
      expect(r.code).toBe(0);
    });

    it('in a Wayland session checks PipeWire and the screen-cast portal, and fails naming the portal when it is absent', async () => {
      for (const noPortal of [false, true]) {
        const stack = await startPortalStack({ noPortal });
        try {
          const r = await runCli(['doctor'], { ...stack.env, WAYLAND_DISPLAY: 'wayland-pixelpass-test', DISPLAY: '' }, 60_000);
          const lines = r.stdout.trimEnd().split('\n');
          expectLine(lines, /^PipeWire/, true);
          expectLine(lines, /^GStreamer element pipewiresrc/, gstHas('pipewiresrc'));
          expect(lines.some((l) => l.includes('X server'))).toBe(false);
          const portal = expectLine(lines, /^screen-cast portal/, !noPortal);
          if (noPortal) {
            expect(portal).toMatch(/— install xdg-desktop-portal and the portal backend for your desktop/);
            expect(lines.at(-1)).toBe('hosting: NOT ready · viewing: ready');
            expect(r.code).toBe(1);
          } else {
            expect(portal).toMatch(/\(ScreenCast v\d+: /);
            expect(r.code).toBe(0);
          }
        } finally {
          await stack.stop();
        }
      }
    });

    it('names the package for each ✗ and exits 1 when no player is installed', async () => {
      // A PATH with GStreamer and the sound tools but neither mpv nor VLC.
      const bin = mkdtempSync(join(tmpdir(), 'pixelpass-path-'));
      try {
        for (const tool of ['gst-launch-1.0', 'gst-inspect-1.0', 'pactl', 'xclip', 'dbus-send']) {
          const path = execFileSync('sh', ['-c', `command -v ${tool} || true`], { encoding: 'utf8' }).trim();
          if (path) symlinkSync(path, join(bin, tool));
        }
        const r = await runCli(['doctor'], { PATH: bin, DISPLAY: xvfb.display, WAYLAND_DISPLAY: '' }, 60_000);
        const lines = r.stdout.trimEnd().split('\n');
        expect(expectLine(lines, /^mpv/, false)).toBe('✗ mpv — install mpv');
        expect(expectLine(lines, /^VLC/, false)).toBe('✗ VLC — install vlc');
        expect(lines.at(-1)).toBe('hosting: ready · viewing: NOT ready');
        expect(r.stderr).toMatch(/^pixelpass: not ready: install what the ✗ lines name/m);
        expect(r.code).toBe(1);
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    });
  });

});
