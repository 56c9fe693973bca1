import type { ViewerSnapshot } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { formatViewerStatus, statusEvents } from './viewer-status.js';

const snap = (o: Partial<ViewerSnapshot> = {}): ViewerSnapshot => ({
  connected: true,
  path: { kind: 'direct', rttMs: 1.4 },
  bytesReceived: 0,
  players: 0,
  reconnects: 0,
  stream: undefined,
  ...o,
});
const rendition = (index: number, rendition: string, rateBps?: number) => ({ rendition, index, renditions: 4, rateBps, delayMs: 80 });

describe('formatViewerStatus', () => {
  it('shows connection, path, RTT, bytes, rate and players', () => {
    expect(formatViewerStatus(snap({ bytesReceived: 2048, players: 1 }), 1_000_000)).toBe(
      '● connected · direct path · RTT 1 ms · 2.0 kB received (1.0 Mbit/s) · 1 player',
    );
    expect(formatViewerStatus(snap({ connected: false, path: { kind: 'direct', rttMs: null } }))).toBe(
      '○ reconnecting · direct path · RTT — · 0 B received · 0 players',
    );
  });

  it('names the rendition the host sends when it encodes several, not when it encodes one', () => {
    expect(formatViewerStatus(snap({ players: 1, stream: rendition(1, '720p 2.0 Mbit/s') }))).toMatch(/ · 1 player · 720p 2\.0 Mbit\/s \(2 of 4\)$/);
    expect(formatViewerStatus(snap({ players: 1, stream: { ...rendition(0, ''), renditions: 1 } }))).toMatch(/ · 1 player$/);
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
    [snap(), snap({ stream: rendition(0, '1080p 6.0 Mbit/s') }), ['status: the host adapts to your link; now 1080p 6.0 Mbit/s (1 of 4)']],
    [
      snap({ stream: rendition(0, '1080p 6.0 Mbit/s') }),
      snap({ stream: rendition(2, '540p 857 kbit/s', 1_100_000) }),
      ['status: the host now sends a lighter stream, 540p 857 kbit/s (3 of 4); your link carries about 1.1 Mbit/s'],
    ],
    [snap({ stream: rendition(2, '540p 857 kbit/s') }), snap({ stream: rendition(1, '720p 2.0 Mbit/s') }), ['status: the host now sends a better stream, 720p 2.0 Mbit/s (2 of 4)']],
    [snap({ stream: rendition(1, '720p 2.0 Mbit/s') }), snap({ stream: rendition(1, '720p 2.0 Mbit/s', 5e6) }), []],
  ])('%j → %j', (prev, next, lines) => expect(statusEvents(prev, next)).toEqual(lines));
});
