import { describe, expect, it } from 'vitest';
import { parseTsHeader, pesKeyframeVerdict, TS_PACKET_SIZE, TsPacketAligner, TsStreamInspector } from './mpeg-ts.js';
import {
  audioPacket,
  AUDIO_PID,
  concatBytes,
  H264_STREAMS,
  patPacket,
  pesPayload,
  PMT_PID,
  pmtPacket,
  synthStream,
  tsPacket,
  VIDEO_PID,
  videoFrame,
} from './test-support/ts-synth.js';

describe('parseTsHeader', () => {
  it.each([
    ['payload only', tsPacket({ pid: 0x123, pusi: true }), { pid: 0x123, payloadUnitStart: true, randomAccess: false, payloadOffset: 4 }],
    ['continuation', tsPacket({ pid: 0x1fff }), { pid: 0x1fff, payloadUnitStart: false, randomAccess: false, payloadOffset: 4 }],
    ['RAI in adaptation field', tsPacket({ pid: VIDEO_PID, pusi: true, rai: true }), { pid: VIDEO_PID, payloadUnitStart: true, randomAccess: true, payloadOffset: 6 }],
  ])('%s', (_name, packet, expected) => {
    expect(parseTsHeader(packet)).toEqual(expected);
  });

  it.each([
    ['adaptation field only (afc 2)', 0x20, 183, -1],
    ['adaptation field filling the packet (afc 3)', 0x30, 183, -1],
    ['empty adaptation field (afc 3)', 0x30, 0, 5],
    ['reserved afc 0 has no payload', 0x00, 0, -1],
  ])('%s', (_name, afcBits, afLength, payloadOffset) => {
    const p = tsPacket({ pid: 5 });
    p[3] = afcBits;
    p[4] = afLength;
    p[5] = 0;
    expect(parseTsHeader(p).payloadOffset).toBe(payloadOffset);
    expect(parseTsHeader(p).randomAccess).toBe(false);
  });

  it('reads a packet at an offset', () => {
    const two = concatBytes([tsPacket({ pid: 1 }), tsPacket({ pid: 2, pusi: true })]);
    expect(parseTsHeader(two, TS_PACKET_SIZE)).toMatchObject({ pid: 2, payloadUnitStart: true });
  });
});

describe('pesKeyframeVerdict', () => {
  it.each([
    ['AUD, SPS, PPS, IDR', [9, 7, 8, 5], 'key'],
    ['IDR alone', [5], 'key'],
    ['SPS first', [7, 8, 5], 'key'],
    ['AUD then non-IDR slice', [9, 1], 'delta'],
    ['SEI then non-IDR slice', [6, 1], 'delta'],
    ['AUD and SEI only: the slice is in a later packet', [9, 6], undefined],
    ['no NAL units', [], undefined],
  ])('%s → %s', (_name, nals, expected) => {
    const packet = tsPacket({ pid: VIDEO_PID, pusi: true, payload: pesPayload(nals) });
    expect(pesKeyframeVerdict(packet, 4)).toBe(expected);
  });

  it('a payload that is not a PES start says nothing', () => {
    const packet = tsPacket({ pid: VIDEO_PID, pusi: true, payload: Uint8Array.from([0, 0, 2, 0xe0]) });
    expect(pesKeyframeVerdict(packet, 4)).toBeUndefined();
  });
});

describe('TsStreamInspector', () => {
  function inspectAll(packets: Uint8Array[]): boolean[] {
    const ins = new TsStreamInspector();
    return packets.map((p) => ins.inspect(p));
  }

  it('learns the PMT and video PIDs from PAT and PMT', () => {
    const ins = new TsStreamInspector();
    ins.inspect(patPacket());
    expect(ins.pmtPid).toBe(PMT_PID);
    ins.inspect(pmtPacket(H264_STREAMS));
    expect(ins.videoPid).toBe(VIDEO_PID);
    expect(ins.videoStreamType).toBe(0x1b);
  });

  it.each([
    ['keyframe with RAI', [patPacket(), pmtPacket(H264_STREAMS), ...videoFrame({ key: true })], [false, false, true]],
    ['keyframe found by its NAL units, no RAI', [patPacket(), pmtPacket(H264_STREAMS), ...videoFrame({ key: true, rai: false })], [false, false, true]],
    ['P-frame', [patPacket(), pmtPacket(H264_STREAMS), ...videoFrame({ key: false })], [false, false, false]],
    [
      'RAI on a non-IDR slice (an I-frame a decoder cannot start at) is not a keyframe',
      [patPacket(), pmtPacket(H264_STREAMS), tsPacket({ pid: VIDEO_PID, pusi: true, rai: true, payload: pesPayload([9, 1]) })],
      [false, false, false],
    ],
    [
      'RAI decides when the first packet holds no slice',
      [patPacket(), pmtPacket(H264_STREAMS), tsPacket({ pid: VIDEO_PID, pusi: true, rai: true, payload: pesPayload([9, 6]) })],
      [false, false, true],
    ],
    ['continuation packets never start a keyframe', [patPacket(), pmtPacket(H264_STREAMS), ...videoFrame({ key: true, extraPackets: 2 })], [false, false, true, false, false]],
    ['audio packets with RAI are not video keyframes', [patPacket(), pmtPacket(H264_STREAMS), tsPacket({ pid: AUDIO_PID, pusi: true, rai: true })], [false, false, false]],
    ['nothing is a keyframe before PAT/PMT', [...videoFrame({ key: true }), patPacket()], [false, false]],
  ])('%s', (_name, packets, expected) => {
    expect(inspectAll(packets)).toEqual(expected);
  });

  it.each([
    ['keyframe start', videoFrame({ key: true })[0]!, 'keyframe'],
    ['P-frame start', videoFrame({ key: false })[0]!, 'frame'],
    ['video continuation', videoFrame({ key: false, extraPackets: 1 })[1]!, 'other'],
    ['audio', audioPacket(), 'other'],
    ['PAT', patPacket(), 'other'],
  ])('classify: %s → %s', (_name, packet, kind) => {
    const ins = new TsStreamInspector();
    ins.inspect(patPacket());
    ins.inspect(pmtPacket(H264_STREAMS));
    expect(ins.classify(packet)).toBe(kind);
  });

  it('H.265 keyframes rely on RAI; the H.264 NAL scan is not applied', () => {
    const hevc = [{ type: 0x24, pid: VIDEO_PID }];
    expect(inspectAll([patPacket(), pmtPacket(hevc), ...videoFrame({ key: true, rai: false })])).toEqual([false, false, false]);
    expect(inspectAll([patPacket(), pmtPacket(hevc), ...videoFrame({ key: true, rai: true })])).toEqual([false, false, true]);
  });

  it('header() is the latest PAT then PMT, once both were seen', () => {
    const ins = new TsStreamInspector();
    expect(ins.header()).toBeUndefined();
    ins.inspect(patPacket(PMT_PID, 3));
    expect(ins.header()).toBeUndefined();
    ins.inspect(pmtPacket(H264_STREAMS, PMT_PID, 7));
    const h = ins.header()!;
    expect(h.length).toBe(2 * TS_PACKET_SIZE);
    expect(parseTsHeader(h, 0).pid).toBe(0);
    expect(h[3]! & 0x0f).toBe(3);
    expect(parseTsHeader(h, TS_PACKET_SIZE).pid).toBe(PMT_PID);
    expect(h[TS_PACKET_SIZE + 3]! & 0x0f).toBe(7);
  });

  it('keeps copies, not views of a reused buffer', () => {
    const ins = new TsStreamInspector();
    const pat = patPacket();
    ins.inspect(pat);
    ins.inspect(pmtPacket(H264_STREAMS));
    pat.fill(0);
    expect(ins.header()![0]).toBe(0x47);
  });
});

describe('TsPacketAligner', () => {
  const stream = synthStream(3, 5);

  function feed(input: Uint8Array, chunkSize: number): { out: Uint8Array; aligner: TsPacketAligner } {
    const aligner = new TsPacketAligner();
    const parts: Uint8Array[] = [];
    for (let off = 0; off < input.length; off += chunkSize) {
      // A reused read buffer: the aligner must not keep views into it.
      const reused = new Uint8Array(input.subarray(off, off + chunkSize));
      const got = aligner.push(reused);
      expect(got.length % TS_PACKET_SIZE).toBe(0);
      parts.push(got.slice());
      reused.fill(0x47);
    }
    return { out: concatBytes(parts), aligner };
  }

  it.each([1, 2, 7, 187, 188, 189, 376, 1000, 65536])('chunks of %i bytes come out as the same whole packets', (size) => {
    const { out, aligner } = feed(stream, size);
    expect(Buffer.from(out).equals(Buffer.from(stream))).toBe(true);
    expect(aligner.droppedBytes).toBe(0);
  });

  it.each([
    ['zeros', Uint8Array.from([0, 0, 0])],
    ['a lone sync byte', Uint8Array.from([0x47])],
    ['sync bytes among garbage', Uint8Array.from([1, 0x47, 2, 0x47, 0x47, 9])],
    ['almost a packet', new Uint8Array(187).fill(0x47)],
  ])('garbage before the first sync (%s) is dropped and counted', (_name, garbage) => {
    for (const size of [1, 5, 188, 4096]) {
      const { out, aligner } = feed(concatBytes([garbage, stream]), size);
      expect(Buffer.from(out).equals(Buffer.from(stream)), `chunk size ${size}`).toBe(true);
      expect(aligner.droppedBytes, `chunk size ${size}`).toBe(garbage.length);
    }
  });

  it('a slipped stream is found again at the next confirmed sync', () => {
    const a = synthStream(1, 2);
    const b = synthStream(1, 2);
    const input = concatBytes([a, Uint8Array.from([0x11, 0x22, 0x33]), b]);
    for (const size of [1, 100, input.length]) {
      const { out, aligner } = feed(input, size);
      expect(Buffer.from(out).equals(Buffer.from(concatBytes([a, b]))), `chunk size ${size}`).toBe(true);
      expect(aligner.droppedBytes).toBe(3);
    }
  });

  it('returns nothing until a whole packet is there', () => {
    const aligner = new TsPacketAligner();
    expect(aligner.push(stream.subarray(0, 100)).length).toBe(0);
    expect(aligner.push(stream.subarray(100, 300)).length).toBe(TS_PACKET_SIZE);
  });
});

it('audio packets are well-formed PES starts', () => {
  expect(parseTsHeader(audioPacket())).toMatchObject({ pid: AUDIO_PID, payloadUnitStart: true });
});

describe('TsStreamInspector.classify at an offset', () => {
  it('gives the same answers, and the same PAT/PMT, as packet by packet', () => {
    const stream = synthStream(3, 5);
    const whole = new TsStreamInspector();
    const single = new TsStreamInspector();
    const kinds: string[] = [];
    for (let off = 0; off + TS_PACKET_SIZE <= stream.length; off += TS_PACKET_SIZE) {
      const a = whole.classify(stream, off);
      const b = single.classify(stream.slice(off, off + TS_PACKET_SIZE));
      expect(a).toBe(b);
      kinds.push(a);
    }
    expect(kinds.filter((k) => k === 'keyframe')).toHaveLength(3);
    expect(kinds).toContain('frame');
    expect(whole.header()).toEqual(single.header());
    expect(whole.header()).toBeDefined();
  });
});
