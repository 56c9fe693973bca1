import { timingSafeEqual } from 'node:crypto';
import type { BroadcastHub } from './broadcast-hub.js';
import type { CaptureSupervisor } from './capture-supervisor.js';
import { parseRequestHead, responseHead, STREAM_CONTENT_TYPE, type RequestHead } from './http-head.js';
import type { Logger } from './logger.js';
import type { PeerStream } from './ports/transport.js';
import { base32Encode } from './share-ticket.js';

export const STREAM_PATH = '/stream';
/** Who the host is (its name, for the player's title); answered without starting capture. */
export const INFO_PATH = '/info';

export interface HostInfo {
  readonly name: string;
}

export interface StreamGateOptions {
  readonly secret: Uint8Array;
  readonly maxViewers: number;
  readonly maxHeadBytes: number;
  readonly headTimeoutMs: number;
  /** Shown to viewers (player title). */
  readonly hostName: string;
  /** Asks the host whether to admit a new viewer (`--approve`); the full id lets it remember answers. */
  readonly approve?: ((peerShortId: string, peerId: string) => Promise<boolean>) | undefined;
}

/** The request a viewer sends inside the tunnel (the stream, or the host's info). */
export function tunnelRequest(secret: Uint8Array, path: string = STREAM_PATH): Uint8Array {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: pixelpass\r\nAuthorization: Bearer ${base32Encode(secret)}\r\n\r\n`,
    'latin1',
  );
}

/** Parses the host's answer to `GET /info`; undefined when it is not a usable one. */
export function parseHostInfo(response: Uint8Array): HostInfo | undefined {
  const text = Buffer.from(response).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 200 ') || split < 0) return undefined;
  try {
    const body = JSON.parse(text.slice(split + 4)) as { name?: unknown };
    if (typeof body.name !== 'string') return undefined;
    // A title, not a terminal escape: printable characters only, bounded.
    const name = body.name.replace(/[\x00-\x1f\x7f]/g, '').slice(0, 64).trim();
    return name ? { name } : undefined;
  } catch {
    return undefined;
  }
}

export function secretMatches(presented: string, secret: Uint8Array): boolean {
  const expected = Buffer.from(base32Encode(secret), 'latin1');
  const given = Buffer.from(presented, 'latin1');
  // Compare equal lengths only; a length mismatch still spends the same work.
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(given, expected);
}

class HeadTimeout extends Error {}

async function readHead(stream: PeerStream, maxBytes: number, timeoutMs: number) {
  let buf = new Uint8Array(0);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HeadTimeout()), timeoutMs);
  });
  try {
    for (;;) {
      const parsed = parseRequestHead(buf, maxBytes);
      if (parsed.state !== 'incomplete') return parsed;
      const more = await Promise.race([stream.read(maxBytes + 4 - buf.length), timeout]);
      if (more === null) return { state: 'invalid', status: 400, reason: 'stream ended before the request' } as const;
      const next = new Uint8Array(buf.length + more.length);
      next.set(buf);
      next.set(more, buf.length);
      buf = next;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The host's side of one tunnel stream: one HTTP GET, checked (secret, method,
 * path, approval, capacity), then the stream attached to the hub until either
 * side ends it.
 */
export class StreamGate {
  #active = 0;

  constructor(
    private readonly options: StreamGateOptions,
    private readonly hub: BroadcastHub,
    private readonly supervisor: CaptureSupervisor,
    private readonly log: Logger,
  ) {}

  get activeViewers(): number {
    return this.#active;
  }

  /** Serves one stream to its end; never rejects (the caller does not await it). */
  async handle(stream: PeerStream): Promise<void> {
    try {
      await this.#handle(stream);
    } catch (err) {
      this.log.warn(`stream from ${stream.peer.shortId} failed: ${err instanceof Error ? err.message : String(err)}`);
      stream.abort();
    }
  }

  async #handle(stream: PeerStream): Promise<void> {
    const who = stream.peer.shortId;
    let head: RequestHead;
    try {
      const parsed = await readHead(stream, this.options.maxHeadBytes, this.options.headTimeoutMs);
      if (parsed.state !== 'complete') {
        return await this.#refuse(stream, parsed.status, parsed.reason);
      }
      head = parsed.head;
    } catch (err) {
      if (err instanceof HeadTimeout) return await this.#refuse(stream, 408, 'request timeout');
      stream.abort();
      return;
    }
    const auth = head.headers.get('authorization') ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!secretMatches(presented, this.options.secret)) {
      this.log.warn(`refused a stream from ${who}: wrong or missing ticket secret`);
      return await this.#refuse(stream, 403, 'forbidden');
    }
    if (head.method !== 'GET') return await this.#refuse(stream, 405, 'only GET');
    if (head.path === INFO_PATH) return await this.#info(stream);
    if (head.path !== STREAM_PATH) return await this.#refuse(stream, 404, 'not found');
    if (this.#active >= this.options.maxViewers) {
      this.log.warn(`viewer ${who} refused: host is full (${this.options.maxViewers} viewers)`);
      return await this.#refuse(stream, 503, `host is full (${this.options.maxViewers} viewers)`);
    }
    this.#active++;
    try {
      if (this.options.approve && !(await this.options.approve(who, stream.peer.id))) {
        this.log.info(`viewer ${who} declined by the host`);
        return await this.#refuse(stream, 403, 'the host declined');
      }
      try {
        await this.supervisor.acquire();
      } catch (err) {
        return await this.#refuse(stream, 503, `capture failed: ${(err as Error).message}`);
      }
      try {
        await this.#serve(stream, who);
      } finally {
        this.supervisor.release();
      }
    } finally {
      this.#active--;
    }
  }

  async #serve(stream: PeerStream, who: string): Promise<void> {
    await stream.writeBytes(
      responseHead(200, {
        'Content-Type': STREAM_CONTENT_TYPE,
        'X-Pixelpass-Host': encodeURIComponent(this.options.hostName),
      }),
    );
    const viewer = this.hub.addViewer(
      who,
      {
        write: (chunk) => stream.writeChunk(chunk),
        end: (_reason, error) => {
          if (error) stream.abort();
          else void stream.finish().catch(() => stream.abort());
        },
      },
      stream.peer,
    );
    // Capture may have ended while the response head was on its way; this
    // viewer would otherwise wait for data that never comes.
    if (!this.supervisor.running) viewer.leave('capture ended');
    // The viewer never sends more after its request; a read ending means it left.
    void (async () => {
      try {
        while ((await stream.read(4096)) !== null) {
          /* discard */
        }
      } catch {
        /* reset by the viewer */
      }
      viewer.leave('viewer closed the stream');
    })();
    // The hub's viewer-left event reports why (the host's status prints it).
    await viewer.done;
  }

  async #info(stream: PeerStream): Promise<void> {
    const body = JSON.stringify({ name: this.options.hostName } satisfies HostInfo);
    try {
      await stream.writeBytes(
        responseHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }),
      );
      await stream.writeBytes(Buffer.from(body, 'utf8'));
      await stream.finish();
    } catch {
      stream.abort();
    }
  }

  async #refuse(stream: PeerStream, status: number, reason: string): Promise<void> {
    try {
      await stream.writeBytes(responseHead(status, {}, `${reason}\n`));
      await stream.finish();
    } catch {
      stream.abort();
    }
  }
}
