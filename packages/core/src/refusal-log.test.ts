import { describe, expect, it } from 'vitest';
import { groupDigits, RefusalLog } from './refusal-log.js';
import { FakeClock } from './test-support/fakes.js';

describe('groupDigits', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1 000'],
    [98_374, '98 374'],
    [1_234_567, '1 234 567'],
  ])('%i → %s', (n, text) => expect(groupDigits(n)).toBe(text));
});

describe('RefusalLog', () => {
  const WRONG = 'wrong or missing ticket secret';
  const line = (peer: string) => `refused a stream from ${peer}: ${WRONG}`;

  it('says the first refusal at once and sums up the rest of the window in one line', () => {
    const clock = new FakeClock();
    const log = new RefusalLog(clock.now);
    const said: string[] = [];
    for (let i = 0; i < 98_374; i++) {
      const peer = `p${i % 20}`;
      const now = log.record('stream', WRONG, peer, line(peer));
      if (now) said.push(now);
    }
    expect(said).toEqual([line('p0')]);
    clock.advance(9999);
    expect(log.flush()).toEqual([]);
    clock.advance(1);
    expect(log.flush()).toEqual([`refused 98 374 streams from 20 peers in the last 10 s: ${WRONG}`]);
  });

  it.each([
    // [events: 'r' = a refusal, number = ms passing then a flush], expected lines said
    ['one refusal alone: said once, no summary', ['r', 10_000], [line('p')]],
    ['a quiet window closes: the next refusal is said at once again', ['r', 10_000, 10_000, 'r'], [line('p'), line('p')]],
    [
      'a busy window goes on counting without a first line of its own',
      ['r', 'r', 10_000, 'r', 10_000, 'r'],
      [line('p'), `refused 2 streams from 1 peer in the last 10 s: ${WRONG}`, `refused 1 stream from 1 peer in the last 10 s: ${WRONG}`],
    ],
  ] as const)('%s', (_name, events, expected) => {
    const clock = new FakeClock();
    const log = new RefusalLog(clock.now);
    const said: string[] = [];
    for (const e of events) {
      if (e === 'r') {
        const now = log.record('stream', WRONG, 'p', line('p'));
        if (now) said.push(now);
      } else {
        clock.advance(e);
        said.push(...log.flush());
      }
    }
    expect(said).toEqual(expected);
  });

  it('counts kinds and units apart; a forced flush says everything that is left', () => {
    const clock = new FakeClock();
    const log = new RefusalLog(clock.now);
    for (let i = 0; i < 3; i++) log.record('stream', 'request timeout', `s${i}`, 'x');
    for (let i = 0; i < 5; i++) log.record('connection', 'too many unauthenticated connections', `c${i}`, 'y');
    log.record('stream', WRONG, 'w', 'z');
    clock.advance(2000);
    expect(log.flush(true).sort()).toEqual([
      'refused 3 streams from 3 peers in the last 2 s: request timeout',
      'refused 5 connections from 5 peers in the last 2 s: too many unauthenticated connections',
    ]);
    expect(log.flush(true)).toEqual([]);
  });

  it('bounds the peers it counts', () => {
    const clock = new FakeClock();
    const log = new RefusalLog(clock.now, { windowMs: 10_000, maxPeersCounted: 2 });
    for (const p of ['a', 'b', 'a', 'c', 'd']) log.record('stream', WRONG, p, 'x');
    clock.advance(10_000);
    expect(log.flush()).toEqual([`refused 5 streams from at least 2 peers in the last 10 s: ${WRONG}`]);
  });
});
