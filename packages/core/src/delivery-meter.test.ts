import { describe, expect, it } from 'vitest';
import { DeliveryMeter } from './delivery-meter.js';

const OPTIONS = { windowMs: 1000, latencyBudgetMs: 250, minBudgetBytes: 10_000, maxBudgetBytes: 1_000_000 };

describe('DeliveryMeter', () => {
  it('measures the delivery rate over the window from the acks', () => {
    const m = new DeliveryMeter(OPTIONS);
    m.handed = 1_000_000;
    for (let t = 0; t <= 2000; t += 100) m.ack(t * 250, t); // 250 kB/s = 2 Mbit/s
    expect(m.rate(2000)).toBeCloseTo(250_000, -2);
    expect(m.inTransit).toBe(500_000);
    expect(m.transitMs(2000)).toBeCloseTo(2000, -1);
  });

  it('bounds bytes in transit to the latency budget at that rate', () => {
    const m = new DeliveryMeter(OPTIONS);
    m.handed = 100_000;
    m.ack(50_000, 1000);
    m.ack(75_000, 1100); // 250 kB/s
    expect(m.budgetBytes(1100)).toBeCloseTo(62_500, -2);
    expect(m.mayHand(30_000, 1100)).toBe(true); // 25 000 + 30 000 ≤ 62 500
    expect(m.mayHand(40_000, 1100)).toBe(false);
    // A probe asks the link for 4 Mbit/s: the budget is 250 ms of that, not of what it carried so far.
    expect(m.budgetBytes(1100, 500_000)).toBeCloseTo(125_000, -2);
    expect(m.mayHand(40_000, 1100, 500_000)).toBe(true);
  });

  it.each([
    ['no feedback yet (nothing to bound by)', () => new DeliveryMeter(OPTIONS), true],
    [
      'nothing in transit: one chunk always goes, however large',
      () => {
        const m = new DeliveryMeter(OPTIONS);
        m.handed = 1000;
        m.ack(1000, 10);
        return m;
      },
      true,
    ],
  ])('%s', (_n, make, expected) => {
    expect(make().mayHand(5_000_000, 20)).toBe(expected);
  });

  it('a stalled viewer (no acks while bytes wait) reads as a falling rate', () => {
    const m = new DeliveryMeter(OPTIONS);
    m.handed = 500_000;
    m.ack(0, 0);
    m.ack(100_000, 500);
    const fresh = m.rate(500)!;
    expect(m.rate(2000)!).toBeLessThan(fresh / 2);
  });

  it('ignores acks that go backwards or beyond what was handed', () => {
    const m = new DeliveryMeter(OPTIONS);
    m.handed = 1000;
    m.ack(800, 10);
    m.ack(500, 20);
    m.ack(5000, 30);
    expect(m.delivered).toBe(800);
  });
});
