import { EventEmitter } from 'node:events';
import type { CaptureState, HostSessionEvents, HubTotals, PublishStats, ViewerStats } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { formatEvent, formatPath, formatPublishEvent, formatStatus, HostStatusDisplay, type PublishEvent, type StatusEvent } from './host-status.js';
import { TerminalLine, type TerminalOutput } from './terminal-line.js';
import { formatBitrate, formatBytes, RateMeter } from './units.js';

const viewer = (label: string, kind: 'direct' | 'relay' | 'unknown', rttMs: number | null, id = 1): ViewerStats => ({
  id,
  label,
  path: { kind, rttMs },
  bytesSent: 0,
  bytesSkipped: 0,
  bytesPublished: 0,
  bytesReplayed: 0,
  bytesInjected: 0,
  bytesDiscarded: 0,
  skips: 0,
  queuedBytes: 0,
  joinedAt: 0,
  deliveredBytes: 0,
  inTransitBytes: 0,
  rateBps: undefined,
  delayMs: 0,
  rendition: 0,
  renditionLabel: '',
  switches: 0,
});

const target = (over: Partial<PublishStats> = {}): PublishStats => ({
  label: 'publish:srt://10.0.0.5:9000',
  name: 'srt://10.0.0.5:9000',
  redacted: 'srt://10.0.0.5:9000?streamid=***',
  state: 'connected',
  connectedSince: 0,
  connections: 1,
  reconnects: 0,
  attempts: 1,
  failuresInRow: 0,
  bytesSent: 0,
  bytesSkipped: 0,
  lastError: '',
  retryAt: null,
  ...over,
});

describe('status formatting', () => {
  it.each([
    [{ kind: 'direct', rttMs: 2.6 }, 'direct, 3 ms RTT'],
    [{ kind: 'relay', rttMs: 48 }, 'relay, 48 ms RTT'],
    [{ kind: 'unknown', rttMs: null }, 'path unknown'],
    [{ kind: 'direct', rttMs: null }, 'direct'],
  ] as const)('path %o → %s', (p, text) => expect(formatPath(p)).toBe(text));

  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1500, '1.5 kB'],
    [4_200_000, '4.2 MB'],
    [3_000_000_000, '3.00 GB'],
  ])('%i bytes → %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [0, '0 kbit/s'],
    [850_000, '850 kbit/s'],
    [4_120_000, '4.1 Mbit/s'],
  ])('%i bit/s → %s', (n, text) => expect(formatBitrate(n)).toBe(text));

  it.each<[StatusEvent, string]>([
    [{ kind: 'joined', viewer: viewer('ab12cd34ef', 'direct', 3), watching: 1, maxViewers: 2 }, 'viewer ab12cd34ef joined (direct, 3 ms RTT); 1/2 watching'],
    [{ kind: 'joined', viewer: viewer('ab12cd34ef', 'relay', 41), watching: 2, maxViewers: 2 }, 'viewer ab12cd34ef joined (relay, 41 ms RTT); 2/2 watching'],
    [{ kind: 'left', viewer: viewer('ab12', 'direct', 3), reason: 'viewer closed the stream', watching: 0, maxViewers: 2 }, 'viewer ab12 left: viewer closed the stream; 0/2 watching'],
    [{ kind: 'dropped', viewer: viewer('ab12', 'direct', 3), reason: 'not reading for 16 s', watching: 1, maxViewers: 3 }, 'viewer ab12 disconnected: not reading for 16 s; 1/3 watching'],
    [{ kind: 'skipped', viewer: viewer('ab12', 'direct', 3), bytes: 1_234_567 }, 'viewer ab12 fell behind; skipped 1.2 MB to the next keyframe'],
    [
      { kind: 'switched', viewer: { ...viewer('ab12', 'direct', 3), renditionLabel: '540p 857 kbit/s', rendition: 2, rateBps: 1_100_000 }, from: 0, to: 2 },
      'viewer ab12 steps down to 540p 857 kbit/s; its link carries about 1.1 Mbit/s',
    ],
    [{ kind: 'switched', viewer: { ...viewer('ab12', 'direct', 3), renditionLabel: '720p 2.0 Mbit/s', rendition: 1 }, from: 2, to: 1 }, 'viewer ab12 steps up to 720p 2.0 Mbit/s'],
  ])('event → %s', (event, text) => expect(formatEvent(event)).toBe(text));

  it.each<[PublishEvent, string]>([
    [{ kind: 'connected', target: target() }, 'publish srt://10.0.0.5:9000 connected (srt://10.0.0.5:9000?streamid=***)'],
    [{ kind: 'connected', target: target({ connections: 3, reconnects: 2 }) }, 'publish srt://10.0.0.5:9000 connected again (reconnect 2)'],
    [
      { kind: 'failed', target: target({ state: 'retrying' }), reason: 'connection refused (is the server running and listening there?)', retryInMs: 500 },
      'publish srt://10.0.0.5:9000: cannot publish: connection refused (is the server running and listening there?); trying again in 0.5 s, with backoff (viewers are not affected)',
    ],
    [{ kind: 'lost', target: target({ state: 'retrying' }), reason: 'too slow: skipped ahead 6 times in 30 s', retryInMs: 16_000 }, 'publish srt://10.0.0.5:9000 lost: too slow: skipped ahead 6 times in 30 s; reconnecting in 16 s'],
    [{ kind: 'skipped', target: target(), bytes: 2_500_000 }, 'publish srt://10.0.0.5:9000 fell behind; skipped 2.5 MB to the next keyframe'],
  ])('publish event → %s', (event, text) => expect(formatPublishEvent(event)).toBe(text));

  const base = { maxViewers: 2, capture: 'running' as const, bitsPerSec: 8_100_000, skips: 3, drops: 1, publishers: [] };
  it.each([
    [{ ...base, viewers: [] }, 'summary', 'status: 0/2 viewers, out 8.1 Mbit/s, skips 3, drops 1, capture running'],
    [
      { ...base, viewers: [viewer('ab12', 'direct', 3), viewer('cd34', 'relay', 40.4, 2)] },
      'summary',
      'status: 2/2 viewers (ab12 direct 3 ms, cd34 relay 40 ms), out 8.1 Mbit/s, skips 3, drops 1, capture running',
    ],
    [
      { ...base, viewers: [{ ...viewer('ab12', 'direct', 3), renditionLabel: '720p 2.0 Mbit/s', rendition: 1, delayMs: 140 }] },
      'live',
      '1/2 viewers (ab12 direct 3 ms 720p 140 ms behind) · out 8.1 Mbit/s · skips 3 · drops 1 · capture running',
    ],
    [
      { ...base, capture: 'lingering' as const, viewers: [viewer('ab12', 'unknown', null)] },
      'live',
      '1/2 viewers (ab12 ?) · out 8.1 Mbit/s · skips 3 · drops 1 · capture lingering',
    ],
    [
      {
        ...base,
        viewers: [],
        publishers: [
          { stats: target({ reconnects: 1 }), bitsPerSec: 4_000_000 },
          { stats: target({ name: 'rtmp://127.0.0.1:1935/live', state: 'retrying', failuresInRow: 3 }), bitsPerSec: 0 },
        ],
      },
      'summary',
      'status: 0/2 viewers, out 8.1 Mbit/s, skips 3, drops 1, capture running, publish srt://10.0.0.5:9000 connected 4.0 Mbit/s, 1 reconnect, publish rtmp://127.0.0.1:1935/live retrying (3 failed)',
    ],
  ] as const)('status %#: %s', (snapshot, style, text) => expect(formatStatus(snapshot, style)).toBe(text));
});

describe('RateMeter', () => {
  it.each([
    ['steady 1 MB/s', [[0, 0], [1000, 1_000_000], [2000, 2_000_000]], 8_000_000],
    ['no time elapsed', [[0, 0]], 0],
    ['old samples leave the 5 s window', [[0, 0], [1000, 10_000_000], [7000, 10_000_000], [8000, 10_000_000]], 0],
  ])('%s', (_name, samples, bps) => {
    const m = new RateMeter(5000);
    let last = 0;
    for (const [at, total] of samples) last = m.sample(at!, total!);
    expect(last).toBeCloseTo(bps, 0);
  });
});

class FakeOut implements TerminalOutput {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 200,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** A host session as the display sees it: events, and the figures it reads. */
class FakeSession extends EventEmitter<HostSessionEvents> {
  readonly watching: ViewerStats[] = [];
  get viewerCount(): number {
    return this.watching.length;
  }
  viewers(): ViewerStats[] {
    return [...this.watching];
  }
  totals(): HubTotals {
    return { bytesPublished: 0, bytesSent: 0, skips: 0, drops: 0, keyframes: 0 };
  }
  captureState(): CaptureState {
    return 'idle';
  }
  readonly targets: PublishStats[] = [];
  publishers(): PublishStats[] {
    return [...this.targets];
  }
  join(v: ViewerStats): void {
    this.watching.push(v);
    this.emit('viewer-joined', v);
  }
  leave(v: ViewerStats, reason: string): void {
    this.watching.splice(this.watching.indexOf(v), 1);
    this.emit('viewer-left', v, reason);
  }
}

function setup(isTTY: boolean, columns = 200) {
  const session = new FakeSession();
  const out = new FakeOut(isTTY, columns);
  const line = new TerminalLine(out, isTTY);
  let t = 0;
  const status = new HostStatusDisplay(session, line, line.logger(), { maxViewers: 2, now: () => t, summaryEveryMs: 1e9, refreshEveryMs: 1e9 });
  return { session, out, line, status, advance: (ms: number) => (t += ms) };
}

describe('HostStatusDisplay', () => {
  it('off a terminal: a line per event and a summary line with the bitrate out', () => {
    const { session, out, status, advance } = setup(false);
    status.start();
    const a = viewer('ab12', 'direct', 2);
    session.join(a);
    session.leave(a, 'viewer closed the stream');
    expect(out.text.split('\n')).toEqual([
      'pixelpass: viewer ab12 joined (direct, 2 ms RTT); 1/2 watching',
      'pixelpass: viewer ab12 left: viewer closed the stream; 0/2 watching',
      '',
    ]);
    out.text = '';
    status.tick();
    expect(out.text).toBe(''); // idle: no summary spam
    session.join(viewer('cd34', 'relay', 40, 2));
    out.text = '';
    advance(10_000);
    status.tick();
    expect(out.text).toBe('pixelpass: status: 1/2 viewers (cd34 relay 40 ms), out 0 kbit/s, skips 0, drops 0, capture idle\n');
    status.stop();
  });

  it('a dropped viewer is reported once, as disconnected', () => {
    const { session, out, status } = setup(false);
    status.start();
    const v = viewer('slow1', 'direct', 5, 7);
    // The hub reports a drop, then the removal that follows it.
    session.emit('viewer-dropped', v, 'not reading for 16 s');
    session.emit('viewer-left', v, 'not reading for 16 s');
    expect(out.text).toBe('pixelpass: warning: viewer slow1 disconnected: not reading for 16 s; 0/2 watching\n');
    status.stop();
  });

  it('on a terminal: one line redrawn in place, log lines above it, a prompt left alone', () => {
    const { session, out, line, status } = setup(true);
    status.start();
    expect(out.text).toBe('\r\x1b[2K0/2 viewers · out 0 kbit/s · skips 0 · drops 0 · capture idle');
    out.text = '';
    session.join(viewer('ab12', 'direct', 2));
    // The event line clears the status line, prints, and the status line comes back under it.
    expect(out.text).toBe(
      '\r\x1b[2Kpixelpass: viewer ab12 joined (direct, 2 ms RTT); 1/2 watching\n0/2 viewers · out 0 kbit/s · skips 0 · drops 0 · capture idle',
    );
    out.text = '';
    status.tick();
    expect(out.text).toBe('\r\x1b[2K1/2 viewers (ab12 direct 2 ms) · out 0 kbit/s · skips 0 · drops 0 · capture idle');
    // A question waiting for an answer is not drawn over.
    line.print('admit viewer cd34? [y/N] ');
    out.text = '';
    status.tick();
    expect(out.text).toBe('');
    line.print('y\n');
    expect(out.text.endsWith('1/2 viewers (ab12 direct 2 ms) · out 0 kbit/s · skips 0 · drops 0 · capture idle')).toBe(true);
    out.text = '';
    status.stop();
    expect(out.text).toBe('\r\x1b[2K');
  });

  it('an unreachable server is one warning, however many attempts fail; a new reason or a lost connection is news', () => {
    const { session, out, status } = setup(false);
    status.start();
    const failed = target({ state: 'retrying', connections: 0 });
    for (let i = 0; i < 5; i++) session.emit('publish-failed', failed, 'connection refused', 500 * 2 ** i);
    session.emit('publish-failed', failed, 'no answer', 30_000);
    session.emit('publish-connected', target());
    session.emit('publish-lost', target({ state: 'retrying' }), 'the SRT connection broke', 500);
    session.emit('publish-failed', failed, 'the SRT connection broke', 1000);
    expect(out.text.split('\n')).toEqual([
      'pixelpass: warning: publish srt://10.0.0.5:9000: cannot publish: connection refused; trying again in 0.5 s, with backoff (viewers are not affected)',
      'pixelpass: warning: publish srt://10.0.0.5:9000: cannot publish: no answer; trying again in 30 s, with backoff (viewers are not affected)',
      'pixelpass: publish srt://10.0.0.5:9000 connected (srt://10.0.0.5:9000?streamid=***)',
      'pixelpass: warning: publish srt://10.0.0.5:9000 lost: the SRT connection broke; reconnecting in 0.5 s',
      '',
    ]);
    status.stop();
  });

  it('a publishing host with no viewer still logs its summary, with the bitrate of each target', () => {
    const { session, out, status, advance } = setup(false);
    session.targets.push(target({ bytesSent: 0 }));
    status.start();
    session.targets[0] = target({ bytesSent: 5_000_000 });
    advance(10_000);
    out.text = '';
    status.tick();
    expect(out.text).toBe('pixelpass: status: 0/2 viewers, out 0 kbit/s, skips 0, drops 0, capture idle, publish srt://10.0.0.5:9000 connected 4.0 Mbit/s\n');
    status.stop();
  });

  it('never wraps the live line', () => {
    const { out, status } = setup(true, 30);
    status.start();
    expect(out.text).toBe('\r\x1b[2K0/2 viewers · out 0 kbit/s ·…');
    status.stop();
  });
});
