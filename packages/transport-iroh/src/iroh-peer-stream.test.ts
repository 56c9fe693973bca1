import type * as Iroh from '@number0/iroh';
import { MediaChunk, type PeerInfo } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { fromByteArray, IrohPeerStream, toByteArray } from './iroh-transport.js';

const PEER: PeerInfo = { id: 'p', shortId: 'p', path: () => ({ kind: 'direct', rttMs: 1 }) };

/** A bi-stream whose send side records what the binding was given. */
function fakeBi(writes: number[][]): Iroh.BiStream {
  return {
    send: {
      writeAll: async (bytes: number[]) => {
        writes.push(bytes);
      },
    },
    recv: {},
  } as unknown as Iroh.BiStream;
}

describe('IrohPeerStream: a chunk is converted for the binding once, whatever the number of viewers', () => {
  it.each([1, 2, 5, 16])('%i viewers writing the same chunks share one Array<number> per chunk', async (viewers) => {
    const writes: number[][] = [];
    const streams = Array.from({ length: viewers }, () => new IrohPeerStream(PEER, fakeBi(writes)));
    const chunks = [new MediaChunk(Uint8Array.from([0x47, 1, 2, 3]), true), new MediaChunk(Uint8Array.from([0x47, 9, 8]))];
    // Count conversions: wrap `converted` so every call that runs the converter is seen.
    let conversions = 0;
    for (const c of chunks) {
      const original = c.converted.bind(c);
      c.converted = <T>(key: symbol, convert: (b: Uint8Array) => T): T =>
        original(key, (b) => {
          conversions++;
          return convert(b);
        });
    }
    for (const chunk of chunks) for (const s of streams) await s.writeChunk(chunk);
    expect(writes).toHaveLength(viewers * chunks.length);
    expect(conversions).toBe(chunks.length);
    // Every viewer got the very same array object for a chunk: nothing was copied per viewer.
    for (let i = 0; i < viewers; i++) expect(writes[i]).toBe(writes[0]);
    expect(writes[viewers]).not.toBe(writes[0]);
    expect(writes[0]).toEqual([0x47, 1, 2, 3]);
  });

  it('toByteArray gives the binding the bytes as numbers', () => {
    expect(toByteArray(Uint8Array.from([0, 255, 71]))).toEqual([0, 255, 71]);
  });
});

/** A bi-stream whose send side completes writes only when the test says so. */
function manualBi() {
  const log: string[] = [];
  const pending: Array<{ bytes: number[]; done: () => void; fail: (e: Error) => void }> = [];
  const reads: number[][] = [];
  const bi = {
    send: {
      writeAll: (bytes: number[]) =>
        new Promise<void>((done, fail) => {
          log.push(`start ${bytes[0]}`);
          pending.push({ bytes, done: () => (log.push(`done ${bytes[0]}`), done()), fail });
        }),
      finish: async () => void log.push('finish'),
      reset: async () => void log.push('reset'),
    },
    recv: {
      read: async (size: number) => {
        log.push(`read ${size}`);
        return reads.shift() ?? [];
      },
    },
  } as unknown as Iroh.BiStream;
  return { bi, log, pending, reads };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('IrohPeerStream keeps the binding busy', () => {
  it('a write returns once handed over; the next waits for it; finish waits for the last', async () => {
    const { bi, log, pending } = manualBi();
    const s = new IrohPeerStream(PEER, bi);
    await s.writeBytes(Uint8Array.from([1]));
    expect(log).toEqual(['start 1']);
    let second = false;
    const w2 = s.writeBytes(Uint8Array.from([2])).then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    pending[0]!.done();
    await w2;
    await tick();
    expect(log).toEqual(['start 1', 'done 1', 'start 2']);
    let finished = false;
    const f = s.finish().then(() => (finished = true));
    await tick();
    expect(finished).toBe(false);
    pending[1]!.done();
    await f;
    expect(log).toEqual(['start 1', 'done 1', 'start 2', 'done 2', 'finish']);
  });

  it('a failed write surfaces on the next write, as a TransportFailed', async () => {
    const { bi, pending } = manualBi();
    const s = new IrohPeerStream(PEER, bi);
    await s.writeBytes(Uint8Array.from([1]));
    const next = s.writeBytes(Uint8Array.from([2]));
    pending[0]!.fail(new Error('connection lost\nbacktrace...'));
    await expect(next).rejects.toThrow(/^write: connection lost$/);
  });

  it.each([
    // [what the binding returns per read, caller's maxBytes, what the caller gets]
    [[[1, 2, 3]], 8, [[1, 2, 3]]],
    [[[1, 2, 3, 4, 5]], 2, [[1, 2], [3, 4], [5]]],
    [[[1, 2], [3]], 4, [[1, 2], [3]]],
  ])('reads %j with maxBytes %i give %j, then the end', async (chunks, maxBytes, want) => {
    const { bi, reads } = manualBi();
    reads.push(...chunks);
    const s = new IrohPeerStream(PEER, bi);
    const got: number[][] = [];
    for (;;) {
      const d = await s.read(maxBytes);
      if (d === null) break;
      got.push([...d]);
    }
    expect(got).toEqual(want);
  });

  it('a large read (media) starts the next one as soon as it returns', async () => {
    const { bi, log, reads } = manualBi();
    reads.push([1], [2]);
    const s = new IrohPeerStream(PEER, bi);
    await s.read(256 * 1024);
    expect(log.filter((l) => l.startsWith('read'))).toEqual(['read 262144', 'read 262144']);
  });

  it.each([
    // [caller's maxBytes, what the binding is asked for]: small reads (request heads, feedback) are never read ahead
    [1024, ['read 1024']],
    [4096, ['read 4096']],
    [64 * 1024, ['read 65536', 'read 65536']],
    [1024 * 1024, ['read 262144', 'read 262144']],
  ])('read(%i) asks the binding for %j', async (maxBytes, asked) => {
    const { bi, log, reads } = manualBi();
    reads.push([1], [2]);
    const s = new IrohPeerStream(PEER, bi);
    await s.read(maxBytes);
    expect(log.filter((l) => l.startsWith('read'))).toEqual(asked);
  });

  it('stopReading stops the peer side once and ends later reads', async () => {
    const { bi, log, reads } = manualBi();
    const stops: bigint[] = [];
    (bi.recv as unknown as { stop: (c: bigint) => Promise<void> }).stop = async (c) => void stops.push(c);
    reads.push([1]);
    const s = new IrohPeerStream(PEER, bi);
    s.stopReading();
    s.stopReading();
    s.abort();
    expect(await s.read(10)).toBeNull();
    expect(stops).toEqual([0n]);
    expect(log.filter((l) => l.startsWith('read'))).toEqual([]);
  });
});

describe('fromByteArray', () => {
  it.each([[[]], [[0]], [[0, 255, 71, 128]]])('copies %j into a Buffer', (bytes) => {
    expect([...fromByteArray(bytes)]).toEqual(bytes);
  });
});
