import type * as Iroh from '@number0/iroh';
import { MediaChunk, type PeerInfo } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { IrohPeerStream, toByteArray } from './iroh-transport.js';

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
