import { describe, expect, it } from 'vitest';
import { BroadcastHub, type HubOptions } from './broadcast-hub.js';
import { MediaChunk } from './media-chunk.js';
import { parseTsHeader, TS_PACKET_SIZE } from './mpeg-ts.js';
import { FakeClock, FakeSink, flush } from './test-support/fakes.js';
import { CANONICAL_VIDEO_PID } from './rendition-splitter.js';
import { DEFAULT_POLICY } from './rendition-policy.js';
import {
  audioPacket,
  AUDIO_PID,
  concatBytes,
  H264_STREAMS,
  patPacket,
  PMT_PID,
  pmtPacket,
  VIDEO_PID,
  videoFrame,
} from './test-support/ts-synth.js';

const EXTRA = 4; // continuation packets per frame: a frame is 5 packets + 1 audio packet
const FRAME_BYTES = (EXTRA + 2) * TS_PACKET_SIZE;
const HEAD = concatBytes([patPacket(), pmtPacket(H264_STREAMS)]);
const frame = (key: boolean): Uint8Array => concatBytes([...videoFrame({ key, extraPackets: EXTRA }), audioPacket()]);

/** Names each packet: PAT, PMT, K (keyframe start), P (frame start), v (video continuation), A (audio). */
function describePackets(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let off = 0; off < bytes.length; off += TS_PACKET_SIZE) {
    const h = parseTsHeader(bytes, off);
    if (h.pid === 0) out.push('PAT');
    else if (h.pid === PMT_PID) out.push('PMT');
    else if (h.pid === AUDIO_PID) out.push('A');
    else if (h.pid === VIDEO_PID && !h.payloadUnitStart) out.push('v');
    else if (h.pid === VIDEO_PID) out.push(h.randomAccess ? 'K' : 'P');
    else out.push('?');
  }
  return out;
}

/** Frame starts only (K/P), with PAT/PMT: the shape of a viewer's stream. */
function frames(bytes: Uint8Array): string[] {
  return describePackets(bytes).filter((p) => p !== 'v' && p !== 'A');
}

function hub(options: Partial<HubOptions> = {}, clock = new FakeClock()): BroadcastHub {
  return new BroadcastHub({ now: clock.now, ...options });
}

/** Publishes PAT/PMT and `gops` GOPs of `perGop` frames, each frame its own publish (as pipe reads). */
function publishGops(h: BroadcastHub, gops: number, perGop: number, clock?: FakeClock, stepMs = 0): void {
  for (let g = 0; g < gops; g++) {
    for (let f = 0; f < perGop; f++) {
      if (f === 0) h.publish(HEAD);
      h.publish(frame(f === 0));
      clock?.advance(stepMs);
    }
  }
}

describe('BroadcastHub: fan-out', () => {
  it('every viewer gets the same stream, from PAT/PMT and a keyframe, as the same chunk objects', async () => {
    const h = hub();
    const sinks = [new FakeSink(), new FakeSink(), new FakeSink()];
    sinks.forEach((s, i) => h.addViewer(`v${i}`, s));
    publishGops(h, 2, 3);
    await flush();
    for (const s of sinks) expect(frames(s.bytes())).toEqual(['PAT', 'PMT', 'K', 'P', 'P', 'PAT', 'PMT', 'K', 'P', 'P']);
    // Past the per-viewer PAT/PMT header, chunks are shared, not copied.
    const shared = sinks[0]!.chunks.slice(1);
    for (const s of sinks.slice(1)) s.chunks.slice(1).forEach((c, i) => expect(c).toBe(shared[i]));
  });

  it('a transport conversion runs once per chunk, not once per viewer', async () => {
    const h = hub();
    const KEY = Symbol('test');
    let conversions = 0;
    const convert = (b: Uint8Array): number[] => {
      conversions++;
      return Array.from(b);
    };
    const writes: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.addViewer(`v${i}`, {
        write: async (chunk: MediaChunk) => {
          writes.push(chunk.converted(KEY, convert).length);
        },
        end: () => undefined,
      });
    }
    h.publish(HEAD);
    h.publish(frame(true));
    for (let i = 0; i < 8; i++) h.publish(frame(false));
    await flush();
    // 9 frames (a video chunk and a sound chunk each) shared by 4 viewers + 4 per-viewer PAT/PMT headers.
    expect(writes).toHaveLength(4 * 19);
    expect(conversions).toBe(18 + 4);
  });

  it('splits a publish so that each keyframe starts a chunk', async () => {
    const h = hub();
    const s = new FakeSink();
    h.addViewer('v', s);
    h.publish(concatBytes([HEAD, frame(true), frame(false), frame(true), frame(false)]));
    await flush();
    expect(h.keyframes).toBe(2);
    expect(s.chunks.filter((c) => c.keyframe)).toHaveLength(2);
    for (const c of s.chunks.filter((c) => c.keyframe)) expect(describePackets(c.bytes)[0]).toBe('K');
  });
});

describe('BroadcastHub: joining', () => {
  it.each([
    ['replay starts from the cached GOP', 'replay', ['PAT', 'PMT', 'K', 'P', 'P', 'P', 'PAT', 'PMT', 'K']],
    ['live without a keyframe source replays too', 'live', ['PAT', 'PMT', 'K', 'P', 'P', 'P', 'PAT', 'PMT', 'K']],
    ['wait: the viewer waits for the next keyframe', 'wait', ['PAT', 'PMT', 'K']],
  ] as const)('%s', async (_name, join, expected) => {
    const h = hub({ join });
    h.addViewer('early', new FakeSink());
    publishGops(h, 1, 3);
    const late = new FakeSink();
    h.addViewer('late', late);
    await flush();
    h.publish(frame(false));
    h.publish(HEAD);
    h.publish(frame(true));
    await flush();
    expect(frames(late.bytes())).toEqual(expected);
  });

  it('live: a joining viewer asks for a keyframe and starts there, not in the cached GOP; joins close together ask once', async () => {
    const clock = new FakeClock();
    const h = hub({ join: 'live', now: clock.now });
    let asked = 0;
    h.setKeyframeSource(() => asked++);
    h.addViewer('early', new FakeSink());
    publishGops(h, 1, 3);
    const late = new FakeSink();
    h.addViewer('late', late);
    clock.advance(100);
    h.addViewer('later', new FakeSink());
    expect(asked).toBe(1);
    clock.advance(300);
    h.addViewer('much later', new FakeSink());
    expect(asked).toBe(2);
    expect(h.keyframeRequests).toBe(2);
    h.publish(frame(false));
    // The keyframe the request made:
    h.publish(HEAD);
    h.publish(frame(true));
    h.publish(frame(false));
    await flush();
    expect(frames(late.bytes())).toEqual(['PAT', 'PMT', 'K', 'P']);
    expect(late.chunks[0]!.keyframe || frames(Buffer.from(late.chunks[0]!.bytes))[0] === 'PAT').toBe(true);
  });

  it('a GOP past the cache bound is not cached: new viewers wait for a keyframe', async () => {
    const h = hub({ gopCacheBytes: 3 * FRAME_BYTES });
    publishGops(h, 1, 5);
    expect(h.gopCacheBytes).toBe(0);
    const s = new FakeSink();
    h.addViewer('v', s);
    await flush();
    expect(s.chunks).toHaveLength(0);
    h.publish(frame(true));
    await flush();
    expect(frames(s.bytes())).toEqual(['PAT', 'PMT', 'K']);
    expect(h.gopCacheBytes).toBe(FRAME_BYTES);
  });

  it('emits viewer-joined with the viewer path from its peer', () => {
    const h = hub();
    const joined: unknown[] = [];
    h.on('viewer-joined', (label, v) => joined.push([label, v.path, v.id]));
    h.addViewer('abc', new FakeSink(), { path: () => ({ kind: 'direct', rttMs: 3 }) });
    h.addViewer('abc', new FakeSink());
    expect(joined).toEqual([
      ['abc', { kind: 'direct', rttMs: 3 }, 1],
      ['abc', { kind: 'unknown', rttMs: null }, 2],
    ]);
  });
});

describe('BroadcastHub: slow viewers', () => {
  it('a paused viewer skips ahead at its byte bound; the others get every byte; memory stays bounded', async () => {
    const maxQueueBytes = 5 * FRAME_BYTES;
    const h = hub({ maxQueueBytes, maxSkips: 1000, stallTimeoutMs: 1e9, maxQueueMs: 1e9 });
    const fast = new FakeSink();
    const slow = new FakeSink();
    h.addViewer('fast', fast);
    const slowHandle = h.addViewer('slow', slow);
    const skipped: number[] = [];
    h.on('viewer-skipped', (label, bytes) => label === 'slow' && skipped.push(bytes));
    publishGops(h, 1, 2);
    await flush();
    slow.paused = true;
    let maxQueued = 0;
    for (let g = 0; g < 20; g++) {
      h.publish(HEAD);
      for (let f = 0; f < 4; f++) {
        h.publish(frame(f === 0));
        maxQueued = Math.max(maxQueued, slowHandle.stats().queuedBytes);
        await flush();
      }
    }
    expect(skipped.length).toBeGreaterThan(5);
    expect(maxQueued).toBeLessThanOrEqual(maxQueueBytes + HEAD.length + FRAME_BYTES);
    expect(frames(fast.bytes()).filter((f) => f === 'K' || f === 'P')).toHaveLength(2 + 80);

    // Resumed: after the write that was in flight, the stream restarts at PAT/PMT + keyframe.
    const before = slow.chunks.length;
    slow.resume();
    await flush();
    h.publish(HEAD);
    h.publish(frame(true));
    h.publish(frame(false));
    await flush();
    const after = slow.chunks.slice(before + 1);
    expect(frames(concatBytes(after.map((c) => c.bytes))).slice(0, 3)).toEqual(['PAT', 'PMT', 'K']);
    expect(slowHandle.stats().bytesSkipped).toBeGreaterThan(0);
  });

  it('a paused viewer skips ahead at its time bound even at a low bitrate', async () => {
    const clock = new FakeClock();
    const h = hub({ maxQueueMs: 1000, maxQueueBytes: 1e9, stallTimeoutMs: 1e9, maxSkips: 100 }, clock);
    const s = new FakeSink();
    h.addViewer('slow', s);
    const skips: number[] = [];
    h.on('viewer-skipped', () => skips.push(clock.t));
    publishGops(h, 1, 1);
    await flush();
    s.paused = true;
    // 10 frames per second: the queue's oldest chunk passes 1 s after ~10 frames.
    const start = clock.t;
    for (let i = 0; i < 15; i++) {
      clock.advance(100);
      h.publish(frame(false));
    }
    expect(skips.length).toBe(1);
    expect(skips[0]! - start).toBeGreaterThan(1000);
    expect(skips[0]! - start).toBeLessThanOrEqual(1300);
  });

  it('overflowing on a keyframe resumes at that keyframe at once', async () => {
    const h = hub({ maxQueueBytes: 3 * FRAME_BYTES, maxQueueMs: 1e9, stallTimeoutMs: 1e9 });
    const s = new FakeSink();
    const handle = h.addViewer('v', s);
    h.publish(HEAD);
    h.publish(frame(true));
    await flush();
    s.paused = true;
    h.publish(frame(false)); // in flight, blocked
    await flush();
    h.publish(frame(false));
    h.publish(frame(false));
    h.publish(frame(false));
    h.publish(HEAD);
    h.publish(frame(true)); // over the bound here
    expect(handle.stats().skips).toBe(1);
    s.resume();
    await flush();
    expect(frames(s.bytes())).toEqual(['PAT', 'PMT', 'K', 'P', 'PAT', 'PMT', 'K']);
  });

  it('a viewer that skips too often is disconnected with a reason; the others stay', async () => {
    const h = hub({ maxQueueBytes: 2 * FRAME_BYTES, maxSkips: 3, slowWindowMs: 60_000, maxQueueMs: 1e9, stallTimeoutMs: 1e9 });
    const fast = new FakeSink();
    const slow = new FakeSink();
    h.addViewer('fast', fast);
    const handle = h.addViewer('slow', slow);
    const dropped: string[] = [];
    h.on('viewer-dropped', (label, reason) => dropped.push(`${label}: ${reason}`));
    publishGops(h, 1, 1);
    await flush();
    slow.paused = true;
    for (let i = 0; i < 40; i++) {
      if (i % 4 === 0) h.publish(HEAD);
      h.publish(frame(i % 4 === 0));
      await flush(); // the fast viewer drains between pipe reads
    }
    expect(dropped).toEqual(['slow: too slow: skipped ahead 3 times in 60 s']);
    expect(slow.ended).toEqual({ reason: 'too slow: skipped ahead 3 times in 60 s', error: true });
    expect(await handle.done).toMatch(/too slow/);
    expect(h.viewerCount).toBe(1);
    expect(h.totals().drops).toBe(1);
    expect(fast.ended).toBeUndefined();
  });

  it('skips outside the slow window do not add up to a disconnect', async () => {
    const clock = new FakeClock();
    const h = hub({ maxQueueBytes: 2 * FRAME_BYTES, maxSkips: 3, slowWindowMs: 10_000, maxQueueMs: 1e9, stallTimeoutMs: 1e9 }, clock);
    const s = new FakeSink();
    h.addViewer('v', s);
    publishGops(h, 1, 1);
    await flush();
    for (let round = 0; round < 5; round++) {
      s.paused = true;
      publishGops(h, 1, 4); // one overflow
      s.resume();
      await flush();
      clock.advance(6000);
    }
    expect(h.totals().skips).toBeGreaterThanOrEqual(5);
    expect(h.totals().drops).toBe(0);
    expect(s.ended).toBeUndefined();
  });

  it('a viewer whose write does not complete for the stall timeout is disconnected', async () => {
    const clock = new FakeClock();
    const h = hub({ stallTimeoutMs: 5000, maxQueueBytes: 1e9, maxQueueMs: 1e9 }, clock);
    const s = new FakeSink();
    const handle = h.addViewer('v', s);
    publishGops(h, 1, 1);
    await flush();
    s.paused = true;
    h.publish(frame(false));
    await flush();
    clock.advance(4000);
    h.publish(frame(false));
    expect(s.ended).toBeUndefined();
    clock.advance(2000);
    h.publish(frame(false));
    expect(s.ended).toEqual({ reason: 'not reading for 6 s', error: true });
    // `done` resolves although the blocked write never completes.
    expect(await handle.done).toBe('not reading for 6 s');
  });
});

describe('BroadcastHub: cutting between frames', () => {
  /** Frame packets split in two publishes, as pipe reads cut them. */
  const halves = (key: boolean): [Uint8Array, Uint8Array] => {
    const f = frame(key);
    return [f.subarray(0, 3 * TS_PACKET_SIZE), f.subarray(3 * TS_PACKET_SIZE)];
  };

  it('each video frame starts its own chunk', async () => {
    const h = hub();
    const s = new FakeSink();
    h.addViewer('v', s);
    h.publish(concatBytes([HEAD, frame(true), frame(false), frame(false)]));
    await flush();
    // PAT/PMT header (injected), then K, P, P: one chunk each, and the sound between them its own.
    expect(s.chunks.map((c) => [c.keyframe, c.startsFrame, describePackets(c.bytes)[0]])).toEqual([
      [false, true, 'PAT'],
      [true, true, 'K'],
      [false, true, 'A'],
      [false, true, 'P'],
      [false, true, 'A'],
      [false, true, 'P'],
      [false, true, 'A'],
    ]);
  });

  it('a skip finishes the frame in flight before jumping to the keyframe (no half frame)', async () => {
    const h = hub({ maxQueueBytes: 3 * FRAME_BYTES, maxQueueMs: 1e9, stallTimeoutMs: 1e9 });
    const s = new FakeSink();
    h.addViewer('v', s);
    h.publish(HEAD);
    h.publish(frame(true));
    await flush();
    s.paused = true;
    const [first, rest] = halves(false);
    h.publish(first); // in flight, blocked
    await flush();
    h.publish(rest); // continues the frame in flight: kept
    for (let i = 0; i < 4; i++) h.publish(frame(false)); // dropped at the skip
    expect(h.totals().skips).toBe(1);
    h.publish(frame(false)); // waiting for a keyframe: skipped
    h.publish(HEAD);
    h.publish(frame(true));
    s.resume();
    await flush();
    const packets = describePackets(s.bytes());
    // K frame, then the whole P frame that was on the wire (the sound after it is cut), then PAT/PMT + K.
    const cut = ['P', 'v', 'v', 'v', 'v'];
    expect(packets.join(' ')).toBe(['PAT', 'PMT', 'K', 'v', 'v', 'v', 'v', 'A', ...cut, 'PAT', 'PMT', 'K', 'v', 'v', 'v', 'v', 'A'].join(' '));
  });

  it('when the queue ends inside the frame in flight, its later chunks still go out', async () => {
    const clock = new FakeClock();
    const h = hub({ maxQueueMs: 1000, maxQueueBytes: 1e9, stallTimeoutMs: 1e9 }, clock);
    const s = new FakeSink();
    const handle = h.addViewer('v', s);
    h.publish(HEAD);
    h.publish(frame(true));
    await flush();
    s.paused = true;
    const f = frame(false);
    const piece = (i: number): Uint8Array => f.subarray(i * TS_PACKET_SIZE, (i + 1) * TS_PACKET_SIZE);
    h.publish(piece(0)); // in flight, blocked
    await flush();
    h.publish(piece(1));
    clock.advance(1500);
    h.publish(piece(2)); // the queue is too old: skip, but both pieces continue the frame
    expect(handle.stats().skips).toBe(1);
    for (let i = 3; i < 6; i++) h.publish(piece(i)); // still the same frame: goes out
    h.publish(frame(false)); // a new frame, not a keyframe: skipped
    h.publish(HEAD);
    h.publish(frame(true));
    s.resume();
    await flush();
    expect(describePackets(s.bytes()).join(' ')).toBe(
      ['PAT', 'PMT', 'K', 'v', 'v', 'v', 'v', 'A', 'P', 'v', 'v', 'v', 'v', 'PAT', 'PMT', 'K', 'v', 'v', 'v', 'v', 'A'].join(' '),
    );
  });
});

describe('BroadcastHub: leaving and ending', () => {
  it('leave ends the sink gracefully and keeps the totals', async () => {
    const h = hub();
    const s = new FakeSink();
    const left: string[] = [];
    h.on('viewer-left', (label, reason, v) => left.push(`${label} ${reason} ${v.bytesSent}`));
    const handle = h.addViewer('v', s);
    publishGops(h, 1, 2);
    await flush();
    const sent = handle.stats().bytesSent;
    expect(sent).toBe(HEAD.length + 2 * FRAME_BYTES);
    handle.leave('viewer closed the stream');
    handle.leave('twice');
    expect(await handle.done).toBe('viewer closed the stream');
    expect(s.ended).toEqual({ reason: 'viewer closed the stream', error: false });
    expect(left).toEqual([`v viewer closed the stream ${sent}`]);
    expect(h.viewerCount).toBe(0);
    expect(h.totals().bytesSent).toBe(sent);
    h.publish(frame(false));
    await flush();
    expect(s.bytes().length).toBe(sent);
  });

  it('a failing write removes only that viewer', async () => {
    const h = hub();
    const bad = new FakeSink();
    const good = new FakeSink();
    bad.failWith = new Error('stream reset');
    const handle = h.addViewer('bad', bad);
    h.addViewer('good', good);
    publishGops(h, 1, 2);
    expect(await handle.done).toBe('write failed: stream reset');
    expect(bad.ended?.error).toBe(true);
    expect(h.viewerCount).toBe(1);
    expect(good.ended).toBeUndefined();
  });

  it('endAll ends every viewer and forgets the GOP; reset forgets the PIDs', async () => {
    const h = hub();
    const a = new FakeSink();
    const handle = h.addViewer('a', a);
    publishGops(h, 1, 2);
    h.endAll('capture stopped', false);
    expect(await handle.done).toBe('capture stopped');
    expect(a.ended).toEqual({ reason: 'capture stopped', error: false });
    expect(h.gopCacheBytes).toBe(0);

    // A new capture with other PIDs: keyframes are found on the new video PID.
    const b = new FakeSink();
    h.addViewer('b', b);
    const otherVideo = [{ type: 0x1b, pid: AUDIO_PID }];
    h.publish(concatBytes([patPacket(), pmtPacket(otherVideo)]));
    const before = h.keyframes;
    h.publish(concatBytes(videoFrame({ key: true }).map((p) => retarget(p, AUDIO_PID))));
    expect(h.keyframes).toBe(before + 1);
  });
});

function retarget(packet: Uint8Array, pid: number): Uint8Array {
  const p = packet.slice();
  p[1] = (p[1]! & 0xe0) | (pid >> 8);
  p[2] = pid & 0xff;
  return p;
}

describe('BroadcastHub: what a viewer has in transit is bounded by its feedback', () => {
  const delivery = { windowMs: 1000, latencyBudgetMs: 250, minBudgetBytes: 2 * FRAME_BYTES, maxBudgetBytes: 1_000_000 };

  it('hands over no more than the budget beyond what the viewer acknowledged; the rest waits in the hub', async () => {
    const clock = new FakeClock();
    const h = hub({ delivery }, clock);
    const sink = new FakeSink();
    const v = h.addViewer('slow', sink);
    h.publish(HEAD);
    h.publish(frame(true));
    await flush();
    // The viewer says what it took, slowly: about one frame a second.
    v.ack(sink.bytes().length - FRAME_BYTES);
    clock.advance(1000);
    v.ack(sink.bytes().length);
    for (let i = 0; i < 10; i++) h.publish(frame(false));
    await flush();
    const handed = v.stats().inTransitBytes;
    expect(handed).toBeLessThanOrEqual(2 * FRAME_BYTES + FRAME_BYTES);
    expect(v.stats().queuedBytes).toBeGreaterThanOrEqual(7 * FRAME_BYTES);
    // Acks free room; the queue drains as they come.
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      v.ack(sink.bytes().length);
      await flush();
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(v.stats().queuedBytes).toBe(0);
    expect(v.stats().rateBps).toBeGreaterThan(0);
  });

  it('a viewer that stops acknowledging is dropped after the stall timeout, like one that stops reading', async () => {
    const clock = new FakeClock();
    const h = hub({ delivery, stallTimeoutMs: 3000 }, clock);
    const dropped: string[] = [];
    h.on('viewer-dropped', (_l, why) => dropped.push(why));
    const sink = new FakeSink();
    const v = h.addViewer('gone', sink);
    h.publish(HEAD);
    h.publish(frame(true));
    await flush();
    v.ack(sink.bytes().length - FRAME_BYTES);
    clock.advance(1000);
    v.ack(sink.bytes().length);
    for (let i = 0; i < 40; i++) {
      h.publish(frame(false));
      clock.advance(100);
      await flush();
    }
    expect(dropped).toEqual(['not reading for 3 s']);
  });
});

describe('BroadcastHub: a ladder of renditions, one stream per viewer', () => {
  const PMT2 = 0x20;
  const V = [0x41, 0x42];
  const SOUND = 0x50;
  const cc = new Map<number, number>();
  const next = (pid: number): number => {
    const c = cc.get(pid) ?? 0;
    cc.set(pid, (c + 1) & 15);
    return c;
  };
  const ladderPmt = () => {
    const body = [0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0, V[0]!, 0xf0, 0x00];
    for (const [t, pid] of [[0x1b, V[0]!], [0x1b, V[1]!], [0x0f, SOUND]] as const) body.push(t, 0xe0 | (pid >> 8), pid & 0xff, 0xf0, 0x00);
    const len = body.length + 4;
    const p = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
    p.set([0x47, 0x40, PMT2, 0x10 | next(PMT2), 0x00, 0x02, 0xb0, len, ...body, 0, 0, 0, 0], 0);
    return p;
  };
  /** One frame of rendition r: a PES start + 3 continuation packets, each with its PID's next counter. */
  const vframe = (r: number, key: boolean): Uint8Array =>
    concatBytes([
      ...videoFrame({ key, extraPackets: 3 }).map((p) => {
        const q = p.slice();
        q[1] = (q[1]! & 0xe0) | (V[r]! >> 8);
        q[2] = V[r]! & 0xff;
        q[3] = (q[3]! & 0xf0) | next(V[r]!);
        return q;
      }),
    ]);
  const sound = (): Uint8Array => {
    const q = audioPacket().slice();
    q[1] = (q[1]! & 0xe0) | (SOUND >> 8);
    q[2] = SOUND & 0xff;
    q[3] = (q[3]! & 0xf0) | next(SOUND);
    return q;
  };
  /** Frame starts and PIDs of a viewer's stream, and whether the canonical video PID's counter never jumps. */
  function look(bytes: Uint8Array) {
    let last: number | undefined;
    let jumps = 0;
    const videoPids = new Set<number>();
    for (let off = 0; off < bytes.length; off += TS_PACKET_SIZE) {
      const h = parseTsHeader(bytes, off);
      if (h.pid === 0 || h.pid === PMT2 || h.pid === SOUND || h.pid === 0x1fff) continue;
      videoPids.add(h.pid);
      const c = bytes[off + 3]! & 15;
      const hasPayload = (bytes[off + 3]! & 0x10) !== 0;
      if (last !== undefined && c !== (hasPayload ? (last + 1) & 15 : last)) jumps++;
      last = c;
    }
    return { videoPids: [...videoPids], jumps };
  }
  const policy = { ...DEFAULT_POLICY, downDelayMs: 100, downHoldMs: 0, settleMs: 0, upHoldMs: 1e9 };

  it.each([
    ['the old rendition’s keyframe first', [0, 1]],
    ['the new rendition’s keyframe first', [1, 0]],
  ])('a viewer whose queue grows goes down a rendition at the next keyframe (asked for at once), its stream continuous: %s', async (_n, keyOrder) => {
    cc.clear();
    const clock = new FakeClock();
    const h = hub({ policy, policyEveryMs: 0, maxQueueMs: 1e9, maxQueueBytes: 1e9, stallTimeoutMs: 1e9 }, clock);
    h.setLadder([{ bitrateBps: 2_000_000, label: 'top' }, { bitrateBps: 500_000, label: 'low' }]);
    let asked = 0;
    h.setKeyframeSource(() => asked++);
    const switched: string[] = [];
    h.on('viewer-switched', (_l, from, to) => switched.push(`${from}→${to}`));
    const sink = new FakeSink();
    const v = h.addViewer('slow', sink);
    expect(asked).toBe(1); // the live join
    h.publish(concatBytes([patPacket(PMT2), ladderPmt()]));
    h.publish(vframe(0, true));
    h.publish(vframe(1, true));
    h.publish(sound());
    await flush();
    sink.paused = true;
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      h.publish(vframe(0, false));
      h.publish(vframe(1, false));
      h.publish(sound());
    }
    expect(v.stats().rendition).toBe(1);
    expect(asked).toBe(2); // the step down asked for a keyframe
    clock.advance(300);
    for (const r of keyOrder) h.publish(vframe(r!, true));
    h.publish(sound());
    h.publish(vframe(0, false));
    h.publish(vframe(1, false));
    sink.resume();
    await flush();
    expect(switched).toEqual(['0→1']);
    const seen = look(sink.bytes());
    expect(seen.videoPids).toEqual([CANONICAL_VIDEO_PID]);
    expect(seen.jumps).toBe(0);
    // K (rendition 0), then K P (rendition 1): the backlog that made the viewer late is cut at the switch,
    // so the viewer is back at the live edge with the new rendition's keyframe; no frame is shown twice.
    expect(frames(sink.bytes()).filter((f) => f === 'K' || f === 'P')).toEqual(['K', 'K', 'P']);
  });

  it('a subscriber that asked not to adapt (a publish target) keeps the top rendition while its queue grows', async () => {
    cc.clear();
    const clock = new FakeClock();
    const h = hub({ policy, policyEveryMs: 0, maxQueueMs: 1e9, maxQueueBytes: 1e9, stallTimeoutMs: 1e9 }, clock);
    h.setLadder([{ bitrateBps: 2_000_000, label: 'top' }, { bitrateBps: 500_000, label: 'low' }]);
    let asked = 0;
    h.setKeyframeSource(() => asked++);
    const sink = new FakeSink();
    const v = h.addViewer('publish:srt://x', sink, undefined, { adapt: false });
    h.publish(concatBytes([patPacket(PMT2), ladderPmt()]));
    h.publish(vframe(0, true));
    h.publish(vframe(1, true));
    await flush();
    sink.paused = true;
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      h.publish(vframe(0, false));
      h.publish(vframe(1, false));
    }
    expect(v.stats().rendition).toBe(0);
    expect(asked).toBe(1); // only the live join
    sink.resume();
    await flush();
    expect(v.stats().switches).toBe(0);
  });

  it('a viewer that can have more is probed with padding, then goes up one rendition at a keyframe that comes anyway', async () => {
    cc.clear();
    const clock = new FakeClock();
    const h = hub({ policy: { ...DEFAULT_POLICY, upHoldMs: 1000, settleMs: 0 }, policyEveryMs: 0 }, clock);
    h.setLadder([{ bitrateBps: 2_000_000, label: 'top' }, { bitrateBps: 500_000, label: 'low' }]);
    let asked = 0;
    h.setKeyframeSource(() => asked++);
    const sink = new FakeSink();
    const v = h.addViewer('fast', sink, undefined, { rendition: 1 });
    h.publish(concatBytes([patPacket(PMT2), ladderPmt()]));
    h.publish(vframe(0, true));
    h.publish(vframe(1, true));
    const nullBytes = (): number => {
      const b = sink.bytes();
      let n = 0;
      for (let off = 0; off < b.length; off += TS_PACKET_SIZE) if (parseTsHeader(b, off).pid === 0x1fff) n += TS_PACKET_SIZE;
      return n;
    };
    // A fast link: everything handed over arrives at once, and is acknowledged.
    for (let i = 0; i < 30 && v.stats().rendition !== 0; i++) {
      clock.advance(100);
      h.publish(vframe(0, false));
      h.publish(vframe(1, false));
      await flush();
      v.ack(sink.bytes().length);
    }
    expect(v.stats().rendition).toBe(0);
    // The probe padded the stream up to the top rendition's rate (minus what the low one sends).
    const padded = nullBytes();
    expect(padded).toBeGreaterThan((2_000_000 / 8) * 0.5);
    expect(asked).toBe(1); // only the join: going up waits for a regular keyframe
    h.publish(vframe(1, true));
    h.publish(vframe(0, true));
    h.publish(vframe(0, false));
    await flush();
    expect(look(sink.bytes()).jumps).toBe(0);
    expect(v.stats().switches).toBe(1);
    // The probe is over: no more padding.
    clock.advance(100);
    v.ack(sink.bytes().length);
    h.publish(vframe(0, false));
    await flush();
    expect(nullBytes()).toBe(padded);
  });

});
