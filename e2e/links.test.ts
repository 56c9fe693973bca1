import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeArrivals, FrameRecorder, wallMs } from './helpers/frame-arrivals.js';
import { LinkLab } from './helpers/link-lab.js';
import { startCli, stopAllCli, type RunningCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';

// A viewer on a 2 Mbit/s link (tbf on both ends, bench/links.mjs's link2m),
// watching the default test share (~4.4 Mbit/s on the wire). The current code
// has no adaptation: the hub skips ahead when the viewer's queue is 4 s old, so
// the player gets ~13 fps with content jumps of 4-5 s and a delay of 4-9 s
// beyond the freshest frame. These assertions hold for that code and are loose
// on purpose; tighten them (fps ≥ 25, delay p95 < 1 s, no jumps) once the host
// adapts its bitrate to the link.

const FPS = 30;
const SECONDS = 20;

describe('a viewer on a 2 Mbit/s link (no adaptation yet)', () => {
  requireTools('ip', 'tc', 'gst-launch-1.0', 'ffmpeg');
  if (process.getuid?.() !== 0) throw new Error('links.test.ts creates network namespaces: run it as root (CI does)');
  const lab = new LinkLab({ viewers: [{ rate: '2mbit' }] });
  let host: RunningCli;
  let reference: FrameRecorder;
  let shaped: FrameRecorder;
  let from = 0;
  let to = 0;

  beforeAll(async () => {
    lab.create();
    const v = lab.viewers[0]!;
    host = startCli(['host', '--source', 'test', '--max-viewers', '4'], { PIXELPASS_BIND: `${lab.hostIp}:0` }, { prefix: lab.prefix(lab.hostNs) });
    const ticket = await host.firstLine;
    // The reference: a viewer inside the host namespace, where nothing is shaped.
    const refViewer = startCli(['view', ticket, '--player', 'none'], { PIXELPASS_BIND: `${lab.hostIp}:0` }, { prefix: lab.prefix(lab.hostNs) });
    reference = new FrameRecorder(await refViewer.firstLine, { prefix: lab.prefix(lab.hostNs) });
    await reference.waitFrames(5, 30_000);
    const viewer = startCli(['view', ticket, '--player', 'none'], { PIXELPASS_BIND: `${v.ip}:0` }, { prefix: lab.prefix(v.ns) });
    shaped = new FrameRecorder(await viewer.firstLine, { prefix: lab.prefix(v.ns), restart: true });
    await shaped.waitFrames(1, 40_000);
    await new Promise((r) => setTimeout(r, 4000));
    from = wallMs();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    to = wallMs();
  });

  afterAll(async () => {
    await reference?.stop();
    await shaped?.stop();
    await stopAllCli();
    await lab.destroy();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(left).not.toContain(lab.hostNs);
  });

  it('the player keeps decoding at a reduced rate, with bounded jumps, stalls and delay', () => {
    const ref = analyzeArrivals(reference.frames, { from, to, fps: FPS });
    const a = analyzeArrivals(shaped.frames, { from, to, fps: FPS, reference: reference.frames });
    const link = lab.linkStats(0);
    process.stdout.write(
      `2 Mbit/s: ${a.fps} fps (reference ${ref.fps}), ${a.jumps.count} jumps ${JSON.stringify(a.jumps.ptsGapMs)} ms, stall ${a.stallMaxMs} ms, delay p50 ${a.delay?.p50} p95 ${a.delay?.p95} ms; tbf ${JSON.stringify(link.down)}\n`,
    );
    // The unshaped viewer is unaffected.
    expect(ref.fps).toBeGreaterThanOrEqual(27);
    // The link, not the player, limits the shaped one: ~13 fps today.
    expect(a.fps).toBeGreaterThanOrEqual(8);
    expect(a.fps).toBeLessThan(25);
    // Frames keep coming; the longest gap is a retransmission, not a freeze.
    expect(a.stallMaxMs).toBeLessThan(2000);
    // The hub skips ahead: content jumps, each within one queue bound (4 s) plus a GOP (2 s) and slack.
    expect(a.jumps.count).toBeGreaterThanOrEqual(1);
    for (const ms of a.jumps.ptsGapMs) expect(ms).toBeLessThan(8000);
    // Every frame shown is one the reference got; the delay is seconds today, but bounded.
    expect(a.delay!.unmatched).toBe(0);
    expect(a.delay!.p50).toBeGreaterThan(1000);
    expect(a.delay!.p95).toBeLessThan(12_000);
    // The host saw it fall behind.
    expect(host.stderr()).toMatch(/fell behind; skipped/);
  });
});
