import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStreamServer } from './local-stream-server.js';
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

async function serve(upstream = fakeUpstream(['HTTP/1.1 200 OK\r\n\r\n', 'video'])) {
  const server = new LocalStreamServer({
    openUpstream: async () => upstream.stream,
    upstreamRequest: Buffer.from('GET /stream HTTP/1.1\r\n\r\n'),
    log: silentLogger,
    headTimeoutMs: 200,
  });
  servers.push(server);
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

  it('relays the host answer for the right path and sends the host request upstream', async () => {
    const { url, upstream } = await serve();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('video');
    expect(Buffer.concat(upstream.written).toString()).toBe('GET /stream HTTP/1.1\r\n\r\n');
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
    const server = new LocalStreamServer({
      openUpstream: async () => {
        opened++;
        return fakeUpstream([]).stream;
      },
      upstreamRequest: new Uint8Array(0),
      log: silentLogger,
      headTimeoutMs: 200,
    });
    servers.push(server);
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
