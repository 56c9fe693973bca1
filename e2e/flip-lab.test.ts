import { afterAll, describe, expect, it } from 'vitest';
import {
  detectTransitions,
  latencyStats,
  pairChanges,
  requireFlipTools,
  startFlipLab,
  type FlipChange,
  type FlipLab,
  type GrabFrame,
} from './helpers/flip-test.js';

const change = (index: number, colour: string, at: number): FlipChange => ({ index, colour, at, spawnedAt: at - 5 });
const frames = (spec: Array<[number, readonly [number, number, number]]>): GrabFrame[] => spec.map(([t, rgb]) => ({ t, rgb }));
const RED = [250, 4, 3] as const;
const GREEN = [2, 240, 10] as const;
const BLUE = [5, 8, 250] as const;
const GREY = [128, 128, 128] as const;

describe('flip lab: detection and pairing', () => {
  it('a colour counts once it holds for two frames; the first picture is not a change', () => {
    const f = frames([[0, GREY], [10, RED], [20, RED], [30, [180, 120, 60]], [40, GREEN], [50, GREEN], [60, BLUE], [70, GREEN], [80, GREEN]]);
    expect(detectTransitions(f)).toEqual([
      { t: 10, colour: 'red', from: undefined },
      { t: 40, colour: 'green', from: 'red' },
    ]);
  });

  it('pairs the k-th change with the k-th seen, and counts what B never showed', () => {
    const changes = [change(0, 'red', 1000), change(1, 'green', 2500), change(2, 'blue', 4000), change(3, 'red', 5200)];
    const seen = [
      { t: 900, colour: 'black', from: undefined },
      { t: 1300, colour: 'red', from: 'black' },
      // green never shown (a stall): blue still pairs with blue, not with green
      { t: 4320, colour: 'blue', from: 'red' },
      { t: 5480, colour: 'red', from: 'blue' },
    ];
    const p = pairChanges(changes, seen);
    expect(p.pairs.map((x) => [x.change.index, x.latencyMs])).toEqual([[0, 300], [2, 320], [3, 280]]);
    expect(p.missed.map((c) => c.index)).toEqual([1]);
    expect(p.unmatched).toEqual([]);
    expect(latencyStats(p.pairs.map((x) => x.latencyMs))).toMatchObject({ n: 3, p50: 300, min: 280, max: 320 });
  });

  it('a change seen that was made before the window is unmatched, not a latency', () => {
    const p = pairChanges([change(0, 'red', 1000), change(1, 'green', 3000)], [{ t: 2000, colour: 'red', from: 'grey' }, { t: 3400, colour: 'green', from: 'red' }], { from: 1500 });
    expect(p.pairs.map((x) => x.latencyMs)).toEqual([400]);
    expect(p.unmatched).toHaveLength(1);
  });
});

describe('flip lab under real Xvfb', () => {
  requireFlipTools();
  let lab: FlipLab | undefined;
  afterAll(async () => {
    await lab?.stop();
  });

  it('the measuring chain alone (flip B, grab B) adds only a few ms, and stop() leaves nothing running', async () => {
    lab = await startFlipLab({ displays: 1, width: 640, height: 360 });
    const [b] = lab.displays;
    await b!.x('xsetroot', ['-solid', 'black']);
    const grab = lab.grab(b!);
    await lab.waitForPicture(grab, 0);
    const from = Date.now();
    const flipper = lab.flip(b!, { minMs: 300, maxMs: 600 });
    await new Promise((r) => setTimeout(r, 4000));
    await flipper.stop();
    const to = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    const p = pairChanges(flipper.changes, detectTransitions(grab.frames()), { from, to });
    expect(p.pairs.length).toBeGreaterThanOrEqual(5);
    expect(p.missed).toEqual([]);
    // 100 fps grab: ≤ 10 ms of quantization plus xsetroot and scheduling; generous for a loaded 2-core machine.
    expect(latencyStats(p.pairs.map((x) => x.latencyMs)).p50).toBeLessThan(60);
    const tracker = lab.tracker;
    await lab.stop();
    lab = undefined;
    expect(tracker.survivors()).toEqual([]);
  });
});
