import { MediaChunk } from './media-chunk.js';
import { parseTsHeader, pesKeyframeVerdict, PAT_PID, TS_PACKET_SIZE, TS_SYNC_BYTE } from './mpeg-ts.js';

/**
 * The media process muxes every rendition into one MPEG-TS: rendition r's
 * video on PID `RENDITION_PID_BASE + r` (mpegtsmux's pad `sink_<pid>`), sound
 * on its own PID, the PCR on rendition 0's PID. A viewer must see one ordinary
 * stream whichever rendition it gets, switching between them at keyframes
 * (aligned: forced at one point before every encoder). So each rendition's
 * video is moved to one canonical PID, the PMT is rewritten to list that PID
 * and the sound, renditions without the mux's PCR get it copied into
 * adaptation-only packets, and sound, PAT and PMT are shared by all.
 */
export const RENDITION_PID_BASE = 0x41;
/** The one video PID every viewer's stream has. */
export const CANONICAL_VIDEO_PID = 0x100;
const H264_STREAM_TYPE = 0x1b;
const NULL_PID = 0x1fff;

/** A chunk's lane: the rendition whose video it carries, or 'shared' (sound, PAT, PMT). */
export type Lane = number | 'shared';

/** What the hub needs to know of a chunk of one rendition's video to splice viewers between renditions. */
export interface VideoChunkInfo {
  /** The canonical PID's continuity counter before the chunk's first payload packet (what a viewer must have had). */
  readonly ccBefore: number;
  /** ... and after its last one. */
  readonly ccAfter: number;
  /** PTS (90 kHz) of the PES this chunk starts, when it starts one. */
  readonly pts: number | undefined;
}

export interface SplitChunk {
  readonly lane: Lane;
  readonly chunk: MediaChunk;
  readonly video?: VideoChunkInfo;
}

function readPts(p: Uint8Array, o: number): number {
  return ((p[o]! >> 1) & 7) * 2 ** 30 + (p[o + 1]! << 22) + ((p[o + 2]! >> 1) << 15) + (p[o + 3]! << 7) + (p[o + 4]! >> 1);
}

/** PTS of the PES starting in this packet, if it carries one. */
function pesPts(p: Uint8Array, payloadOffset: number): number | undefined {
  const o = payloadOffset;
  if (o < 0 || o + 14 > TS_PACKET_SIZE || p[o] !== 0 || p[o + 1] !== 0 || p[o + 2] !== 1) return undefined;
  return p[o + 7]! & 0x80 ? readPts(p, o + 9) : undefined;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let b = 0; b < 8; b++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** MPEG-2's CRC-32 over a PSI section. */
export function crc32Mpeg(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}

interface PmtStream {
  readonly type: number;
  readonly pid: number;
  readonly esInfo: Uint8Array;
}

/** A one-packet PMT section for `pmtPid` (program 1), continuity counter `cc`. */
export function pmtPacket(pmtPid: number, pcrPid: number, streams: readonly PmtStream[], cc: number): Uint8Array {
  const p = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
  p[0] = TS_SYNC_BYTE;
  p[1] = 0x40 | ((pmtPid >> 8) & 0x1f);
  p[2] = pmtPid & 0xff;
  p[3] = 0x10 | (cc & 15);
  p[4] = 0; // pointer field
  const s = 5;
  let o = s + 12;
  for (const st of streams) {
    p[o] = st.type;
    p[o + 1] = 0xe0 | ((st.pid >> 8) & 0x1f);
    p[o + 2] = st.pid & 0xff;
    p[o + 3] = 0xf0 | ((st.esInfo.length >> 8) & 0x0f);
    p[o + 4] = st.esInfo.length & 0xff;
    p.set(st.esInfo, o + 5);
    o += 5 + st.esInfo.length;
  }
  const sectionLength = o - (s + 3) + 4;
  p[s] = 0x02;
  p[s + 1] = 0xb0 | ((sectionLength >> 8) & 0x0f);
  p[s + 2] = sectionLength & 0xff;
  p[s + 3] = 0x00;
  p[s + 4] = 0x01; // program number 1
  p[s + 5] = 0xc1; // version 0, current
  p[s + 6] = 0x00;
  p[s + 7] = 0x00;
  p[s + 8] = 0xe0 | ((pcrPid >> 8) & 0x1f);
  p[s + 9] = pcrPid & 0xff;
  p[s + 10] = 0xf0;
  p[s + 11] = 0x00;
  const crc = crc32Mpeg(p, s, o);
  p[o] = crc >>> 24;
  p[o + 1] = (crc >>> 16) & 0xff;
  p[o + 2] = (crc >>> 8) & 0xff;
  p[o + 3] = crc & 0xff;
  return p;
}

/**
 * Packets on the canonical video PID that carry one payload byte (0x00) each,
 * so a viewer's continuity counter goes from `fromCc` to `toCc`: at a switch
 * between renditions (whose counters differ) the stream stays continuous. The
 * zero bytes end the previous access unit (H.264's trailing_zero_8bits).
 */
export function continuityFillers(fromCc: number, toCc: number): Uint8Array | undefined {
  const n = (toCc - fromCc + 16) % 16;
  if (n === 0) return undefined;
  const out = new Uint8Array(n * TS_PACKET_SIZE).fill(0xff);
  for (let i = 0; i < n; i++) {
    const o = i * TS_PACKET_SIZE;
    out[o] = TS_SYNC_BYTE;
    out[o + 1] = (CANONICAL_VIDEO_PID >> 8) & 0x1f;
    out[o + 2] = CANONICAL_VIDEO_PID & 0xff;
    out[o + 3] = 0x30 | ((fromCc + 1 + i) & 15);
    out[o + 4] = 182; // adaptation field: flags + 181 stuffing bytes
    out[o + 5] = 0x00;
    out[o + TS_PACKET_SIZE - 1] = 0x00; // the one payload byte
  }
  return out;
}

/** An adaptation-only packet (no payload: its CC does not count) carrying `pcr` on the canonical PID. */
function pcrPacket(pcr: Uint8Array, cc: number): Uint8Array {
  const p = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
  p[0] = TS_SYNC_BYTE;
  p[1] = (CANONICAL_VIDEO_PID >> 8) & 0x1f;
  p[2] = CANONICAL_VIDEO_PID & 0xff;
  p[3] = 0x20 | (cc & 15);
  p[4] = 183;
  p[5] = 0x10; // PCR flag
  p.set(pcr, 6);
  return p;
}

class LaneBuilder {
  packets: Uint8Array[] = [];
  keyframe = false;
  startsFrame = false;
  pts: number | undefined;
  ccBefore = -1;
  ccAfter = -1;
}

/**
 * Splits the one mux's output into chunks per lane: each rendition's video on
 * the canonical PID, and the shared rest. A chunk is one lane's run of
 * packets; a video chunk starts at a frame (PES) start. Stateful: feed it the
 * stream in order (whole packets).
 */
export class RenditionSplitter {
  #pmtPid = -1;
  #pcrPid = -1;
  #videoPids: number[] = [];
  #others: PmtStream[] = [];
  #pat: Uint8Array | undefined;
  #pmtCc = 0;
  #haveProgram = false;
  /** Each rendition's canonical continuity counter (last payload packet). */
  readonly #cc = new Map<number, number>();
  /** A PCR waiting to go out in each rendition that lacks its own. */
  readonly #pendingPcr = new Map<number, Uint8Array>();
  #building: { lane: Lane; b: LaneBuilder } | undefined;
  #out: SplitChunk[] = [];

  /** How many renditions the stream carries (0 before its PMT). */
  get renditions(): number {
    return this.#videoPids.length;
  }

  /** PAT and the canonical PMT, for a viewer joining or resuming mid-stream. */
  header(): Uint8Array | undefined {
    if (!this.#pat || !this.#haveProgram) return undefined;
    const out = new Uint8Array(TS_PACKET_SIZE * 2);
    out.set(this.#pat, 0);
    out.set(this.#canonicalPmt(this.#pmtCc), TS_PACKET_SIZE);
    return out;
  }

  /** The chunks whole packets make. */
  push(packets: Uint8Array): SplitChunk[] {
    for (let off = 0; off + TS_PACKET_SIZE <= packets.length; off += TS_PACKET_SIZE) this.#packet(packets, off);
    this.#flush();
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #packet(buf: Uint8Array, off: number): void {
    const p = buf.subarray(off, off + TS_PACKET_SIZE);
    const h = parseTsHeader(p);
    if (h.pid === NULL_PID) return;
    if (h.pid === PAT_PID) {
      this.#pat = p.slice();
      if (h.payloadUnitStart && h.payloadOffset > 0) this.#readPat(p, h.payloadOffset);
      return this.#add('shared', p, false);
    }
    if (h.pid === this.#pmtPid) {
      this.#pmtCc = p[3]! & 15;
      if (h.payloadUnitStart && h.payloadOffset > 0) this.#readPmt(p, h.payloadOffset);
      // The same counter as the mux's PMT: the PMT's continuity is shared by every viewer.
      return this.#add('shared', this.#haveProgram ? this.#canonicalPmt(this.#pmtCc) : p, true);
    }
    const r = this.#videoPids.indexOf(h.pid);
    if (r < 0) return this.#add('shared', p, h.payloadUnitStart);

    const q = p.slice();
    q[1] = (q[1]! & 0xe0) | ((CANONICAL_VIDEO_PID >> 8) & 0x1f);
    q[2] = CANONICAL_VIDEO_PID & 0xff;
    const hasPcr = (p[3]! & 0x20) !== 0 && p[4]! > 0 && (p[5]! & 0x10) !== 0;
    if (hasPcr && h.pid === this.#pcrPid) {
      const pcr = p.slice(6, 12);
      for (let other = 0; other < this.#videoPids.length; other++) if (other !== r) this.#pendingPcr.set(other, pcr);
    }
    const starts = h.payloadUnitStart;
    if (starts || this.#building?.lane !== r) this.#flush();
    if (!this.#building) {
      const b = new LaneBuilder();
      b.startsFrame = starts;
      // NAL scan first (RAI also marks non-IDR I-frames); RAI when the first packet holds no slice.
      const verdict = starts && h.payloadOffset > 0 ? pesKeyframeVerdict(p, h.payloadOffset) : undefined;
      b.keyframe = starts && (verdict ?? (h.randomAccess ? 'key' : 'delta')) === 'key';
      b.pts = starts ? pesPts(p, h.payloadOffset) : undefined;
      const last = this.#cc.get(r);
      b.ccBefore = last ?? ((p[3]! & 15) + 15) % 16;
      const pendingPcr = this.#pendingPcr.get(r);
      if (pendingPcr) {
        b.packets.push(pcrPacket(pendingPcr, b.ccBefore));
        this.#pendingPcr.delete(r);
      }
      this.#building = { lane: r, b };
    }
    this.#building.b.packets.push(q);
    if (h.payloadOffset > 0) this.#cc.set(r, q[3]! & 15);
    this.#building.b.ccAfter = this.#cc.get(r) ?? this.#building.b.ccBefore;
  }

  #add(lane: 'shared', p: Uint8Array, starts: boolean): void {
    if (this.#building?.lane !== lane) this.#flush();
    if (!this.#building) {
      const b = new LaneBuilder();
      b.startsFrame = starts;
      this.#building = { lane, b };
    }
    this.#building.b.packets.push(p);
  }

  #flush(): void {
    const cur = this.#building;
    if (!cur) return;
    this.#building = undefined;
    const { b, lane } = cur;
    const bytes = b.packets.length === 1 ? b.packets[0]! : concat(b.packets);
    const chunk = new MediaChunk(bytes, b.keyframe, b.startsFrame);
    this.#out.push(lane === 'shared' ? { lane, chunk } : { lane, chunk, video: { ccBefore: b.ccBefore, ccAfter: b.ccAfter, pts: b.pts } });
  }

  #readPat(p: Uint8Array, off: number): void {
    const start = off + 1 + p[off]!;
    const sectionLength = ((p[start + 1]! & 0x0f) << 8) | p[start + 2]!;
    const end = Math.min(start + 3 + sectionLength - 4, TS_PACKET_SIZE);
    for (let i = start + 8; i + 4 <= end; i += 4) {
      const program = (p[i]! << 8) | p[i + 1]!;
      if (program !== 0) {
        this.#pmtPid = ((p[i + 2]! & 0x1f) << 8) | p[i + 3]!;
        return;
      }
    }
  }

  #readPmt(p: Uint8Array, off: number): void {
    const start = off + 1 + p[off]!;
    const sectionLength = ((p[start + 1]! & 0x0f) << 8) | p[start + 2]!;
    const end = Math.min(start + 3 + sectionLength - 4, TS_PACKET_SIZE);
    this.#pcrPid = ((p[start + 8]! & 0x1f) << 8) | p[start + 9]!;
    const programInfoLength = ((p[start + 10]! & 0x0f) << 8) | p[start + 11]!;
    const videos: number[] = [];
    const others: PmtStream[] = [];
    for (let i = start + 12 + programInfoLength; i + 5 <= end; ) {
      const type = p[i]!;
      const pid = ((p[i + 1]! & 0x1f) << 8) | p[i + 2]!;
      const esInfoLength = ((p[i + 3]! & 0x0f) << 8) | p[i + 4]!;
      if (type === H264_STREAM_TYPE) videos.push(pid);
      else others.push({ type, pid, esInfo: p.slice(i + 5, i + 5 + esInfoLength) });
      i += 5 + esInfoLength;
    }
    // Rendition r is on PID RENDITION_PID_BASE + r: ascending PIDs are the ladder, best first.
    this.#videoPids = videos.sort((a, b) => a - b);
    this.#others = others;
    this.#haveProgram = videos.length > 0;
  }

  #canonicalPmt(cc: number): Uint8Array {
    // The PCR stays on the sound's PID when the mux put it there; on video it is on the canonical PID.
    const pcrPid = this.#videoPids.includes(this.#pcrPid) ? CANONICAL_VIDEO_PID : this.#pcrPid;
    return pmtPacket(this.#pmtPid, pcrPid, [{ type: H264_STREAM_TYPE, pid: CANONICAL_VIDEO_PID, esInfo: new Uint8Array(0) }, ...this.#others], cc);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
