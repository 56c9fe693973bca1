import { describe, expect, it } from 'vitest';
import { parseTsHeader, TS_PACKET_SIZE } from './mpeg-ts.js';
import { CANONICAL_VIDEO_PID, continuityFillers, crc32Mpeg, RenditionSplitter, type SplitChunk } from './rendition-splitter.js';
import { concatBytes, patPacket, pesPayload, tsPacket } from './test-support/ts-synth.js';

const PMT = 0x20;
const V0 = 0x41;
const V1 = 0x42;
const AUDIO = 0x50;

/** A PMT as mpegtsmux writes it for two renditions and sound, PCR on rendition 0 (real CRC). */
function muxPmt(cc = 0, pcrPid = V0): Uint8Array {
  const body = [0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0 | (pcrPid >> 8), pcrPid & 0xff, 0xf0, 0x00];
  for (const [type, pid] of [[0x1b, V0], [0x1b, V1], [0x0f, AUDIO]] as const) body.push(type, 0xe0 | (pid >> 8), pid & 0xff, 0xf0, 0x00);
  const len = body.length + 4;
  const section = [0x02, 0xb0 | (len >> 8), len & 0xff, ...body];
  const p = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
  p.set([0x47, 0x40 | (PMT >> 8), PMT & 0xff, 0x10 | cc, 0x00, ...section], 0);
  const crc = crc32Mpeg(p, 5, 5 + section.length);
  p.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], 5 + section.length);
  return p;
}

/** A frame of rendition `pid`: PES start (with PCR on a keyframe of the PCR PID) + one continuation. */
function frame(pid: number, key: boolean, cc: number, pcr = false): Uint8Array[] {
  const start = tsPacket({ pid, pusi: true, rai: key, cc, payload: pesPayload(key ? [9, 7, 8, 5] : [9, 1]) });
  if (pcr) {
    // Rewrite the adaptation field to carry a PCR (flags 0x50: RAI + PCR).
    start[3] = 0x30 | (cc & 15);
    start[4] = 7;
    start[5] = 0x50;
    start.set([1, 2, 3, 4, 5, 6], 6);
  }
  return [start, tsPacket({ pid, cc: cc + 1 })];
}

const audio = (cc: number) => tsPacket({ pid: AUDIO, pusi: true, cc, payload: pesPayload([], 0xc0) });
const pidsOf = (bytes: Uint8Array): number[] => Array.from({ length: bytes.length / TS_PACKET_SIZE }, (_, i) => parseTsHeader(bytes, i * TS_PACKET_SIZE).pid);
const lanes = (chunks: SplitChunk[]) => chunks.map((c) => (c.lane === 'shared' ? 'S' : `r${c.lane}${c.chunk.keyframe ? 'K' : ''}`));

describe('RenditionSplitter', () => {
  it('puts each rendition on the canonical PID in its own lane, shares sound and PSI, and rewrites the PMT', () => {
    const s = new RenditionSplitter();
    const chunks = s.push(concatBytes([patPacket(PMT), muxPmt(), ...frame(V0, true, 0, true), ...frame(V1, true, 5), audio(0), ...frame(V0, false, 2), ...frame(V1, false, 7)]));
    expect(lanes(chunks)).toEqual(['S', 'r0K', 'r1K', 'S', 'r0', 'r1']);
    expect(s.renditions).toBe(2);
    for (const c of chunks.filter((c) => c.lane !== 'shared')) expect(new Set(pidsOf(c.chunk.bytes))).toEqual(new Set([CANONICAL_VIDEO_PID]));
    // The PMT now lists one video stream, on the canonical PID, which carries the PCR; its CRC is right.
    const pmt = chunks[0]!.chunk.bytes.subarray(TS_PACKET_SIZE);
    const sectionLength = ((pmt[6]! & 0x0f) << 8) | pmt[7]!;
    const crcAt = 5 + 3 + sectionLength - 4;
    expect(((pmt[13]! & 0x1f) << 8) | pmt[14]!).toBe(CANONICAL_VIDEO_PID);
    expect([pmt[17], ((pmt[18]! & 0x1f) << 8) | pmt[19]!]).toEqual([0x1b, CANONICAL_VIDEO_PID]);
    expect([pmt[22], ((pmt[23]! & 0x1f) << 8) | pmt[24]!]).toEqual([0x0f, AUDIO]);
    expect(crc32Mpeg(pmt, 5, crcAt) >>> 0).toBe(((pmt[crcAt]! << 24) | (pmt[crcAt + 1]! << 16) | (pmt[crcAt + 2]! << 8) | pmt[crcAt + 3]!) >>> 0);
  });

  it("gives the renditions without the mux's PCR a copy of it, in an adaptation-only packet ahead of their next frame", () => {
    const s = new RenditionSplitter();
    const chunks = s.push(concatBytes([patPacket(PMT), muxPmt(), ...frame(V1, true, 3), ...frame(V0, true, 0, true), ...frame(V1, false, 5)]));
    const r1 = chunks.filter((c) => c.lane === 1);
    const second = r1[1]!.chunk.bytes;
    expect(second[3]! >> 4).toBe(2); // adaptation only
    expect(second[5]! & 0x10).toBe(0x10);
    expect([...second.subarray(6, 12)]).toEqual([1, 2, 3, 4, 5, 6]);
    // Its counter is the rendition's current one (no payload: it does not count).
    expect(second[3]! & 15).toBe(4);
    expect(r1[1]!.video).toMatchObject({ ccBefore: 4, ccAfter: 6 });
  });

  it('tells each video chunk the continuity counter before and after it', () => {
    const s = new RenditionSplitter();
    const chunks = s.push(concatBytes([patPacket(PMT), muxPmt(), ...frame(V0, true, 14), ...frame(V0, false, 0)]));
    expect(chunks.filter((c) => c.lane === 0).map((c) => c.video)).toEqual([
      { ccBefore: 13, ccAfter: 15, pts: 0 },
      { ccBefore: 15, ccAfter: 1, pts: 0 },
    ]);
  });

  it('a PMT with the PCR on the sound keeps it there', () => {
    const s = new RenditionSplitter();
    const [psi] = s.push(concatBytes([patPacket(PMT), muxPmt(0, AUDIO)]));
    const pmt = psi!.chunk.bytes.subarray(TS_PACKET_SIZE);
    expect(((pmt[13]! & 0x1f) << 8) | pmt[14]!).toBe(AUDIO);
  });
});

describe('continuityFillers', () => {
  it.each([
    [4, 8, [5, 6, 7, 8]],
    [14, 1, [15, 0, 1]],
    [3, 3, []],
  ])('from %i to %i', (from, to, ccs) => {
    const f = continuityFillers(from, to);
    const got = f ? Array.from({ length: f.length / TS_PACKET_SIZE }, (_, i) => f[i * TS_PACKET_SIZE + 3]! & 15) : [];
    expect(got).toEqual(ccs);
    if (f) {
      expect(pidsOf(f).every((p) => p === CANONICAL_VIDEO_PID)).toBe(true);
      // One payload byte, zero, after 182 bytes of adaptation field.
      expect([f[4], f[TS_PACKET_SIZE - 1]]).toEqual([182, 0]);
    }
  });
});
