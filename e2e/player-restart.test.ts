import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids, pidAlive } from './helpers/media-probe.js';
import { startCli, stopAllCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';

/** The viewer's `--player mpv` child, headless through an MPV_HOME config. */
async function mpvChild(viewerPid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const pid of await childPids(viewerPid)) {
      try {
        const { readFileSync } = await import('node:fs');
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'mpv') return pid;
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no mpv child of the viewer');
}

/** The host's media process (gst-launch-1.0 -e …, or the Python media script), not a short-lived probe. */
function isMediaProcess(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (args[0]?.endsWith('gst-launch-1.0') && args.includes('-e')) || args.some((a) => a.endsWith('.py'));
  } catch {
    return false;
  }
}

describe('a player launched by the viewer survives a broken stream', () => {
  requireTools('gst-launch-1.0', 'mpv');
  const mpvHome = mkdtempSync(join(tmpdir(), 'pp-mpv-'));
  writeFileSync(join(mpvHome, 'mpv.conf'), 'vo=null\nao=null\n');
  afterAll(async () => {
    await stopAllCli();
    rmSync(mpvHome, { recursive: true, force: true });
  });

  it('restarts mpv when the capture dies mid-stream, and stops it on SIGTERM', async () => {
    const host = startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio', '--linger', '0']);
    const ticket = await host.firstLine;
    const viewer = startCli(['view', ticket, '--player', 'mpv'], { MPV_HOME: mpvHome });
    await viewer.firstLine;
    const firstMpv = await mpvChild(viewer.child.pid!, 15_000);
    // Wait until capture runs, then kill it the hard way. Only the media
    // process lives on: element checks and the bindings probe come and go
    // just before it, so a child seen too early may be one of them.
    let gst: number | undefined;
    for (let i = 0; i < 50 && gst === undefined; i++) {
      if (/capture started/.test(host.stderr())) gst = (await childPids(host.child.pid!)).find((pid) => isMediaProcess(pid));
      if (gst === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    expect(gst, 'capture started for the player').toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(gst!, 'SIGKILL');

    // mpv sees the end of its stream and quits; the viewer starts a new one.
    const deadline = Date.now() + 20_000;
    let secondMpv: number | undefined;
    while (Date.now() < deadline && secondMpv === undefined) {
      const pid = await mpvChild(viewer.child.pid!, 20_000).catch(() => undefined);
      if (pid !== undefined && pid !== firstMpv) secondMpv = pid;
      else await new Promise((r) => setTimeout(r, 300));
    }
    expect(secondMpv, `viewer stderr: ${viewer.stderr()}`).toBeDefined();
    expect(viewer.stderr()).toMatch(/starting mpv again/);
    expect(viewer.child.exitCode).toBeNull();
    // The new player made the host capture again.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await childPids(host.child.pid!)).length).toBeGreaterThan(0);

    const r = await viewer.stop('SIGTERM');
    expect(r.code).toBe(0);
    expect(pidAlive(secondMpv!)).toBe(false);
    await host.stop();
  });
});
