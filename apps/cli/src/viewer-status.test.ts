import type { ViewerSnapshot } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { formatViewerStatus, statusEvents } from './viewer-status.js';

const snap = (o: Partial<ViewerSnapshot> = {}): ViewerSnapshot => ({
  connected: true,
  path: { kind: 'direct', rttMs: 1.4 },
  bytesReceived: 0,
  players: 0,
  reconnects: 0,
  ...o,
});

describe('formatViewerStatus', () => {
  it('shows connection, path, RTT, bytes, rate and players', () => {
    expect(formatViewerStatus(snap({ bytesReceived: 2048, players: 1 }), 1_000_000)).toBe(
      '● connected · direct path · RTT 1 ms · 2.0 kB received (1.0 Mbit/s) · 1 player',
    );
    expect(formatViewerStatus(snap({ connected: false, path: { kind: 'direct', rttMs: null } }))).toBe(
      '○ reconnecting · direct path · RTT — · 0 B received · 0 players',
    );
  });
});

describe('statusEvents', () => {
  it.each([
    [undefined, snap(), ['status: connected']],
    [snap(), snap({ bytesReceived: 10 }), ['status: first bytes of the stream arrived']],
    [snap({ bytesReceived: 10 }), snap({ bytesReceived: 99 }), []],
    [snap(), snap({ players: 1 }), ['status: 1 player watching']],
    [snap(), snap({ connected: false }), ['status: connection lost, reconnecting']],
    [snap(), snap({ path: { kind: 'relay', rttMs: 40 } }), ['status: now on a relay path']],
  ])('%j → %j', (prev, next, lines) => expect(statusEvents(prev, next)).toEqual(lines));
});
