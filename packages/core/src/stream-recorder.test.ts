import { describe, expect, it } from 'vitest';
import { StreamRecorder, type RecordingSink } from './stream-recorder.js';

function sink() {
  const parts: Uint8Array[] = [];
  let closed = false;
  const s: RecordingSink = { write: (b) => void parts.push(b), close: async () => void (closed = true) };
  return { s, bytes: () => Buffer.concat(parts), closed: () => closed };
}
const packets = (n: number, fill = 0x47): Uint8Array => new Uint8Array(188 * n).fill(fill);

describe('StreamRecorder: whole TS packets, one stream at a time', () => {
  it.each([
    ['whole packets', [376], 376],
    ['a packet split over reads', [100, 88, 188], 376],
    ['a cut-off packet at the end is dropped', [188, 50], 188],
    ['tiny reads', Array(188).fill(2), 376],
  ])('%s', (_w, sizes, expected) => {
    const k = sink();
    const r = new StreamRecorder(k.s);
    const w = r.begin()!;
    for (const n of sizes) w.write(packets(2).slice(0, n));
    w.end();
    expect(k.bytes().length).toBe(expected);
    expect(r.bytesWritten).toBe(expected);
  });

  it('a second stream waits for the first to end; its bytes follow in the same file', async () => {
    const k = sink();
    const r = new StreamRecorder(k.s);
    const a = r.begin()!;
    expect(r.begin()).toBeUndefined();
    a.write(packets(2, 1));
    a.write(packets(1, 1).slice(0, 10)); // cut off by a reconnect
    a.end();
    const b = r.begin()!;
    b.write(packets(1, 2));
    await r.close();
    expect([...k.bytes()].length).toBe(188 * 3);
    expect(k.bytes()[188 * 2]).toBe(2);
    expect(r.streams).toBe(2);
    expect(k.closed()).toBe(true);
    expect(r.begin()).toBeUndefined();
    b.write(packets(1, 3)); // after close: nothing
    expect(k.bytes().length).toBe(188 * 3);
  });
});
