import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decide, DEFAULT_POLICY, initialPolicyState, type Observation, type PolicyState } from './rendition-policy.js';

/** A three-rung ladder: 2.5, 1.0, 0.5 Mbit/s. */
const LADDER = [2_500_000, 1_000_000, 500_000];

/** Runs observations every `stepMs` from a state; returns the rendition after each. */
function run(start: PolicyState, observations: ReadonlyArray<Omit<Observation, 'now'>>, stepMs = 100, t0 = 10_000): { renditions: number[]; state: PolicyState } {
  let s = start;
  const renditions: number[] = [];
  observations.forEach((o, i) => {
    s = decide(s, { ...o, now: t0 + i * stepMs }, LADDER);
    renditions.push(s.rendition);
  });
  return { renditions, state: s };
}

const repeat = <T,>(n: number, o: T): T[] => Array.from({ length: n }, () => o);
const calm = { queueDelayMs: 0, transitMs: 30, rateBps: 2_600_000 };
const congested = (rateBps: number) => ({ queueDelayMs: 600, transitMs: 250, rateBps });
const settled = (rendition: number) => ({ ...initialPolicyState(rendition, 0), lastSwitchAt: -100_000 });

describe('decide: switching down', () => {
  it.each([
    ['a delay spike shorter than the hold (a keyframe burst) changes nothing', [...repeat(2, congested(1_800_000)), ...repeat(10, calm)], 0],
    ['sustained delay at 1.8 Mbit/s: one step, to 1.0 Mbit/s', repeat(10, congested(1_800_000)), 1],
    ['a link that dropped to 0.6 Mbit/s: straight to the bottom, not step by step', repeat(10, congested(600_000)), 2],
    ['no rate measured yet: one step', repeat(10, { queueDelayMs: 900, transitMs: 0, rateBps: undefined }), 1],
  ] as const)('%s', (_name, observations, expected) => {
    expect(run(settled(0), observations).state.rendition).toBe(expected);
  });

  it('goes down within half a second of the delay crossing the bound', () => {
    const { renditions } = run(settled(0), repeat(20, congested(900_000)));
    const first = renditions.findIndex((r) => r !== 0);
    expect(first * 100).toBeLessThanOrEqual(DEFAULT_POLICY.downHoldMs + 100);
  });

  it('at the bottom there is nowhere to go: it stays', () => {
    expect(run(settled(2), repeat(30, congested(200_000))).state.rendition).toBe(2);
  });

  it('after a switch it waits for it to take effect before the next decision', () => {
    const { renditions } = run(settled(0), repeat(30, congested(1_800_000)));
    const changes = renditions.map((r, i) => (i > 0 && r !== renditions[i - 1] ? i : -1)).filter((i) => i >= 0);
    for (let k = 1; k < changes.length; k++) expect((changes[k]! - changes[k - 1]!) * 100).toBeGreaterThanOrEqual(DEFAULT_POLICY.settleMs);
  });
});

describe('decide: switching up', () => {
  const UP = DEFAULT_POLICY.upHoldMs / 100; // observations (100 ms apart) of calm before a probe
  const PROBE = DEFAULT_POLICY.probeMs / 100; // ... that a padding probe lasts

  it('after upHoldMs of calm the link is probed with padding to the next rung; carried, one step up', () => {
    const states: PolicyState[] = [];
    let s = settled(2);
    for (let i = 0; i < UP + PROBE + 2; i++) states.push((s = decide(s, { ...calm, now: 10_000 + i * 100 }, LADDER)));
    expect(states.slice(0, UP - 1).every((x) => x.rendition === 2 && !x.padding)).toBe(true);
    const started = states.findIndex((x) => x.padding);
    expect(started).toBe(UP);
    expect(states[started]!.padding!.targetBps).toBeCloseTo(LADDER[1]! * DEFAULT_POLICY.probeMargin);
    const up = states.findIndex((x) => x.rendition === 1);
    expect(up - started).toBe(PROBE);
    expect(states[up]!.padding).toBeUndefined();
  });

  it('one step at a time: the next rung needs its own calm and its own probe', () => {
    const { renditions } = run(settled(2), repeat(4 * (UP + PROBE), calm));
    const first = renditions.indexOf(1);
    const second = renditions.indexOf(0);
    expect(first).toBeGreaterThan(0);
    expect(second - first).toBeGreaterThanOrEqual(UP + PROBE);
  });

  it.each([
    ['the delay grows: given up at once', { queueDelayMs: 150, transitMs: 120, rateBps: 1_300_000 }, 1],
    ['the rate falls short of the next rung', { queueDelayMs: 0, transitMs: 40, rateBps: 1_500_000 }, PROBE],
  ])('a probe the link does not carry (%s): no step, and the next probe waits twice as long', (_n, during, within) => {
    const started = run(settled(1), repeat(UP + 1, calm));
    expect(started.state.padding).toBeDefined();
    const after = run(started.state, repeat(within + 1, during), 100, 10_000 + (UP + 1) * 100);
    expect(after.state.padding).toBeUndefined();
    expect(after.state.rendition).toBe(1);
    expect(after.state.upHoldMs).toBe(DEFAULT_POLICY.upHoldMs * 2);
  });

  it('failed probes back off to at most maxUpHoldMs: a recovered link is probed again soon', () => {
    let state: PolicyState = settled(1);
    let now = 10_000;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const from = now;
      while (!state.padding) state = decide(state, { ...calm, now: (now += 100) }, LADDER);
      waits.push(now - from);
      state = decide(state, { queueDelayMs: 300, transitMs: 100, rateBps: 1_000_000, now: (now += 100) }, LADDER);
    }
    expect(state.rendition).toBe(1);
    expect(Math.max(...waits)).toBeLessThanOrEqual(DEFAULT_POLICY.maxUpHoldMs + 200);
    expect(waits.at(-1)).toBeGreaterThanOrEqual(DEFAULT_POLICY.maxUpHoldMs);
  });

  it('a step up that has to come back down soon after backs off the next probe too', () => {
    const up = run(settled(1), repeat(UP + PROBE + 1, calm));
    expect(up.state.rendition).toBe(0);
    const down = run(up.state, repeat(20, congested(1_400_000)), 100, 10_000 + (UP + PROBE + 1) * 100);
    expect(down.state.rendition).toBe(1);
    expect(down.state.upHoldMs).toBe(DEFAULT_POLICY.upHoldMs * 2);
  });

  it('a step up that held for probeSuccessMs resets a long wait', () => {
    const up = run({ ...settled(2), upHoldMs: DEFAULT_POLICY.maxUpHoldMs }, repeat(DEFAULT_POLICY.maxUpHoldMs / 100 + PROBE + 1, calm));
    expect(up.state.rendition).toBe(1);
    const held = run(up.state, repeat(DEFAULT_POLICY.probeSuccessMs / 100 + 1, calm), 100, 20_000 + DEFAULT_POLICY.maxUpHoldMs);
    expect(held.state.upHoldMs).toBe(DEFAULT_POLICY.upHoldMs);
  });

  it('the top stays the top', () => {
    expect(run(settled(0), repeat(200, calm)).state.rendition).toBe(0);
  });
});

describe('decide: a recorded link (e2e/links.test.ts, 20 → 1.5 → 20 Mbit/s)', () => {
  // Every decision the host made for that viewer, with what it saw (PIXELPASS_POLICY_TRACE).
  const [about, ...rows] = readFileSync(new URL('./test-support/traces/changing-link.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { t: number; q: number; transit: number; rate: number | null; r: number; ladder?: number[] });
  const ladder = (about as unknown as { ladder: number[] }).ladder;
  const replay = (options = DEFAULT_POLICY): number[] => {
    let s = initialPolicyState(0, rows[0]!.t, options);
    return rows.map((o) => (s = decide(s, { now: o.t, queueDelayMs: o.q, transitMs: o.transit, rateBps: o.rate ?? undefined }, ladder, options)).rendition);
  };

  it('replayed, the policy makes the decisions the host made', () => {
    expect(replay()).toEqual(rows.map((o) => o.r));
  });

  it('down within a second of the delay crossing the bound; on top again within 15 s of the link recovering', () => {
    const r = replay();
    const crossed = rows.findIndex((o) => o.q + o.transit > DEFAULT_POLICY.downDelayMs);
    const down = r.findIndex((x) => x > 0);
    expect(rows[down]!.t - rows[crossed]!.t).toBeLessThan(1000);
    // The link came back when the delivery rate first exceeded the second rung after the last step down.
    const lastDown = r.findLastIndex((x, i) => i > 0 && x > r[i - 1]!);
    const recovered = rows.findIndex((o, i) => i > lastDown && (o.rate ?? 0) > ladder[1]!);
    const top = r.findIndex((x, i) => i > lastDown && x === 0);
    expect(top).toBeGreaterThan(lastDown);
    expect(rows[top]!.t - rows[recovered]!.t).toBeLessThan(15_000);
  });

  it('a slower policy (the old 32 s backoff) would still be on a lower rung when the recording ends', () => {
    const r = replay({ ...DEFAULT_POLICY, upHoldMs: 4000, maxUpHoldMs: 32_000, probeSuccessMs: 10_000 });
    expect(r.at(-1)).toBeGreaterThan(0);
  });
});
