import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BroadcastHub, type ViewerHandle, type ViewerStats } from './broadcast-hub.js';
import { FakeClock, FakeSink, flush } from './test-support/fakes.js';
import { audioPacket, concatBytes, H264_STREAMS, patPacket, pmtPacket, videoFrame } from './test-support/ts-synth.js';

// The hub's byte accounting, which the host prints at exit and the soak test
// checks: for every departed viewer,
//   sent = published + replayed + injected − skipped − discarded
// and `sent` is exactly what reached its sink — whatever the viewers did.

type Action =
  | { kind: 'frame'; key: boolean }
  | { kind: 'join'; instant: boolean }
  | { kind: 'pause'; viewer: number }
  | { kind: 'resume'; viewer: number }
  | { kind: 'fail'; viewer: number }
  | { kind: 'leave'; viewer: number }
  | { kind: 'tick'; ms: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('frame' as const), key: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), instant: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), viewer: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const), viewer: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail' as const), viewer: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), viewer: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3000 }) }) },
);

const gap = (v: ViewerStats): number =>
  v.bytesPublished + v.bytesReplayed + v.bytesInjected - v.bytesSkipped - v.bytesDiscarded - v.bytesSent;

describe('BroadcastHub accounting', { timeout: 60_000 }, () => {
  it('balances for every viewer, whatever joins, stalls, fails and leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { maxLength: 120 }), fc.constantFrom('live' as const, 'replay' as const, 'wait' as const), fc.boolean(), async (actions, join, controllable) => {
        const clock = new FakeClock();
        const hub = new BroadcastHub({
          now: clock.now,
          join,
          maxQueueBytes: 8 * 1024,
          maxQueueMs: 2000,
          stallTimeoutMs: 5000,
          gopCacheBytes: 16 * 1024,
        });
        // Keyframes on request come from the stream the test publishes; the request itself is only counted.
        if (controllable) hub.setKeyframeSource(() => undefined);
        const viewers: Array<{ sink: FakeSink; handle: ViewerHandle }> = [];
        const pick = (i: number) => viewers[i % Math.max(1, viewers.length)];
        for (const a of actions) {
          switch (a.kind) {
            case 'frame':
              if (a.key) hub.publish(concatBytes([patPacket(), pmtPacket(H264_STREAMS)]));
              hub.publish(concatBytes([...videoFrame({ key: a.key, extraPackets: 3 }), audioPacket()]));
              break;
            case 'join': {
              const sink = new FakeSink();
              viewers.push({ sink, handle: hub.addViewer(`v${viewers.length}`, sink) });
              break;
            }
            case 'pause':
              if (pick(a.viewer)) pick(a.viewer)!.sink.paused = true;
              break;
            case 'resume':
              pick(a.viewer)?.sink.resume();
              break;
            case 'fail':
              if (pick(a.viewer)) pick(a.viewer)!.sink.failWith = new Error('reset');
              break;
            case 'leave':
              pick(a.viewer)?.handle.leave('left');
              break;
            case 'tick':
              clock.advance(a.ms);
              break;
          }
          await flush();
        }
        for (const v of viewers) v.handle.leave('end');
        for (const v of viewers) v.sink.resume();
        await flush();
        const ledger = hub.ledger();
        expect(ledger).toHaveLength(viewers.length);
        for (const stats of ledger) {
          expect(gap(stats), JSON.stringify(stats)).toBe(0);
          const sink = viewers[Number(stats.label.slice(1))]!.sink;
          expect(stats.bytesSent).toBe(sink.bytes().length);
        }
        const totals = hub.totals();
        expect(totals.bytesSent).toBe(ledger.reduce((n, s) => n + s.bytesSent, 0));
      }),
      { numRuns: 300 },
    );
  });
});
