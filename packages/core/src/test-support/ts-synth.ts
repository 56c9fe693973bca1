/**
 * Synthesises MPEG-TS packets for unit tests: PAT, PMT and PES packets with the
 * fields the hub and the inspector read (PIDs, PUSI, RAI, H.264 NAL types).
 * CRCs are left zero: nothing in core checks them.
 */
import { TS_PACKET_SIZE } from '../mpeg-ts.js';

export const PMT_PID = 0x1000;
export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;

export interface PacketSpec {
  readonly pid: number;
  readonly pusi?: boolean;
  readonly rai?: boolean;
  readonly cc?: number;
  readonly payload?: Uint8Array;
  /** Byte used for the payload after `payload` (payload filler). */
  readonly fill?: number;
}

/** One 188-byte packet; an adaptation field carries RAI and/or stuffing. */
export function tsPacket(spec: PacketSpec): Uint8Array {
  const p = new Uint8Array(TS_PACKET_SIZE);
  const payload = spec.payload ?? new Uint8Array(0);
  p[0] = 0x47;
  p[1] = (spec.pusi ? 0x40 : 0) | ((spec.pid >> 8) & 0x1f);
  p[2] = spec.pid & 0xff;
  const cc = (spec.cc ?? 0) & 0x0f;
  // PSI packets stuff with 0xff after the section; others use a full payload.
  const needAf = spec.rai === true;
  if (needAf) {
    p[3] = 0x30 | cc;
    p[4] = 1; // adaptation field length: just the flags byte
    p[5] = spec.rai ? 0x40 : 0;
    p.fill(spec.fill ?? 0xaa, 6);
    p.set(payload.subarray(0, TS_PACKET_SIZE - 6), 6);
  } else {
    p[3] = 0x10 | cc;
    p.fill(spec.fill ?? 0xaa, 4);
    p.set(payload.subarray(0, TS_PACKET_SIZE - 4), 4);
  }
  return p;
}

function section(bytes: number[]): Uint8Array {
  // pointer_field 0, the section, CRC placeholder, then 0xff stuffing
  const out = new Uint8Array(TS_PACKET_SIZE - 4).fill(0xff);
  out[0] = 0;
  out.set(bytes, 1);
  out.set([0, 0, 0, 0], 1 + bytes.length);
  return out;
}

export function patPacket(pmtPid = PMT_PID, cc = 0): Uint8Array {
  const body = [0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xe0 | (pmtPid >> 8), pmtPid & 0xff];
  const len = body.length + 4;
  return tsPacket({ pid: 0, pusi: true, cc, payload: section([0x00, 0xb0 | (len >> 8), len & 0xff, ...body]), fill: 0xff });
}

export function pmtPacket(streams: Array<{ type: number; pid: number }>, pmtPid = PMT_PID, cc = 0): Uint8Array {
  const body = [0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00];
  for (const s of streams) body.push(s.type, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0, 0x00);
  const len = body.length + 4;
  return tsPacket({ pid: pmtPid, pusi: true, cc, payload: section([0x02, 0xb0 | (len >> 8), len & 0xff, ...body]), fill: 0xff });
}

export const H264_STREAMS = [
  { type: 0x1b, pid: VIDEO_PID },
  { type: 0x0f, pid: AUDIO_PID },
];

/** PES header (video stream id, PTS only) followed by Annex B NAL units of the given types. */
export function pesPayload(nalTypes: number[], streamId = 0xe0): Uint8Array {
  const bytes = [0x00, 0x00, 0x01, streamId, 0x00, 0x00, 0x80, 0x80, 0x05, 0x21, 0x00, 0x01, 0x00, 0x01];
  for (const t of nalTypes) bytes.push(0x00, 0x00, 0x00, 0x01, t, 0x11, 0x22, 0x33);
  return Uint8Array.from(bytes);
}

export interface FrameSpec {
  readonly key: boolean;
  /** Mark the keyframe with RAI (mpegtsmux does); false tests the NAL scan alone. */
  readonly rai?: boolean;
  /** Packets after the first (continuation packets of the PES). */
  readonly extraPackets?: number;
}

/** One video frame as TS packets: a PES start (AUD + SPS/PPS/IDR or AUD + slice), then continuations. */
export function videoFrame(f: FrameSpec, cc = 0): Uint8Array[] {
  const nals = f.key ? [9, 7, 8, 5] : [9, 1];
  const packets = [tsPacket({ pid: VIDEO_PID, pusi: true, rai: f.key && (f.rai ?? true), cc, payload: pesPayload(nals) })];
  for (let i = 0; i < (f.extraPackets ?? 0); i++) packets.push(tsPacket({ pid: VIDEO_PID, cc: cc + 1 + i }));
  return packets;
}

export function audioPacket(cc = 0): Uint8Array {
  return tsPacket({ pid: AUDIO_PID, pusi: true, cc, payload: pesPayload([], 0xc0) });
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * A stream of `gops` GOPs: PAT+PMT, then per GOP a keyframe and `framesPerGop - 1`
 * P-frames, each followed by an audio packet. Each frame is `1 + extraPackets` packets.
 */
export function synthStream(gops: number, framesPerGop: number, extraPackets = 2): Uint8Array {
  const parts: Uint8Array[] = [patPacket(), pmtPacket(H264_STREAMS)];
  for (let g = 0; g < gops; g++) {
    for (let f = 0; f < framesPerGop; f++) {
      parts.push(...videoFrame({ key: f === 0, extraPackets }), audioPacket());
    }
  }
  return concatBytes(parts);
}
