import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ClosedByPeer, errorMessage, TransportFailed } from './errors.js';
import type { Logger } from './logger.js';
import type { PeerStream } from './ports/transport.js';
import { base32Encode } from './share-ticket.js';
import type { StreamRecorder } from './stream-recorder.js';
import { feedbackLine, HOST_STOPPED, STREAM_CONTENT_TYPE, type Refusal } from './tunnel-protocol.js';

/** A tunnel stream the host answered 200 on, with the body bytes already read. */
export interface Upstream {
  readonly stream: PeerStream;
  readonly rest: Uint8Array;
}

/** The host refused the stream; `refusal` says why, for the person watching. */
export class StreamRefused extends TransportFailed {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

export interface LocalStreamServerOptions {
  /** Opens a tunnel stream to the host and gets its answer; throws StreamRefused or TransportFailed. */
  readonly openUpstream: () => Promise<Upstream>;
  readonly log: Logger;
  /** Fixed path for tests; by default an unguessable one. */
  readonly path?: string;
  /** A player that takes nothing for this long is let go (its tunnel stream too). */
  readonly stallTimeoutMs?: number;
  /** A player's request head must arrive within this. */
  readonly headTimeoutMs?: number;
  /** How often the host is told what the player took. */
  readonly feedbackEveryMs?: number;
  /** `view --record`: gets what one player at a time is sent. */
  readonly recorder?: StreamRecorder | undefined;
  /** Players served at once; more get a 503 (each holds a tunnel stream on the host). */
  readonly maxPlayers?: number;
}

/**
 * How the last player request ended: the host ended the stream, the tunnel
 * broke, the host could not be reached or refused, or the player went away.
 */
export type RelayEnd = 'host-ended' | 'broken' | 'unreachable' | 'refused' | 'player-closed';

export interface LocalStreamStats {
  players: number;
  bytesReceived: number;
  streamsOpened: number;
}

/**
 * The viewer's localhost HTTP endpoint for players (Node's HTTP server).
 * Listens on 127.0.0.1 only, on a random port, and answers only on an
 * unguessable path so that other local users cannot watch by scanning ports.
 * Every accepted request opens a new tunnel stream, so restarting the player
 * against the same URL just works.
 */
export class LocalStreamServer {
  readonly path: string;
  readonly stats: LocalStreamStats = { players: 0, bytesReceived: 0, streamsOpened: 0 };
  /** How and when the most recent relay ended (for restarting a player that quit because of it). */
  lastEnd: { readonly kind: RelayEnd; readonly at: number; readonly refusal?: Refusal } | undefined;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #upstreams = new Set<PeerStream>();
  /** Player requests being answered or relayed. */
  #requests = 0;

  constructor(private readonly options: LocalStreamServerOptions) {
    this.path = options.path ?? `/${base32Encode(randomBytes(16))}/stream.ts`;
  }

  async listen(): Promise<string> {
    const headMs = this.options.headTimeoutMs ?? 5000;
    // The check interval bounds how late a slow head is answered 408.
    const server = createServer(
      // Players send Host; a tool that does not is no threat on 127.0.0.1 behind a secret path.
      { maxHeaderSize: 8192, headersTimeout: headMs, requestTimeout: headMs, connectionsCheckingInterval: Math.min(1000, headMs), requireHostHeader: false },
      (req, res) => void this.#request(req, res),
    );
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new TransportFailed('the local player endpoint has no address');
    return `http://127.0.0.1:${addr.port}${this.path}`;
  }

  async close(): Promise<void> {
    for (const up of this.#upstreams) up.abort();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!samePath(req.url ?? '', this.path)) return reply(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET');
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': STREAM_CONTENT_TYPE, 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (this.#requests >= (this.options.maxPlayers ?? 8)) return reply(res, 503, 'too many players are watching through this viewer');
    this.#requests++;
    try {
      await this.#forward(res);
    } finally {
      this.#requests--;
    }
  }

  async #forward(res: ServerResponse): Promise<void> {
    let upstream: Upstream;
    try {
      upstream = await this.options.openUpstream();
    } catch (err) {
      if (err instanceof StreamRefused) {
        this.#ended('refused', err.refusal);
        return reply(res, err.refusal.status, err.refusal.message);
      }
      this.options.log.warn(`player request failed: ${errorMessage(err)}`);
      this.#ended('unreachable');
      return reply(res, 502, `cannot reach the host: ${errorMessage(err)}`);
    }
    await this.#relay(res, upstream);
  }

  #ended(kind: RelayEnd, refusal?: Refusal): void {
    this.lastEnd = { kind, at: Date.now(), ...(refusal ? { refusal } : {}) };
  }

  async #relay(res: ServerResponse, { stream, rest }: Upstream): Promise<void> {
    const socket = res.socket;
    if (!socket || socket.destroyed) return stream.abort();
    this.stats.streamsOpened++;
    this.stats.players++;
    this.#upstreams.add(stream);
    socket.on('close', () => stream.abort());
    // The body runs until the connection closes: no chunked framing for players to undo.
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, { 'Content-Type': STREAM_CONTENT_TYPE, 'Cache-Control': 'no-store', Connection: 'close' });
    // Feedback: what the player has taken, a few times a second. The host keeps
    // what it has sent beyond this small, so the delay stays bounded end to end.
    let delivered = 0;
    let acked = 0;
    const ack = (): void => {
      if (delivered === acked) return;
      acked = delivered;
      stream.writeBytes(feedbackLine(delivered)).catch(() => undefined);
    };
    const acking = setInterval(ack, this.options.feedbackEveryMs ?? 100);
    const recording = this.options.recorder?.begin();
    const pump = new UpstreamPump(stream, rest, (n) => (this.stats.bytesReceived += n));
    try {
      for (;;) {
        const data = await pump.next();
        if (data === null) {
          this.#ended('host-ended');
          res.end();
          break;
        }
        if (socket.destroyed) {
          this.#ended('player-closed');
          break;
        }
        recording?.write(data);
        if (!res.write(data)) {
          const outcome = await this.#drained(res, pump.failed);
          if (outcome === 'stalled') this.options.log.warn('a player stopped reading; letting it go');
          if (outcome !== 'drained') {
            this.#ended(outcome === 'host-gone' ? 'broken' : 'player-closed');
            break;
          }
        }
        delivered += data.length;
      }
    } catch (err) {
      // The host stopping is said once, by the session; a stream it took with it is no news.
      const hostStopped = err instanceof ClosedByPeer && err.code === HOST_STOPPED.code;
      if (!socket.destroyed && !hostStopped) this.options.log.warn(`stream from the host broke: ${errorMessage(err)}`);
      this.#ended(socket.destroyed ? 'player-closed' : hostStopped ? 'host-ended' : 'broken');
    } finally {
      clearInterval(acking);
      recording?.end();
      socket.destroy();
      this.stats.players--;
      this.#upstreams.delete(stream);
      stream.abort();
    }
  }

  /**
   * Waits for the player to take its backlog: 'drained'; or it closed or took
   * nothing for the stall timeout; or the host dropped the stream meanwhile
   * (`hostGone`).
   */
  #drained(res: ServerResponse, hostGone: Promise<void>): Promise<'drained' | 'closed' | 'stalled' | 'host-gone'> {
    const socket = res.socket;
    return new Promise((resolve) => {
      const done = (outcome: 'drained' | 'closed' | 'stalled' | 'host-gone'): void => {
        clearTimeout(timer);
        res.off('drain', onDrain);
        socket?.off('close', onClose);
        resolve(outcome);
      };
      const onDrain = (): void => done('drained');
      const onClose = (): void => done('closed');
      const timer = setTimeout(() => done('stalled'), this.options.stallTimeoutMs ?? 15_000);
      res.on('drain', onDrain);
      socket?.on('close', onClose);
      void hostGone.then(() => done('host-gone'));
    });
  }
}

/** What is read ahead of a slow player, at most. */
const PUMP_AHEAD_BYTES = 2 * 1024 * 1024;

/**
 * Reads the host's stream ahead of the player, up to `PUMP_AHEAD_BYTES`: so
 * when the host drops the stream (a reset), the viewer sees it at once even
 * while its player takes nothing, and lets the player go instead of holding
 * its socket and tunnel stream until the stall timeout.
 */
class UpstreamPump {
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #end: { readonly failed: false } | { readonly failed: true; readonly err: unknown } | undefined;
  #wakeReader: (() => void) | undefined;
  #wakePump: (() => void) | undefined;
  #resolveFailed!: () => void;
  /** Resolves if the stream fails (reset by the host, connection lost). */
  readonly failed = new Promise<void>((r) => (this.#resolveFailed = r));

  constructor(
    private readonly stream: PeerStream,
    first: Uint8Array,
    private readonly received: (bytes: number) => void,
  ) {
    if (first.length > 0) this.#push(first);
    void this.#run();
  }

  /** The next chunk; null once the host ended the stream; throws if it failed. */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      const data = this.#queue.shift();
      if (data) {
        this.#queued -= data.length;
        this.#wake('pump');
        return data;
      }
      if (this.#end) {
        if (this.#end.failed) throw this.#end.err;
        return null;
      }
      await new Promise<void>((r) => (this.#wakeReader = r));
    }
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        while (this.#queued >= PUMP_AHEAD_BYTES) await new Promise<void>((r) => (this.#wakePump = r));
        const data = await this.stream.read(256 * 1024);
        if (data === null) {
          this.#end = { failed: false };
          break;
        }
        this.#push(data);
      }
    } catch (err) {
      this.#end = { failed: true, err };
      this.#resolveFailed();
    }
    this.#wake('reader');
  }

  #push(data: Uint8Array): void {
    this.#queue.push(data);
    this.#queued += data.length;
    this.received(data.length);
    this.#wake('reader');
  }

  #wake(who: 'reader' | 'pump'): void {
    const w = who === 'reader' ? this.#wakeReader : this.#wakePump;
    if (who === 'reader') this.#wakeReader = undefined;
    else this.#wakePump = undefined;
    w?.();
  }
}

function reply(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' });
  res.end(`${text}\n`);
}

/** The path is the local secret: compare without leaking how much of it matched. */
function samePath(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
