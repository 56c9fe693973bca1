import { describe, expect, it } from 'vitest';
import { formatBytes, formatRate, formatViewerStatus, statusEvents, type ViewerSnapshot } from './viewer-status.js';

const snap = (o: Partial<ViewerSnapshot> = {}): ViewerSnapshot => ({
  connected: true,
  path: 'direct',
  rttMs: 1.4,
  bytesReceived: 0,
  players: 0,
  reconnects: 0,
  ...o,
});

describe('formatBytes / formatRate', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [300 * 1024 * 1024, '300 MiB'],
  ])('%d → %s', (n, s) => expect(formatBytes(n)).toBe(s));
  it.each([
    [125_000, 1000, '1.0 Mbit/s'],
    [500, 1000, '4 kbit/s'],
    [10, 1000, '80 bit/s'],
    [10, 0, '—'],
  ])('%d bytes / %d ms → %s', (b, ms, s) => expect(formatRate(b, ms)).toBe(s));
});

describe('formatViewerStatus', () => {
  it('shows connection, path, RTT, bytes and players', () => {
    expect(formatViewerStatus(snap({ bytesReceived: 2048, players: 1 }), '1.0 Mbit/s')).toBe(
      '● connected · direct path · RTT 1 ms · 2.0 KiB received (1.0 Mbit/s) · 1 player',
    );
    expect(formatViewerStatus(snap({ connected: false, rttMs: null }))).toBe('○ reconnecting · direct path · RTT — · 0 B received · 0 players');
  });
});

describe('statusEvents', () => {
  it.each([
    [undefined, snap(), ['status: connected']],
    [snap(), snap({ bytesReceived: 10 }), ['status: first bytes of the stream arrived']],
    [snap({ bytesReceived: 10 }), snap({ bytesReceived: 99 }), []],
    [snap(), snap({ players: 1 }), ['status: 1 player watching']],
    [snap(), snap({ connected: false }), ['status: connection lost, reconnecting']],
    [snap(), snap({ path: 'relay' }), ['status: now on a relay path']],
  ])('%j → %j', (prev, next, lines) => expect(statusEvents(prev, next)).toEqual(lines));
});
