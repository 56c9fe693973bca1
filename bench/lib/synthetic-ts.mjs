// Synthetic MPEG-TS that the hub parses like the real thing (PAT → PMT → an
// H.264 PID whose keyframes carry the random-access flag) but costs nothing to
// produce, so a transport benchmark measures the transport, not an encoder.
const PKT = 188;
const PMT_PID = 0x1000;
const VIDEO_PID = 0x100;

function packet(pid, pusi, body, adaptation) {
  const p = Buffer.alloc(PKT, 0xff);
  p[0] = 0x47;
  p[1] = (pusi ? 0x40 : 0) | (pid >> 8);
  p[2] = pid & 0xff;
  let off = 4;
  if (adaptation) {
    p[3] = 0x30;
    p.set(adaptation, 4);
    off += adaptation.length;
  } else {
    p[3] = 0x10;
  }
  if (body) p.set(body, off);
  return p;
}

function pat() {
  // pointer, table 0, length 13, ts id 1, version, sections, program 1 → PMT PID, CRC (unchecked).
  return packet(0, true, [0, 0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff, 0, 0, 0, 0]);
}

function pmt() {
  // pointer, table 2, length 18, program 1, PCR PID, no program info, one H.264 stream, CRC.
  return packet(PMT_PID, true, [
    0, 0x02, 0xb0, 18, 0, 1, 0xc1, 0, 0, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0,
    0x1b, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0, 0, 0, 0, 0,
  ]);
}

function keyframeStart() {
  const af = [7, 0x50, 0, 0, 0, 0, 0x7e, 0]; // length, RAI+PCR flags, PCR
  const pes = [0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1, 0, 0, 0, 1, 0x65];
  return packet(VIDEO_PID, true, pes, af);
}

function filler(seed) {
  const p = packet(VIDEO_PID, false);
  for (let i = 4; i < PKT; i++) p[i] = (seed * 31 + i * 7) & 0xff;
  return p;
}

/**
 * `count` chunks of about `chunkBytes` whole packets each; the first starts a
 * keyframe (PAT, PMT, IDR), the others are continuation packets. Publish them in
 * order, over and over: one GOP per round.
 */
export function syntheticGop(chunkBytes, count) {
  const perChunk = Math.max(4, Math.floor(chunkBytes / PKT));
  const chunks = [];
  for (let c = 0; c < count; c++) {
    const packets = [];
    if (c === 0) packets.push(pat(), pmt(), keyframeStart());
    while (packets.length < perChunk) packets.push(filler(c + packets.length));
    chunks.push(Buffer.concat(packets));
  }
  return chunks;
}

/** The bytes of `n` packets worth from a GOP, as whole-packet slices of its chunks. */
