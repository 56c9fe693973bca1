import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { parseRequestHead, responseHead } from './http-head.js';
import type { Logger } from './logger.js';
import type { PeerStream } from './ports/transport.js';
import { base32Encode } from './share-ticket.js';

export interface LocalStreamServerOptions {
  /** Opens a tunnel stream to the host and sends the host request on it. */
  readonly openUpstream: () => Promise<PeerStream>;
  readonly upstreamRequest: Uint8Array;
  readonly log: Logger;
  readonly maxHeadBytes?: number;
  readonly headTimeoutMs?: number;
  /** Fixed path for tests; by default an unguessable one. */
  readonly path?: string;
}

/**
 * How the last player request ended: the host ended the stream, the tunnel
 * broke, the host could not be reached, or the player went away.
 */
export type RelayEnd = 'host-ended' | 'broken' | 'unreachable' | 'player-closed';

export interface LocalStreamStats {
  players: number;
  bytesReceived: number;
  streamsOpened: number;
}

/**
 * The viewer's localhost HTTP endpoint for players. Listens on 127.0.0.1 only,
 * on a random port, and answers only on an unguessable path so that other local
 * users cannot watch by scanning ports. Every accepted request opens a new tunnel
 * stream, so restarting the player against the same URL just works.
 */
export class LocalStreamServer {
  readonly path: string;
  readonly stats: LocalStreamStats = { players: 0, bytesReceived: 0, streamsOpened: 0 };
  /** How and when the most recent relay ended (for restarting a player that quit because of it). */
  lastEnd: { readonly kind: RelayEnd; readonly at: number } | undefined;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #upstreams = new Set<PeerStream>();

  constructor(private readonly options: LocalStreamServerOptions) {
    this.path = options.path ?? `/${base32Encode(randomBytes(16))}/stream.ts`;
  }

  async listen(): Promise<string> {
    const server = createServer((socket) => this.#onSocket(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no local address');
    return `http://127.0.0.1:${addr.port}${this.path}`;
  }

  async close(): Promise<void> {
    for (const up of this.#upstreams) up.abort();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #onSocket(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const maxHead = this.options.maxHeadBytes ?? 8192;
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => this.#reply(socket, 408, 'request timeout'), this.options.headTimeoutMs ?? 10_000);
    const onData = (data: Buffer): void => {
      buf = Buffer.concat([buf, data]);
      const parsed = parseRequestHead(buf, maxHead);
      if (parsed.state === 'incomplete') return;
      socket.off('data', onData);
      clearTimeout(timer);
      if (parsed.state === 'invalid') return this.#reply(socket, parsed.status, parsed.reason);
      const { method, path } = parsed.head;
      if (!samePath(path, this.path)) return this.#reply(socket, 404, 'not found');
      if (method !== 'GET' && method !== 'HEAD') return this.#reply(socket, 405, 'only GET');
      if (method === 'HEAD') {
        socket.end(responseHead(200, { 'Content-Type': 'video/mp2t' }));
        return;
      }
      void this.#relay(socket);
    };
    socket.on('data', onData);
  }

  #reply(socket: Socket, status: number, text: string): void {
    if (socket.destroyed) return;
    socket.end(responseHead(status, {}, `${text}\n`));
  }

  #ended(kind: RelayEnd): void {
    this.lastEnd = { kind, at: Date.now() };
  }

  async #relay(socket: Socket): Promise<void> {
    let upstream: PeerStream;
    try {
      upstream = await this.options.openUpstream();
    } catch (err) {
      this.options.log.warn(`player request failed: ${(err as Error).message}`);
      this.#ended('unreachable');
      return this.#reply(socket, 502, `cannot reach the host: ${(err as Error).message}`);
    }
    if (socket.destroyed) {
      upstream.abort();
      return;
    }
    this.stats.streamsOpened++;
    this.stats.players++;
    this.#upstreams.add(upstream);
    socket.on('close', () => upstream.abort());
    try {
      await upstream.writeBytes(this.options.upstreamRequest);
      for (;;) {
        const data = await upstream.read(256 * 1024);
        if (data === null) {
          this.#ended('host-ended');
          break;
        }
        this.stats.bytesReceived += data.length;
        if (socket.destroyed) {
          this.#ended('player-closed');
          break;
        }
        if (!socket.write(data)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              socket.off('drain', done);
              socket.off('close', done);
              resolve();
            };
            socket.on('drain', done);
            socket.on('close', done);
          });
        }
      }
      socket.end();
    } catch (err) {
      if (!socket.destroyed) this.options.log.warn(`stream from the host broke: ${(err as Error).message}`);
      this.#ended(socket.destroyed ? 'player-closed' : 'broken');
      socket.destroy();
    } finally {
      this.stats.players--;
      this.#upstreams.delete(upstream);
      upstream.abort();
    }
  }
}

/** The path is the local secret: compare without leaking how much of it matched. */
function samePath(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
