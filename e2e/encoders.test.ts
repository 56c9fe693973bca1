import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeCount } from './helpers/media-probe.js';
import { hostAndViewer, runCli, stopAllCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';

/** Fails (never skips) when an encoder element this machine is expected to have is missing. */
function requireElements(...elements: Array<[string, string]>): void {
  for (const [element, pkg] of elements) {
    try {
      // --atleast-version=0.0.0: plain --exists also demands the plugin be versioned like GStreamer.
      execFileSync('gst-inspect-1.0', ['--exists', '--atleast-version=0.0.0', element], { stdio: 'ignore' });
    } catch {
      throw new Error(`missing GStreamer element ${element} (Debian package ${pkg})`);
    }
  }
}

/** What this machine has: the tests check the behaviour for either answer, never that a GPU is absent. */
const vaDevice = existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => /^renderD\d+$/.test(f));
const nvidiaDriver = existsSync('/proc/driver/nvidia/version');

describe('encoders: each encoder present here streams end to end; an unusable one is refused clearly', () => {
  requireTools('gst-launch-1.0', 'gst-inspect-1.0', 'ffprobe');
  requireElements(['x264enc', 'gstreamer1.0-plugins-ugly'], ['openh264enc', 'gstreamer1.0-plugins-bad']);

  let cacheHome = '';
  beforeAll(async () => {
    // A fresh probe cache: the test must see real probing, not an earlier run's answers.
    cacheHome = await mkdtemp(join(tmpdir(), 'pixelpass-e2e-encoders-'));
  });
  afterEach(stopAllCli);
  afterAll(async () => {
    await stopAllCli();
    await rm(cacheHome, { recursive: true, force: true });
  });

  it.each([
    // auto without a VA device or an NVIDIA driver lands on x264 and says why; with one, the GPU encoder (or why not).
    !vaDevice && !nvidiaDriver
      ? ['auto', 'x264', /^pixelpass: encoder: x264 \(x264enc, software\) — vaapi and nvenc cannot be used here; `pixelpass doctor` says why$/m]
      : ['auto', '', /^pixelpass: encoder: (vaapi|nvenc|x264) /m],
    ['openh264', 'openh264', /^pixelpass: encoder: openh264 \(openh264enc, software\)$/m],
  ] as Array<[string, string, RegExp]>)('--encoder %s → %s: ffprobe decodes ≥ 60 H.264 frames', async (requested, chosen, line) => {
    const { host, viewer, url } = await hostAndViewer(
      ['--encoder', requested, '--test-size', '640x360', '--no-audio'],
      { XDG_CACHE_HOME: cacheHome },
    );
    const streams = await ffprobeCount(url, 4);
    const video = streams.find((s) => s.codec_type === 'video');
    expect(video, `no video stream; host stderr: ${host.stderr()}`).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(video?.nb_read_frames)).toBeGreaterThanOrEqual(60);
    expect(host.stderr()).toMatch(line);
    // Said once, not per restart or per viewer.
    expect(host.stderr().match(/^pixelpass: encoder: /gm)).toHaveLength(1);
    if (chosen) expect(host.stderr()).toContain(`encoder: ${chosen} `);
    await viewer.stop();
    await host.stop();
  });

  it('the probe results are cached for this boot', async () => {
    const doc = JSON.parse(await readFile(join(cacheHome, 'pixelpass', 'encoders.json'), 'utf8')) as {
      key: string;
      encoders: Record<string, { result: { usable: boolean } }>;
    };
    expect(doc.key.startsWith((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim())).toBe(true);
    // auto probes in preference order and stops at the first usable one.
    expect(typeof doc.encoders.vaapi?.result.usable).toBe('boolean');
    if (!vaDevice) expect(doc.encoders.vaapi?.result.usable).toBe(false);
    if (!vaDevice && !nvidiaDriver) expect(doc.encoders.x264?.result.usable).toBe(true);
    expect(doc.encoders.openh264?.result.usable).toBe(true);
  });

  it('--encoder vaapi without a VA device exits 1 with one line naming the element, the device and the driver packages', async () => {
    if (vaDevice) {
      // With a render node the probe decides; a refusal is still one line naming why.
      const r = await runCli(['host', '--source', 'test', '--encoder', 'vaapi', '--no-audio', '--ticket-file', join(cacheHome, 't')], { XDG_CACHE_HOME: cacheHome }, 8000);
      if (r.code === 1) expect(r.stderr.trim().split('\n').at(-1)).toMatch(/vaapi encoder cannot be used: /);
      return;
    }
    const r = await runCli(['host', '--source', 'test', '--encoder', 'vaapi', '--no-audio'], { XDG_CACHE_HOME: cacheHome });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lines[0]).toMatch(/vaapi encoder cannot be used: vah264enc is not registered/);
    expect(lines[0]).toMatch(/\/dev\/dri\/renderD\*/);
    expect(lines[0]).toMatch(/intel-media-va-driver/);
    expect(lines[0]).toMatch(/mesa-va-drivers/);
    expect(lines[0]).toMatch(/nvidia-vaapi-driver\) only decodes/);
  });

  it('an unknown encoder exits 2', async () => {
    const r = await runCli(['host', '--source', 'test', '--encoder', 'h265', '--no-audio'], { XDG_CACHE_HOME: cacheHome });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown encoder "h265"; choose one of: auto, vaapi, nvenc, x264, openh264/);
  });
});
