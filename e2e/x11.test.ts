import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostAndViewer, runCli, startCli, stopAllCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';
import { startXvfb, stopAllXvfb, type XvfbServer } from './helpers/xvfb.js';

type Rgb = readonly [number, number, number];
const BLUE: Rgb = [0, 0, 255];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const YELLOW: Rgb = [255, 255, 0];

interface Frame {
  readonly width: number;
  readonly height: number;
  pixel(x: number, y: number): Rgb;
}

/** Decodes one frame from the viewer's local URL with ffmpeg, as PPM (its header carries the size). */
function grabFrame(url: string): Promise<Frame> {
  return new Promise((resolve, reject) => {
    // A still screen makes a tiny stream: without a short probe ffmpeg waits ~5 s of it.
    const args = ['-v', 'error', '-analyzeduration', '200000', '-probesize', '200000', '-i', url];
    const ff = spawn('ffmpeg', [...args, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'ppm', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let err = '';
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => ff.kill('SIGKILL'), 30_000);
    ff.once('exit', (code) => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      const head = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(data.subarray(0, 32).toString('latin1'));
      if (code !== 0 || !head) return reject(new Error(`ffmpeg got no frame from ${url} (exit ${code}): ${err}`));
      const width = Number(head[1]);
      const height = Number(head[2]);
      const pixels = data.subarray(head[0].length);
      resolve({
        width,
        height,
        pixel: (x, y) => {
          const i = (y * width + x) * 3;
          return [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
        },
      });
    });
  });
}

/** H.264 4:2:0 shifts solid colours a little; 40 per channel tells them apart safely. */
function expectColour(frame: Frame, x: number, y: number, want: Rgb): void {
  const got = frame.pixel(x, y);
  const off = got.map((v, i) => Math.abs(v - want[i]!));
  expect(Math.max(...off), `pixel ${x},${y} is ${got.join(',')}, want ${want.join(',')}`).toBeLessThanOrEqual(40);
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function shareAndGrab(display: string, hostArgs: string[]): Promise<Frame> {
  // hostAndViewer passes --source test first; the later --source wins.
  const { host, viewer, url } = await hostAndViewer(['--source', 'x11', '--no-audio', ...hostArgs], { DISPLAY: display });
  try {
    return await grabFrame(url);
  } finally {
    await viewer.stop();
    await host.stop();
  }
}

describe('X11 capture under a real Xvfb', () => {
  requireTools('Xvfb', 'xdpyinfo', 'xwininfo', 'xrandr', 'xsetroot', 'xterm', 'gst-launch-1.0', 'ffmpeg');
  afterAll(async () => {
    await stopAllCli();
    await stopAllXvfb();
  });
  afterEach(stopAllCli);

  describe('1920x1080 split into two RandR monitors', () => {
    let x: XvfbServer;
    let windowId = '';
    let windowSize = { width: 0, height: 0 };

    beforeAll(async () => {
      x = await startXvfb({
        width: 1920,
        height: 1080,
        monitors: [
          { name: 'LEFT', x: 0, y: 0, width: 960, height: 1080 },
          { name: 'RIGHT', x: 960, y: 0, width: 960, height: 1080 },
        ],
      });
      // Blue root; a red xterm covering all of RIGHT (sized in characters, so
      // made larger than needed and clipped by the screen edge).
      await x.x('xsetroot', ['-solid', 'blue']);
      x.spawnClient('xterm', ['-bg', 'red', '-fg', 'red', '-T', 'pp-red', '-geometry', '400x200+960+0', '-e', 'sleep', '600']);
      // A yellow window on LEFT, odd-sized on purpose (cells + borders), to share alone.
      x.spawnClient('xterm', ['-bg', 'yellow', '-fg', 'yellow', '-T', 'pp-yellow', '-geometry', '51x21+100+100', '-e', 'sleep', '600']);
      await x.waitForWindow('pp-red');
      windowId = await x.waitForWindow('pp-yellow');
      const info = await x.x('xwininfo', ['-id', windowId]);
      windowSize = { width: Number(/Width: (\d+)/.exec(info)![1]), height: Number(/Height: (\d+)/.exec(info)![1]) };
    });

    it('the whole screen arrives at 1920x1080 with both halves', async () => {
      const f = await shareAndGrab(x.display, []);
      expect([f.width, f.height]).toEqual([1920, 1080]);
      expectColour(f, 480, 900, BLUE);
      expectColour(f, 1440, 540, RED);
    });

    it('--monitor RIGHT (by name) is that monitor: 960x1080, all red', async () => {
      const f = await shareAndGrab(x.display, ['--monitor', 'RIGHT', '--cursor', 'hidden']);
      expect([f.width, f.height]).toEqual([960, 1080]);
      for (const [px, py] of [[20, 20], [480, 540], [940, 1060]] as const) expectColour(f, px, py, RED);
    });

    it('--monitor 0 (by index) is LEFT: 960x1080, blue with the yellow window at 100,100', async () => {
      const f = await shareAndGrab(x.display, ['--monitor', '0']);
      expect([f.width, f.height]).toEqual([960, 1080]);
      expectColour(f, 800, 900, BLUE);
      expectColour(f, 150, 150, YELLOW);
    });

    it('--window NAME is only that window, cropped to even', async () => {
      const f = await shareAndGrab(x.display, ['--window', 'pp-yellow']);
      expect([f.width, f.height]).toEqual([windowSize.width - (windowSize.width % 2), windowSize.height - (windowSize.height % 2)]);
      expectColour(f, 5, 5, YELLOW);
      expectColour(f, f.width - 5, f.height - 5, YELLOW);
    });

    it('--window ID works too', async () => {
      const f = await shareAndGrab(x.display, ['--window', windowId]);
      expectColour(f, Math.floor(f.width / 2), Math.floor(f.height / 2), YELLOW);
    });

    it('--source auto picks X11 when DISPLAY is set and there is no Wayland session', async () => {
      const host = startCli(['host', '--source', 'auto', '--no-audio'], { DISPLAY: x.display, WAYLAND_DISPLAY: '', XDG_SESSION_TYPE: 'x11' });
      await host.firstLine;
      await until(() => /hosting x11 capture/.test(host.stderr()), 10_000);
      expect(host.stderr()).toMatch(new RegExp(`sharing ${x.display} screen 1920x1080`));
      await host.stop();
    });

    it('an unknown monitor exits 2 naming the ones that exist', async () => {
      const r = await runCli(['host', '--source', 'x11', '--no-audio', '--monitor', 'HDMI-9'], { DISPLAY: x.display });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(/no monitor "HDMI-9"; available: 0: LEFT 960x1080\+0\+0; 1: RIGHT 960x1080\+960\+0/);
      expect(r.stdout).toBe('');
    });

    it('an unknown window exits 2', async () => {
      const byName = await runCli(['host', '--source', 'x11', '--no-audio', '--window', 'no-such-window'], { DISPLAY: x.display });
      expect(byName.code).toBe(2);
      expect(byName.stderr).toMatch(/no shown window named "no-such-window"/);
      const byId = await runCli(['host', '--source', 'x11', '--no-audio', '--window', '0x7fffff'], { DISPLAY: x.display });
      expect(byId.code).toBe(2);
      expect(byId.stderr).toMatch(/no window 0x7fffff/);
    });

    it('a shared window that closes ends the share: the host says why and the viewer stream ends', async () => {
      const term = x.spawnClient('xterm', ['-bg', 'green', '-fg', 'green', '-T', 'pp-closing', '-geometry', '40x10+300+600', '-e', 'sleep', '600']);
      await x.waitForWindow('pp-closing');
      const { host, url } = await hostAndViewer(['--source', 'x11', '--no-audio', '--window', 'pp-closing'], { DISPLAY: x.display });
      const f = await grabFrame(url);
      expectColour(f, 10, 10, GREEN);

      // A reader that keeps watching until the stream ends.
      const reader = spawn('ffmpeg', ['-v', 'error', '-i', url, '-f', 'null', '-'], { stdio: 'ignore' });
      const readerDone = new Promise<number | null>((resolve) => reader.once('exit', resolve));
      await new Promise((r) => setTimeout(r, 1500));
      term.kill('SIGKILL');
      const killer = setTimeout(() => reader.kill('SIGKILL'), 15_000);
      await readerDone;
      clearTimeout(killer);
      expect(reader.signalCode).toBeNull(); // ended by the host, not by our timeout
      expect(host.stderr()).toMatch(/capture source ended: the shared window 0x[0-9a-f]+ was closed/);
      expect(host.stderr()).not.toMatch(/BadWindow/);
      // The host keeps running for the next viewer; it just has nothing to share now.
      expect(host.child.exitCode).toBeNull();
    });
  });

  it('a shared window that is resized keeps streaming at its first size', async () => {
    const x = await startXvfb({ width: 1280, height: 800 });
    const dir = mkdtempSync(join(tmpdir(), 'pixelpass-x11-'));
    try {
      // The xterm resizes itself (CSI 8 t) when the test writes to the fifo.
      const fifo = join(dir, 'resize');
      execFileSync('mkfifo', [fifo]);
      x.spawnClient('xterm', [
        '-xrm', 'XTerm*allowWindowOps: true', '-bg', 'yellow', '-fg', 'yellow', '-T', 'pp-resize', '-geometry', '60x20+10+10',
        '-e', 'sh', '-c', `read go < ${fifo}; printf '\\033[8;35;111t'; sleep 600`,
      ]);
      await x.waitForWindow('pp-resize');
      const { host, url } = await hostAndViewer(['--source', 'x11', '--no-audio', '--window', 'pp-resize'], { DISPLAY: x.display });
      const before = await grabFrame(url);
      const width = () =>
        /Width: (\d+)/.exec(execFileSync('xwininfo', ['-name', 'pp-resize'], { env: { ...process.env, DISPLAY: x.display } }).toString())?.[1];
      const first = width();
      writeFileSync(fifo, 'go\n');
      await until(() => width() !== first, 5000);
      await new Promise((r) => setTimeout(r, 1000));
      const after = await grabFrame(url);
      expect([after.width, after.height]).toEqual([before.width, before.height]);
      expectColour(after, Math.floor(after.width / 2), Math.floor(after.height / 2), YELLOW);
      expect(host.stderr()).not.toMatch(/capture (source )?ended/);
    } finally {
      await stopAllCli();
      await x.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a HiDPI screen (2560x1600) is scaled to --max-width', async () => {
    const x = await startXvfb({ width: 2560, height: 1600 });
    try {
      await x.x('xsetroot', ['-solid', 'green']);
      const f = await shareAndGrab(x.display, ['--max-width', '1280', '--cursor', 'hidden']);
      expect([f.width, f.height]).toEqual([1280, 800]);
      expectColour(f, 640, 400, GREEN);
    } finally {
      await x.stop();
    }
  });

  it('an odd-sized screen (1366x767) streams at 1366x766, pointer drawn by default', async () => {
    const x = await startXvfb({ width: 1366, height: 767 });
    try {
      await x.x('xsetroot', ['-solid', 'green']);
      const f = await shareAndGrab(x.display, []);
      expect([f.width, f.height]).toEqual([1366, 766]);
      expectColour(f, 100, 100, GREEN);
      expectColour(f, 1360, 760, GREEN);
      // Xvfb starts the pointer (the root's black X cursor) at the screen centre.
      expect(f.pixel(683, 383)[1]).toBeLessThan(100);
    } finally {
      await x.stop();
    }
  });

  it('a server without MIT-SHM still streams the picture (not black)', async () => {
    const x = await startXvfb({ width: 640, height: 480, extraArgs: ['-extension', 'MIT-SHM'] });
    try {
      await x.x('xsetroot', ['-solid', 'red']);
      // Pointer hidden: the centre, where Xvfb puts it, shows the root colour.
      const f = await shareAndGrab(x.display, ['--cursor', 'hidden']);
      expect([f.width, f.height]).toEqual([640, 480]);
      expectColour(f, 320, 240, RED);
    } finally {
      await x.stop();
    }
  });

  it('DISPLAY unset (exit 2, like no session at all) or unreachable (exit 1): one line naming the problem', async () => {
    const unset = await runCli(['host', '--source', 'x11', '--no-audio'], { DISPLAY: '' });
    expect(unset.code).toBe(2);
    expect(unset.stderr.trim().split('\n').at(-1)).toMatch(/DISPLAY is not set/);
    // Display numbers near the top of the range are not used by anyone here.
    const gone = await runCli(['host', '--source', 'x11', '--no-audio', '--display', ':31999'], {});
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim().split('\n').at(-1)).toMatch(/cannot open X display ":31999"/);
    expect(gone.stderr).not.toMatch(/\n\s+at /);
  });
});
