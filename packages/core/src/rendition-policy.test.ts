import { describe, expect, it } from 'vitest';
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
  it('only after the delay stayed low for upHoldMs, one step at a time', () => {
    const { renditions } = run(settled(2), repeat(100, calm));
    expect(renditions.slice(0, 39).every((r) => r === 2)).toBe(true);
    expect(renditions[40]).toBe(1);
    // The next step needs its own calm stretch.
    expect(renditions[60]).toBe(1);
    expect(renditions[99]).toBe(0);
  });

  it('a probe that fails comes back down and the next probe waits twice as long', () => {
    // Calm on rung 1 for 4 s → probe to 0; the top is too much: congested → back to 1.
    const probe = run(settled(1), [...repeat(41, calm), ...repeat(20, congested(1_400_000))]);
    expect(probe.state.rendition).toBe(1);
    expect(probe.state.upHoldMs).toBe(DEFAULT_POLICY.upHoldMs * 2);
    // Calm again: no probe after 4 s, one after 8 s.
    const after = run(probe.state, repeat(100, calm), 100, 10_000 + 61 * 100);
    const up = after.renditions.findIndex((r) => r === 0);
    expect(up * 100).toBeGreaterThanOrEqual(DEFAULT_POLICY.upHoldMs * 2 - 100);
  });

  it('a probe that held for probeSuccessMs resets a long wait: the next step comes at once', () => {
    const probed = run(settled(2), repeat(41, calm)).state;
    expect(probed.rendition).toBe(1);
    // As if earlier probes had failed: 16 s to wait; the calm after this probe proves it after 10 s.
    const { renditions, state } = run({ ...probed, upHoldMs: 16_000 }, repeat(101, calm), 100, 10_000 + 41 * 100);
    expect(renditions.slice(0, 99).every((r) => r === 1)).toBe(true);
    expect(state.rendition).toBe(0);
    expect(state.upHoldMs).toBe(DEFAULT_POLICY.upHoldMs);
  });

  it('the top stays the top', () => {
    expect(run(settled(0), repeat(200, calm)).state.rendition).toBe(0);
  });
});
