import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStreamServer, StreamRefused, type LocalStreamServerOptions } from './local-stream-server.js';
import { silentLogger } from './logger.js';
import type { PeerStream } from './ports/transport.js';

/** An upstream that records what was written and serves `body` then ends. */
function fakeUpstream(body: string[]) {
  const written: Uint8Array[] = [];
  let aborted = false;
  const stream: PeerStream = {
    peer: { id: 'h', shortId: 'h', path: () => ({ kind: 'direct', rttMs: 0 }) },
    read: async () => {
      if (aborted) throw new Error('aborted');
      const next = body.shift();
      return next === undefined ? null : Buffer.from(next);
    },
    writeChunk: async () => undefined,
    writeBytes: async (b) => void written.push(b),
    finish: async () => undefined,
    stopReading: () => undefined,
    delivered: async () => undefined,
    abort: () => void (aborted = true),
  };
  return { stream, written, aborted: () => aborted };
}

/** Sends raw bytes to the server and collects everything it answers until it closes. */
function raw(url: string, request: string, { waitMs = 5000 } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), waitMs);
  });
}

const servers: LocalStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function makeServer(options: Partial<LocalStreamServerOptions> & Pick<LocalStreamServerOptions, 'openUpstream'>): LocalStreamServer {
  const server = new LocalStreamServer({ log: silentLogger, headTimeoutMs: 300, ...options });
  servers.push(server);
  return server;
}

async function serve(upstream = fakeUpstream(['vid', 'eo']), rest = '') {
  const server = makeServer({ openUpstream: async () => ({ stream: upstream.stream, rest: Buffer.from(rest) }) });
  return { server, url: await server.listen(), upstream };
}

describe('LocalStreamServer', () => {
  it('listens on 127.0.0.1 only, on a random port, under an unguessable path', async () => {
    const a = await serve();
    const b = await serve();
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[a-z2-7]{26}\/stream\.ts$/);
    expect(new URL(a.url).pathname).not.toBe(new URL(b.url).pathname);
    expect(new URL(a.url).port).not.toBe(new URL(b.url).port);
  });

  it('answers the right path with the host stream, the body bytes read with the head first, and no chunked framing', async () => {
    const { server, url } = await serve(fakeUpstream(['deo']), 'vi');
    const answer = await raw(url, `GET ${server.path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\nContent-Type: video\/mp2t\r\n/);
    expect(answer).not.toMatch(/Transfer-Encoding/i);
    expect(answer.split('\r\n\r\n')[1]).toBe('video');
    expect(server.lastEnd?.kind).toBe('host-ended');
    expect(server.stats.bytesReceived).toBe(5);
  });

  it('a refusal by the host reaches the player with its status and line, and is remembered', async () => {
    const server = makeServer({
      openUpstream: async () => {
        throw new StreamRefused({ status: 503, code: 'full', message: 'the host is full (2 of 2 watching); try again later' });
      },
    });
    const url = await server.listen();
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('the host is full (2 of 2 watching); try again later\n');
    expect(server.lastEnd?.kind).toBe('refused');
    expect(server.lastEnd?.refusal?.code).toBe('full');
  });

  it('a player that stops reading is let go and its tunnel stream aborted', async () => {
    const endless = fakeUpstream([]);
    const chunk = Buffer.alloc(64 * 1024, 0x47);
    endless.stream.read = async () => {
      if (endless.aborted()) throw new Error('aborted');
      await new Promise((r) => setImmediate(r));
      return chunk;
    };
    const server = makeServer({ openUpstream: async () => ({ stream: endless.stream, rest: new Uint8Array(0) }), stallTimeoutMs: 200 });
    const url = await server.listen();
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${server.path} HTTP/1.1\r\n\r\n`));
    socket.pause(); // never reads
    const deadline = Date.now() + 5000;
    while (!endless.aborted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    expect(endless.aborted()).toBe(true);
    expect(server.lastEnd?.kind).toBe('player-closed');
  });

  it('a player that stopped reading is let go as soon as the host drops its stream, not after the stall timeout', async () => {
    const up = fakeUpstream([]);
    const chunk = Buffer.alloc(256 * 1024, 0x47);
    let sent = 0;
    let dropped = false;
    let drop!: () => void;
    const droppedNow = new Promise<void>((r) => (drop = r));
    up.stream.read = async () => {
      if (dropped) throw new Error('reset by the host');
      // A few MB fill the socket buffers; then the host sends nothing more (the
      // player acknowledged nothing) until it drops the stream.
      if (sent++ < 4) return chunk;
      await droppedNow;
      throw new Error('reset by the host');
    };
    const server = makeServer({ openUpstream: async () => ({ stream: up.stream, rest: new Uint8Array(0) }), stallTimeoutMs: 60_000 });
    const url = await server.listen();
    const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(`GET ${server.path} HTTP/1.1\r\n\r\n`));
    socket.pause();
    const until = async (cond: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    // Until the relay waits on the player (the reads stop coming).
    let last = -1;
    await until(() => {
      const still = sent === last && sent > 0;
      last = sent;
      return still;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(server.stats.players).toBe(1);
    const at = Date.now();
    dropped = true;
    drop();
    await until(() => server.stats.players === 0);
    socket.destroy();
    expect(server.stats.players).toBe(0);
    expect(Date.now() - at).toBeLessThan(1000);
    expect(up.aborted()).toBe(true);
  });

  it('serves a bounded number of players at once; one more gets a 503', async () => {
    const never = fakeUpstream([]);
    never.stream.read = () => new Promise(() => undefined);
    const server = makeServer({ openUpstream: async () => ({ stream: never.stream, rest: new Uint8Array(0) }), maxPlayers: 2 });
    const url = await server.listen();
    const request = `GET ${server.path} HTTP/1.1\r\n\r\n`;
    const held = [raw(url, request, { waitMs: 400 }), raw(url, request, { waitMs: 400 })];
    await new Promise((r) => setTimeout(r, 100));
    const third = await raw(url, request, { waitMs: 250 });
    expect(third).toMatch(/^HTTP\/1\.1 503 [^]*too many players/);
    await Promise.all(held);
  });

  it.each([
    ['a wrong path', (p: string) => `GET /stream.ts HTTP/1.1\r\n\r\n`.replace('/stream.ts', p.slice(0, -1) + 'x'), /^HTTP\/1\.1 404 /],
    ['a path prefix', (p: string) => `GET ${p.slice(0, 10)} HTTP/1.1\r\n\r\n`, /^HTTP\/1\.1 404 /],
    ['the bare port', () => 'GET / HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 404 /],
    ['POST on the right path', (p: string) => `POST ${p} HTTP/1.1\r\n\r\n`, /^HTTP\/1\.1 405 /],
    ['garbage', () => '\x00\x01\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['a huge head', (p: string) => `GET ${p} HTTP/1.1\r\nX: ${'a'.repeat(9000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
    ['a head that never ends', (p: string) => `GET ${p} HTTP/1.1\r\n`, /^HTTP\/1\.1 408 /],
  ])('%s is refused and closed without opening a tunnel stream', async (_name, request, status) => {
    let opened = 0;
    const server = makeServer({
      openUpstream: async () => {
        opened++;
        return { stream: fakeUpstream([]).stream, rest: new Uint8Array(0) };
      },
    });
    const url = await server.listen();
    const answer = await raw(url, request(server.path));
    expect(answer).toMatch(status);
    expect(opened).toBe(0);
  });

  it('close() ends the relays and aborts their tunnel streams', async () => {
    const never = fakeUpstream([]);
    never.stream.read = () => new Promise(() => undefined);
    const { server, url } = await serve(never);
    const pending = raw(url, `GET ${server.path} HTTP/1.1\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    await server.close();
    await pending;
    expect(never.aborted()).toBe(true);
  });
});
