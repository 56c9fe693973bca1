import { describe, expect, it } from 'vitest';
import { AdmissionBudget, DEFAULT_ADMISSION_LIMITS, sourceKey, type AdmissionLimits } from './admission-budget.js';
import { FakeClock } from './test-support/fakes.js';

const LIMITS: AdmissionLimits = {
  ...DEFAULT_ADMISSION_LIMITS,
  maxConnections: 6,
  maxUnauthenticated: 4,
  maxUnauthenticatedPerPeer: 2,
  maxPendingStreams: 5,
  maxPendingStreamsPerConnection: 3,
  graceMs: 10_000,
  strikes: 3,
  strikeWindowMs: 60_000,
  penaltyMs: 30_000,
  maxPenaltyMs: 100_000,
  maxTrackedPeers: 3,
};

function budget() {
  const clock = new FakeClock();
  return { clock, b: new AdmissionBudget(LIMITS, clock.now) };
}

/** Handshake then open: what a listener does for each connection. */
function connect(b: AdmissionBudget, id: number, peer: string): string {
  const h = b.startHandshake();
  if (!h.ok) return h.reason;
  const o = b.opened(id, peer);
  return o.ok ? 'ok' : o.reason;
}

describe('AdmissionBudget: connections', () => {
  it.each([
    ['one peer, within its share', [['a', 'ok'], ['a', 'ok']]],
    ['one peer over its share of unauthenticated connections', [['a', 'ok'], ['a', 'ok'], ['a', 'too many unauthenticated connections from this peer']]],
    [
      'fresh ids are bounded by the total',
      [['a', 'ok'], ['b', 'ok'], ['c', 'ok'], ['d', 'ok'], ['e', 'too many unauthenticated connections'], ['f', 'too many unauthenticated connections']],
    ],
  ] as const)('%s', (_name, steps) => {
    const { b } = budget();
    steps.forEach(([peer, expected], i) => expect(connect(b, i, peer), `step ${i}`).toBe(expected));
  });

  it('handshakes in progress hold places too, and a failed one gives its place back', () => {
    const { b } = budget();
    for (let i = 0; i < 4; i++) expect(b.startHandshake().ok).toBe(true);
    expect(b.startHandshake()).toEqual({ ok: false, reason: 'too many unauthenticated connections' });
    b.handshakeFailed();
    expect(b.startHandshake().ok).toBe(true);
    expect(b.usage().handshakes).toBe(4);
  });

  it('authenticated connections leave the unauthenticated budget but count against the total', () => {
    const { b } = budget();
    for (let i = 0; i < 4; i++) {
      expect(connect(b, i, `p${i}`)).toBe('ok');
      b.authenticated(i);
    }
    expect(connect(b, 4, 'x')).toBe('ok');
    expect(connect(b, 5, 'y')).toBe('ok');
    expect(connect(b, 6, 'z')).toBe('too many connections');
    b.closed(0);
    expect(connect(b, 7, 'z')).toBe('ok');
    expect(b.usage()).toMatchObject({ connections: 6, unauthenticated: 3, handshakes: 0 });
  });

  it('closing gives everything back, twice closing changes nothing', () => {
    const { b } = budget();
    connect(b, 1, 'a');
    expect(b.streamOpened(1).ok).toBe(true);
    b.closed(1);
    b.closed(1);
    expect(b.usage()).toMatchObject({ connections: 0, unauthenticated: 0, pendingStreams: 0 });
  });

  it('unauthenticated connections expire after the grace; authenticated ones never', () => {
    const { b, clock } = budget();
    connect(b, 1, 'a');
    clock.advance(4000);
    connect(b, 2, 'b');
    connect(b, 3, 'c');
    b.authenticated(3);
    clock.advance(6000);
    expect(b.expired()).toEqual([1]);
    clock.advance(4000);
    expect(b.expired()).toEqual([1, 2]);
  });
});

describe('AdmissionBudget: streams', () => {
  it.each([
    ['per connection', [[1, true], [1, true], [1, true], [1, false], [2, true]]],
    ['in total', [[1, true], [1, true], [1, true], [2, true], [2, true], [2, false], [3, false]]],
    ['on an unknown connection', [[9, false]]],
  ] as const)('pending streams are capped %s', (_name, steps) => {
    const { b } = budget();
    for (const id of [1, 2, 3]) connect(b, id, `p${id}`);
    steps.forEach(([conn, ok], i) => expect(b.streamOpened(conn).ok, `step ${i}`).toBe(ok));
  });

  it('a stream done frees its place', () => {
    const { b } = budget();
    connect(b, 1, 'a');
    for (let i = 0; i < 3; i++) b.streamOpened(1);
    expect(b.streamOpened(1).ok).toBe(false);
    b.streamDone(1);
    expect(b.streamOpened(1).ok).toBe(true);
    b.streamDone(1);
    b.streamDone(1);
    b.streamDone(1);
    b.streamDone(1); // one more than opened: ignored
    expect(b.usage().pendingStreams).toBe(0);
  });
});

describe('AdmissionBudget: penalties', () => {
  it('a refusal on an unauthenticated connection closes it; on an authenticated one it does not', () => {
    const { b } = budget();
    connect(b, 1, 'a');
    connect(b, 2, 'b');
    b.authenticated(2);
    expect(b.refused(1)).toBe(true);
    expect(b.refused(2)).toBe(false);
  });

  it.each([
    // [ms since the previous event, event, expected outcome of connecting after it]
    ['strikes within the window bar the peer, for the penalty', [[0, 'strike', 'ok'], [1000, 'strike', 'ok'], [1000, 'strike', 'barred after repeated refusals'], [29_000, 'none', 'barred after repeated refusals'], [1000, 'none', 'ok']]],
    ['strikes spread beyond the window do not', [[0, 'strike', 'ok'], [40_000, 'strike', 'ok'], [40_000, 'strike', 'ok']]],
    [
      'a second bar lasts twice as long, capped',
      [[0, 'strike', 'ok'], [0, 'strike', 'ok'], [0, 'strike', 'barred after repeated refusals'], [30_000, 'strike', 'ok'], [0, 'strike', 'ok'], [0, 'strike', 'barred after repeated refusals'], [59_000, 'none', 'barred after repeated refusals'], [1000, 'none', 'ok']],
    ],
  ] as const)('%s', (_name, steps) => {
    const { b, clock } = budget();
    let id = 0;
    for (const [ms, event, expected] of steps) {
      clock.advance(ms);
      if (event === 'strike') b.strike('bad');
      const r = connect(b, ++id, 'bad');
      b.closed(id);
      expect(r, `after ${event} at +${ms} ms`).toBe(expected);
    }
  });

  it('remembers a bounded number of peers, forgetting the least recently struck', () => {
    const { b } = budget();
    for (const p of ['a', 'b', 'c', 'a', 'd']) b.strike(p);
    expect(b.usage().trackedPeers).toBe(3);
    // 'b' was forgotten: three new strikes are needed to bar it, 'a' keeps its two.
    b.strike('a');
    expect(connect(b, 1, 'a')).toBe('barred after repeated refusals');
    b.strike('b');
    b.strike('b');
    expect(connect(b, 2, 'b')).toBe('ok');
  });
});

describe('AdmissionBudget: by source address, before the handshake', () => {
  it.each([
    ['127.0.0.1:4433', '127.0.0.1'],
    ['[::1]:5', '0:0:0:0::/64'],
    ['[2001:db8:aa:bb:1:2:3:4]:9', '2001:db8:aa:bb::/64'],
    ['[2001:DB8:00aa::1]:9', '2001:db8:aa:0::/64'],
    ['[::ffff:10.0.0.7]:1', '10.0.0.7'],
    ['[fe80::1%eth0]:1', 'fe80:0:0:0::/64'],
  ])('sourceKey(%s) = %s', (addr, key) => expect(sourceKey(addr)).toBe(key));

  it('strikes bar the address too: a fresh endpoint id from it is refused before any handshake', () => {
    const { b } = budget();
    for (let i = 0; i < 3; i++) {
      expect(b.startHandshake('10.0.0.1').ok).toBe(true);
      expect(b.opened(i, `fresh-${i}`, '10.0.0.1').ok).toBe(true);
      expect(b.refused(i)).toBe(true);
      b.closed(i);
    }
    expect(b.startHandshake('10.0.0.1')).toEqual({ ok: false, reason: 'barred after repeated refusals' });
    expect(b.startHandshake('10.0.0.2').ok).toBe(true);
  });

  it('handshakes are rate-limited per address and in total', () => {
    const clock = new FakeClock();
    const b = new AdmissionBudget({ ...LIMITS, maxUnauthenticated: 1000, maxConnections: 1000, handshakes: { burst: 6, perSecond: 2 }, handshakesPerSource: { burst: 3, perSecond: 1 } }, clock.now);
    const tries = (source: string, n: number) =>
      Array.from({ length: n }, () => {
        const a = b.startHandshake(source);
        if (a.ok) b.handshakeFailed();
        return a.ok ? 'ok' : a.reason;
      });
    expect(tries('a', 4)).toEqual(['ok', 'ok', 'ok', 'too many connection attempts from this address']);
    expect(tries('b', 4)).toEqual(['ok', 'ok', 'ok', 'too many connection attempts from this address']);
    expect(tries('c', 1)).toEqual(['too many connection attempts']);
    clock.advance(1000);
    expect(tries('a', 2)).toEqual(['ok', 'too many connection attempts from this address']);
  });
});
