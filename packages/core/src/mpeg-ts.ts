export const TS_PACKET_SIZE = 188;
export const TS_SYNC_BYTE = 0x47;
export const PAT_PID = 0;

/** H.264 and H.265 video stream types in a PMT. */
const VIDEO_STREAM_TYPES = new Set([0x1b, 0x24]);
const H264_STREAM_TYPE = 0x1b;

export interface TsPacketHeader {
  readonly pid: number;
  readonly payloadUnitStart: boolean;
  readonly randomAccess: boolean;
  /** Offset of the payload inside the packet, or -1 when it has none. */
  readonly payloadOffset: number;
}

/** Parses the 4-byte header and adaptation field flags of the packet at `offset`. */
export function parseTsHeader(buf: Uint8Array, offset = 0): TsPacketHeader {
  const b1 = buf[offset + 1]!;
  const b3 = buf[offset + 3]!;
  const pid = ((b1 & 0x1f) << 8) | buf[offset + 2]!;
  const payloadUnitStart = (b1 & 0x40) !== 0;
  const afc = (b3 >> 4) & 0x3;
  let randomAccess = false;
  let payloadOffset = 4;
  if (afc === 2 || afc === 3) {
    const afLength = buf[offset + 4]!;
    if (afLength > 0) randomAccess = (buf[offset + 5]! & 0x40) !== 0;
    payloadOffset = 5 + afLength;
  }
  if (afc === 2 || afc === 0 || payloadOffset >= TS_PACKET_SIZE) payloadOffset = -1;
  return { pid, payloadUnitStart, randomAccess, payloadOffset };
}

/**
 * Re-chunks a byte stream on 188-byte packet boundaries. GStreamer's stdout
 * arrives in pipe-sized reads that cut packets anywhere; the hub needs whole
 * packets. Garbage before a sync byte (never expected from mpegtsmux) is dropped
 * and counted. A 0x47 byte alone proves nothing (payload bytes take that value
 * too), so the aligner only locks on once the next packet's sync byte confirms
 * it, and then stays locked until a packet does not start with a sync byte.
 */
export class TsPacketAligner {
  #pending: Uint8Array = new Uint8Array(0);
  #locked = false;
  droppedBytes = 0;

  /** Returns the whole packets available after `chunk` (possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    let buf: Uint8Array;
    if (this.#pending.length === 0) {
      buf = chunk;
    } else {
      buf = new Uint8Array(this.#pending.length + chunk.length);
      buf.set(this.#pending, 0);
      buf.set(chunk, this.#pending.length);
    }
    const segments: Uint8Array[] = [];
    let pos = 0;
    for (;;) {
      if (!this.#locked) {
        const sync = this.#findSync(buf, pos);
        this.droppedBytes += sync.at - pos;
        pos = sync.at;
        if (!sync.confirmed) break;
        this.#locked = true;
      }
      let end = pos;
      while (end + TS_PACKET_SIZE <= buf.length && buf[end] === TS_SYNC_BYTE) end += TS_PACKET_SIZE;
      if (end > pos) segments.push(buf.subarray(pos, end));
      pos = end;
      // Locked and out of whole packets: wait for more bytes.
      if (pos + TS_PACKET_SIZE > buf.length) break;
      // A packet without its sync byte: the stream slipped; find it again.
      this.#locked = false;
    }
    // Copy the tail: `chunk` may be a reused read buffer.
    this.#pending = buf.slice(pos);
    if (segments.length === 1) return segments[0]!;
    return concat(segments);
  }

  /**
   * The first sync byte at or after `from` that the next packet confirms, or the
   * first candidate that cannot be confirmed yet (`confirmed` false), or the end.
   */
  #findSync(buf: Uint8Array, from: number): { at: number; confirmed: boolean } {
    for (let i = from; i < buf.length; i++) {
      if (buf[i] !== TS_SYNC_BYTE) continue;
      const next = i + TS_PACKET_SIZE;
      if (next >= buf.length) return { at: i, confirmed: false };
      if (buf[next] === TS_SYNC_BYTE) return { at: i, confirmed: true };
    }
    return { at: buf.length, confirmed: false };
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

/** Tracks PAT/PMT to know the video PID, and keeps the latest PAT and PMT packets. */
export class TsStreamInspector {
  pmtPid = -1;
  videoPid = -1;
  videoStreamType = -1;
  pat: Uint8Array | undefined;
  pmt: Uint8Array | undefined;

  /** Inspects one packet; returns true when it starts a keyframe of the video stream. */
  inspect(packet: Uint8Array): boolean {
    return this.classify(packet) === 'keyframe';
  }

  /**
   * Inspects the packet at `offset`: does it start a video frame (a video PES),
   * and is that a keyframe? Runs for every packet the host publishes, so the
   * common case (a packet inside a frame, or audio) returns without allocating.
   */
  classify(buf: Uint8Array, offset = 0): 'keyframe' | 'frame' | 'other' {
    const b1 = buf[offset + 1]!;
    const pid = ((b1 & 0x1f) << 8) | buf[offset + 2]!;
    const payloadUnitStart = (b1 & 0x40) !== 0;
    if (pid === this.videoPid) {
      if (!payloadUnitStart) return 'other';
    } else if (pid !== PAT_PID && pid !== this.pmtPid) {
      return 'other';
    }
    const packet = buf.subarray(offset, offset + TS_PACKET_SIZE);
    const h = parseTsHeader(packet);
    if (h.pid === PAT_PID) {
      this.pat = packet.slice();
      if (h.payloadUnitStart && h.payloadOffset > 0) this.#readPat(packet, h.payloadOffset);
      return 'other';
    }
    if (h.pid === this.pmtPid) {
      this.pmt = packet.slice();
      if (h.payloadUnitStart && h.payloadOffset > 0) this.#readPmt(packet, h.payloadOffset);
      return 'other';
    }
    // The NAL scan comes first: muxers set RAI on any I-frame, and only an IDR lets a decoder start.
    // It only knows H.264; other codecs, or a first packet without a slice, rely on the RAI flag.
    const verdict = this.videoStreamType === H264_STREAM_TYPE && h.payloadOffset > 0 ? pesKeyframeVerdict(packet, h.payloadOffset) : undefined;
    return (verdict ?? (h.randomAccess ? 'key' : 'delta')) === 'key' ? 'keyframe' : 'frame';
  }

  /** PAT+PMT as one buffer, so a viewer joining mid-stream can demux at once. */
  header(): Uint8Array | undefined {
    if (!this.pat || !this.pmt) return undefined;
    const out = new Uint8Array(TS_PACKET_SIZE * 2);
    out.set(this.pat, 0);
    out.set(this.pmt, TS_PACKET_SIZE);
    return out;
  }

  #readPat(p: Uint8Array, off: number): void {
    const start = off + 1 + p[off]!; // pointer field
    const sectionLength = ((p[start + 1]! & 0x0f) << 8) | p[start + 2]!;
    const end = Math.min(start + 3 + sectionLength - 4, TS_PACKET_SIZE);
    for (let i = start + 8; i + 4 <= end; i += 4) {
      const program = (p[i]! << 8) | p[i + 1]!;
      if (program !== 0) {
        this.pmtPid = ((p[i + 2]! & 0x1f) << 8) | p[i + 3]!;
        return;
      }
    }
  }

  #readPmt(p: Uint8Array, off: number): void {
    const start = off + 1 + p[off]!;
    const sectionLength = ((p[start + 1]! & 0x0f) << 8) | p[start + 2]!;
    const end = Math.min(start + 3 + sectionLength - 4, TS_PACKET_SIZE);
    const programInfoLength = ((p[start + 10]! & 0x0f) << 8) | p[start + 11]!;
    for (let i = start + 12 + programInfoLength; i + 5 <= end; ) {
      const streamType = p[i]!;
      const pid = ((p[i + 1]! & 0x1f) << 8) | p[i + 2]!;
      const esInfoLength = ((p[i + 3]! & 0x0f) << 8) | p[i + 4]!;
      if (VIDEO_STREAM_TYPES.has(streamType)) {
        this.videoPid = pid;
        this.videoStreamType = streamType;
        return;
      }
      i += 5 + esInfoLength;
    }
  }
}

/**
 * What the first packet of an H.264 PES says about its frame: 'key' (IDR or SPS seen), 'delta'
 * (a non-IDR slice comes first), or undefined when the packet ends before any slice.
 */
export function pesKeyframeVerdict(packet: Uint8Array, payloadOffset: number): 'key' | 'delta' | undefined {
  const p = payloadOffset;
  if (p + 9 > TS_PACKET_SIZE) return undefined;
  if (packet[p] !== 0 || packet[p + 1] !== 0 || packet[p + 2] !== 1) return undefined;
  const esStart = p + 9 + packet[p + 8]!;
  for (let i = esStart; i + 3 < TS_PACKET_SIZE; i++) {
    if (packet[i] === 0 && packet[i + 1] === 0 && packet[i + 2] === 1) {
      const nalType = packet[i + 3]! & 0x1f;
      if (nalType === 5 || nalType === 7) return 'key';
      if (nalType === 1) return 'delta';
    }
  }
  return undefined;
}
