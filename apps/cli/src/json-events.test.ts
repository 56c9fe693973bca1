import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ViewerSnapshot, ViewerStats } from '@pixelpass/core';
import type { HostStatusSource } from './host-status.js';
import { HostJsonReport, hostJson, jsonLogger, JsonLines, refusalJson, viewerSnapshotJson, type JsonEvent } from './json-events.js';

const viewer = (label: string, kind: 'direct' | 'relay', rttMs: number | null, id = 1) => ({ id, label, path: { kind, rttMs } }) as unknown as ViewerStats;
const snap = (o: Partial<ViewerSnapshot> = {}): ViewerSnapshot => ({ connected: true, path: { kind: 'direct', rttMs: 3 }, bytesReceived: 10, players: 1, reconnects: 0, stream: undefined, ...o });
const stream = (rendition: string, index: number) => ({ rendition, index, renditions: 3, rateBps: undefined, delayMs: 100 });

describe('--json lines', () => {
  it('one object per line, event and time first', () => {
    let out = '';
    const sink = new JsonLines({ write: (t: string) => (out += t) }, () => new Date('2026-01-02T03:04:05.000Z'));
    sink.emit({ event: 'ticket', output: 'stdout' });
    jsonLogger(sink, 'normal').warn('careful');
    jsonLogger(sink, 'normal').debug('hidden');
    jsonLogger(sink, 'verbose').debug('shown');
    jsonLogger(sink, 'quiet').info('hidden');
    expect(out.split('\n')).toEqual([
      '{"event":"ticket","time":"2026-01-02T03:04:05.000Z","output":"stdout"}',
      '{"event":"log","time":"2026-01-02T03:04:05.000Z","level":"warn","message":"careful"}',
      '{"event":"log","time":"2026-01-02T03:04:05.000Z","level":"debug","message":"shown"}',
      '',
    ]);
  });

  it.each([
    [{ kind: 'joined', viewer: viewer('ab12', 'direct', 3.4), watching: 1 }, { event: 'viewer-joined', viewer: 'ab12', path: 'direct', rttMs: 3, watching: 1, maxViewers: 2 }],
    [{ kind: 'left', viewer: viewer('ab12', 'relay', null), reason: 'viewer closed the stream', watching: 0 }, { event: 'viewer-left', viewer: 'ab12', path: 'relay', rttMs: null, reason: 'viewer closed the stream', watching: 0, maxViewers: 2 }],
    [{ kind: 'dropped', viewer: viewer('cd', 'direct', 40), reason: 'stalled', watching: 1 }, { event: 'viewer-dropped', viewer: 'cd', path: 'direct', rttMs: 40, reason: 'stalled', watching: 1, maxViewers: 2 }],
    [{ kind: 'skipped', viewer: viewer('cd', 'direct', 40), bytes: 5 }, { event: 'viewer-skipped', viewer: 'cd', bytes: 5 }],
    [{ kind: 'refused', peer: 'ee', code: 'full', reason: 'the host is full (2 of 2 watching); try again later' }, { event: 'viewer-refused', viewer: 'ee', code: 'full', reason: 'the host is full (2 of 2 watching); try again later' }],
    [{ kind: 'capture-started' }, { event: 'capture-started' }],
    [{ kind: 'capture-failed', reason: 'window closed' }, { event: 'capture-failed', reason: 'window closed' }],
    [{ kind: 'publish-lost', target: 'rtmp://h/live/***', reason: 'server closed', retryInMs: 2000 }, { event: 'publish-lost', target: 'rtmp://h/live/***', reason: 'server closed', retryInMs: 2000 }],
  ] as const)('host %j', (input, expected) => {
    expect(hostJson(input, 2)).toEqual(expected);
  });

  it('the host report follows the session and stops', () => {
    const events: JsonEvent[] = [];
    const session = Object.assign(new EventEmitter(), { viewerCount: 1, viewers: () => [], totals: () => ({}), captureState: () => 'idle' }) as unknown as HostStatusSource & EventEmitter;
    const report = new HostJsonReport(session, { enabled: true, emit: (e) => void events.push(e) }, 2);
    report.start();
    session.emit('viewer-joined', viewer('ab', 'direct', 1));
    session.emit('viewer-dropped', viewer('ab', 'direct', 1), 'stopped reading');
    session.emit('viewer-left', viewer('ab', 'direct', 1), 'dropped'); // already said as dropped
    report.stop();
    session.emit('viewer-joined', viewer('cd', 'direct', 1, 2));
    expect(events.map((e) => e.event)).toEqual(['viewer-joined', 'viewer-dropped']);
  });

  it.each([
    ['nothing changed', snap(), snap(), []],
    ['lost', snap(), snap({ connected: false }), [{ event: 'connection-lost' }]],
    ['back', snap({ connected: false }), snap(), [{ event: 'reconnected' }]],
    ['to a relay', snap(), snap({ path: { kind: 'relay', rttMs: 48.6 } }), [{ event: 'path', path: 'relay', rttMs: 49 }]],
    ['RTT jitter is no news', snap({ path: { kind: 'direct', rttMs: 21 } }), snap({ path: { kind: 'direct', rttMs: 28 } }), []],
    ['RTT doubled is', snap({ path: { kind: 'direct', rttMs: 21 } }), snap({ path: { kind: 'direct', rttMs: 90 } }), [{ event: 'path', path: 'direct', rttMs: 90 }]],
    ['a player', snap({ players: 0 }), snap({ players: 1 }), [{ event: 'players', players: 1 }]],
    ['first bytes', snap({ bytesReceived: 0 }), snap(), [{ event: 'first-bytes' }]],
    ['a rendition', snap(), snap({ stream: stream('720p 4.0 Mbit/s', 0) }), [{ event: 'rendition', rendition: '720p 4.0 Mbit/s', index: 0, renditions: 3 }]],
    ['down the ladder', snap({ stream: stream('720p 4.0 Mbit/s', 0) }), snap({ stream: stream('480p 1.3 Mbit/s', 1) }), [{ event: 'rendition', rendition: '480p 1.3 Mbit/s', index: 1, renditions: 3 }]],
    ['the same one', snap({ stream: stream('720p 4.0 Mbit/s', 0) }), snap({ stream: stream('720p 4.0 Mbit/s', 0) }), []],
  ])('viewer: %s', (_w, prev, next, expected) => {
    expect(viewerSnapshotJson(prev, next)).toEqual(expected);
  });

  it('a refusal', () => {
    expect(refusalJson({ status: 403, code: 'declined', message: 'the host declined' })).toEqual({ event: 'refused', code: 'declined', status: 403, message: 'the host declined' });
    expect(refusalJson({ status: 500, code: undefined, message: 'x' })).toMatchObject({ code: 'unknown' });
  });
});
