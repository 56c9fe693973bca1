import { describe, expect, it } from 'vitest';
import { CONNECTION_CLOSED_UNAUTHENTICATED, HostAdmission } from './host-admission.js';
import type { PeerConnection } from './ports/transport.js';
import { FakeClock, FakePeerStream, RecordingLogger } from './test-support/fakes.js';

function conn(id: number, peerId = `peer-${id}`): PeerConnection & { closedWith?: { code: number; reason: string } } {
  const c: PeerConnection & { closedWith?: { code: number; reason: string } } = {
    id,
    peer: { id: peerId, shortId: peerId.slice(0, 6), path: () => ({ kind: 'direct', rttMs: 1 }) },
    close: (reason) => void (c.closedWith = { ...reason }),
  };
  return c;
}

function setup() {
  const clock = new FakeClock();
  const log = new RecordingLogger();
  const admission = new HostAdmission(log, {
    now: clock.now,
    limits: { maxUnauthenticated: 3, maxUnauthenticatedPerPeer: 2, graceMs: 10_000 },
  });
  const open = (c: PeerConnection): boolean => admission.beforeHandshake() && admission.opened(c);
  return { clock, log, admission, open };
}

describe('HostAdmission', () => {
  it('closes unauthenticated connections after the grace, not authenticated ones, and says so once', () => {
    const { clock, log, admission, open } = setup();
    const a = conn(1);
    const b = conn(2);
    open(a);
    open(b);
    admission.authenticated(new FakePeerStream([], b.peer, b));
    clock.advance(10_000);
    admission.sweep();
    expect(a.closedWith).toEqual(CONNECTION_CLOSED_UNAUTHENTICATED);
    expect(b.closedWith).toBeUndefined();
    admission.sweep();
    expect(log.lines).toEqual(['warn: closed a connection from peer-1: no valid request within 10 s']);
  });

  it('refuses connections over budget before and after the handshake, in aggregated lines', () => {
    const { clock, log, admission, open } = setup();
    expect([1, 2, 3].map((i) => open(conn(i)))).toEqual([true, true, true]);
    expect(admission.beforeHandshake()).toBe(false);
    expect(admission.beforeHandshake()).toBe(false);
    admission.closed(conn(3));
    expect(open(conn(4, 'peer-1'))).toBe(true);
    admission.closed(conn(2));
    expect(open(conn(5, 'peer-1'))).toBe(false);
    clock.advance(10_000);
    admission.sweep();
    expect(log.lines.filter((l) => !l.includes('closed a connection'))).toEqual([
      'warn: refused a connection: too many unauthenticated connections',
      'warn: refused a connection from peer-1: too many unauthenticated connections from this peer',
      'warn: refused 2 connections from 1 peer in the last 10 s: too many unauthenticated connections',
    ]);
  });

  it('a refusal on an unauthenticated connection closes it after the answer; three bar the peer', async () => {
    const { admission, open } = setup();
    for (let i = 1; i <= 3; i++) {
      const c = conn(i, 'attacker');
      expect(open(c)).toBe(true);
      await admission.refused(new FakePeerStream([], c.peer, c), 'wrong or missing ticket secret', 'x');
      expect(c.closedWith?.code).toBe(3);
      admission.closed(c);
    }
    expect(open(conn(9, 'attacker'))).toBe(false);
    expect(open(conn(10, 'someone-else'))).toBe(true);
  });

  it('stop() says what was still being counted', () => {
    const { log, admission } = setup();
    for (let i = 0; i < 3; i++) admission.refusal('stream', 'wrong or missing ticket secret', 'p', 'first');
    admission.stop();
    expect(log.lines).toEqual(['warn: first', 'warn: refused 3 streams from 1 peer in the last 1 s: wrong or missing ticket secret']);
  });
});
