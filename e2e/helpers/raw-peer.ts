import { createRequire } from 'node:module';
import type * as Iroh from '../../packages/transport-iroh/node_modules/@number0/iroh/index.js';

/**
 * A hand-made iroh peer for attacks on the host: it knows the host's endpoint
 * address (public) and speaks the pixelpass ALPN, but sends whatever bytes the
 * test wants instead of going through pixelpass's viewer. The binding comes
 * from transport-iroh's own dependency, so it is the same version the host runs.
 */
const iroh = createRequire(new URL('../../packages/transport-iroh/package.json', import.meta.url))(
  '@number0/iroh',
) as typeof Iroh;

export const PIXELPASS_ALPN = 'pixelpass/0';

export interface SplitTicket {
  readonly secretText: string;
  readonly address: string;
}

/** The ticket's parts: "pixelpass1" + 32 base32 chars of secret + iroh endpoint ticket. */
export function splitTicket(ticket: string): SplitTicket {
  const body = ticket.trim().slice('pixelpass1'.length);
  return { secretText: body.slice(0, 32), address: body.slice(32) };
}

export interface RawStream {
  send(text: string | Uint8Array): Promise<void>;
  finish(): Promise<void>;
  /** Reads until the host ends the stream or `timeoutMs` passes; `ended` tells which. */
  readAll(timeoutMs: number, maxBytes?: number): Promise<{ bytes: Buffer; ended: boolean; ms: number }>;
}

export interface RawPeerOptions {
  /** Local address to bind (the source address the host sees): 127.0.0.x lets tests be many "machines". */
  readonly bind?: string;
  readonly alpn?: string;
  /**
   * Ping the host like pixelpass's own endpoint does (a datagram a second), so
   * the host's heartbeat keeps the connection; false plays a dead or foreign peer.
   */
  readonly heartbeat?: boolean;
  /** Reuse this endpoint (same endpoint id) instead of binding a fresh one. */
  readonly endpoint?: Iroh.Endpoint;
}

/** A bare iroh endpoint, relays off: its id is what the host sees as the peer. */
export async function rawEndpoint(bind = '127.0.0.1:0'): Promise<Iroh.Endpoint> {
  const b = iroh.Endpoint.builder();
  b.applyMinimal();
  b.relayMode(iroh.RelayMode.disabled());
  b.bindAddr(bind);
  return b.bind();
}

export class RawPeer {
  readonly #ping: NodeJS.Timeout | undefined;
  /** Resolves with the binding's text once the connection is closed (by either side). */
  readonly closed: Promise<string>;

  private constructor(
    private readonly ep: Iroh.Endpoint,
    readonly conn: Iroh.Connection,
    heartbeat: boolean,
    private readonly ownsEndpoint: boolean,
  ) {
    this.closed = conn.closed().catch((e: unknown) => String(e));
    if (heartbeat) {
      this.#ping = setInterval(() => {
        try {
          conn.sendDatagram([0x70]);
        } catch {
          /* closed */
        }
      }, 1000);
      this.#ping.unref();
      void this.closed.then(() => clearInterval(this.#ping));
    }
  }

  static async connect(address: string, opts: RawPeerOptions = {}): Promise<RawPeer> {
    const ep = opts.endpoint ?? (await rawEndpoint(opts.bind));
    const addr = iroh.EndpointTicket.fromString(address).endpointAddr();
    const alpn = Array.from(Buffer.from(opts.alpn ?? PIXELPASS_ALPN));
    try {
      const conn = await ep.connect(addr, alpn);
      return new RawPeer(ep, conn, opts.heartbeat ?? true, !opts.endpoint);
    } catch (err) {
      if (!opts.endpoint) await ep.close().catch(() => undefined);
      throw err;
    }
  }

  /** Whether the host closed (or refused) the connection by now. */
  async isClosed(withinMs = 0): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), withinMs))]);
  }

  /** A uni stream the host never reads (pixelpass has none): `bytes` of junk into it. */
  async sendUni(bytes: number): Promise<void> {
    const send = await this.conn.openUni();
    await send.writeAll(new Array<number>(bytes).fill(0x78));
  }

  async openStream(): Promise<RawStream> {
    const bi = await this.conn.openBi();
    return {
      send: async (data) => {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        await bi.send.writeAll(Array.from(bytes));
      },
      finish: () => bi.send.finish(),
      readAll: async (timeoutMs, maxBytes = 16 * 1024 * 1024) => {
        const start = Date.now();
        const parts: Buffer[] = [];
        let total = 0;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
        try {
          while (total < maxBytes) {
            const got = await Promise.race([bi.recv.read(64 * 1024).catch(() => [] as number[]), timeout]);
            if (got === 'timeout') return { bytes: Buffer.concat(parts), ended: false, ms: Date.now() - start };
            if (got.length === 0) return { bytes: Buffer.concat(parts), ended: true, ms: Date.now() - start };
            parts.push(Buffer.from(got));
            total += got.length;
          }
          return { bytes: Buffer.concat(parts), ended: false, ms: Date.now() - start };
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#ping);
    try {
      this.conn.close(0n, Array.from(Buffer.from('bye')));
    } catch {
      /* already closed */
    }
    if (this.ownsEndpoint) await this.ep.close().catch(() => undefined);
  }
}

/**
 * The longest run of 188-byte-spaced MPEG-TS sync bytes: any video would show
 * as a long run; a lone 0x47 ("G" in a text body) is not a packet.
 */
export function tsPackets(bytes: Buffer): number {
  let best = 0;
  for (let start = 0; start < Math.min(188, bytes.length); start++) {
    let n = 0;
    for (let i = start; i < bytes.length && bytes[i] === 0x47; i += 188) n++;
    best = Math.max(best, n);
  }
  return best >= 2 ? best : 0;
}

/** The direct addresses (ip:port) a ticket tells viewers to dial. */
export function ticketAddresses(ticket: string): string[] {
  return iroh.EndpointTicket.fromString(splitTicket(ticket).address).endpointAddr().directAddresses();
}

/** The same ticket (same host id and secret) pointing at other addresses, e.g. a proxy in front of the host. */
export function ticketVia(ticket: string, addresses: string[]): string {
  const { secretText, address } = splitTicket(ticket);
  const id = iroh.EndpointTicket.fromString(address).endpointAddr().id();
  const addr = new iroh.EndpointAddr(id, null, addresses);
  return `pixelpass1${secretText}${iroh.EndpointTicket.fromAddr(addr).toString()}`;
}

/** A request with a secret that is not the host's. */
export function wrongSecretRequest(path = '/stream'): string {
  return `GET ${path} HTTP/1.1\r\nHost: pixelpass\r\nAuthorization: Bearer ${'a'.repeat(32)}\r\n\r\n`;
}

/** What an attack did, for the test's log line and assertions. */
export interface AttackTally {
  /** Connections the host let through the handshake. */
  connected: number;
  /** Attempts the host turned away before or at the handshake. */
  refused: number;
  /** Streams opened and requests sent. */
  streams: number;
  /** Connections the host closed on us. */
  closedByHost: number;
}

const tally = (): AttackTally => ({ connected: 0, refused: 0, streams: 0, closedByHost: 0 });

/**
 * `peers` attackers, each with its own endpoint (id) and source address
 * (`127.0.<subnet>.<1 + i>`), running `round` on a connection again and again
 * for `ms`: reconnecting (same endpoint id) whenever the host closed or refused it.
 */
export async function attack(
  address: string,
  opts: { readonly peers: number; readonly subnet: number; readonly ms: number; readonly heartbeat?: boolean },
  round: (peer: RawPeer, t: AttackTally) => Promise<void>,
): Promise<AttackTally> {
  const t = tally();
  const end = Date.now() + opts.ms;
  await Promise.all(
    Array.from({ length: opts.peers }, async (_, i) => {
      const endpoint = await rawEndpoint(`127.0.${opts.subnet}.${1 + i}:0`);
      try {
        while (Date.now() < end) {
          let peer: RawPeer;
          try {
            peer = await RawPeer.connect(address, { endpoint, heartbeat: opts.heartbeat ?? false });
          } catch {
            t.refused++;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          t.connected++;
          try {
            await Promise.race([round(peer, t), new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())))]);
          } catch {
            /* the host reset or closed it */
          }
          if (await peer.isClosed(0)) t.closedByHost++;
          await peer.close();
        }
      } finally {
        await endpoint.close().catch(() => undefined);
      }
    }),
  );
  return t;
}

/**
 * A hand-made pixelpass host (iroh endpoint on the pixelpass ALPN) that
 * answers every request with what the test wants: a malicious host, as far as
 * a viewer can tell. `name` goes out in GET /info; GET /stream gets `stream`.
 */
export class RawHost {
  private constructor(
    private readonly ep: Iroh.Endpoint,
    readonly ticket: string,
  ) {}

  static async start(opts: { readonly name: string; readonly stream: Buffer; readonly bind?: string }): Promise<RawHost> {
    const b = iroh.Endpoint.builder();
    b.applyMinimal();
    b.relayMode(iroh.RelayMode.disabled());
    b.bindAddr(opts.bind ?? '127.0.0.1:0');
    b.alpns([Array.from(Buffer.from(PIXELPASS_ALPN))]);
    const ep = await b.bind();
    const secret = 'a'.repeat(32);
    const ticket = `pixelpass1${secret}${iroh.EndpointTicket.fromAddr(ep.addr()).toString()}`;
    const host = new RawHost(ep, ticket);
    void (async () => {
      for (;;) {
        const incoming = await ep.acceptNext().catch(() => null);
        if (!incoming) return;
        void (async () => {
          const conn = await (await incoming.accept()).connect();
          const ping = setInterval(() => {
            try {
              conn.sendDatagram([0x70]);
            } catch {
              clearInterval(ping);
            }
          }, 1000);
          void conn.closed().finally(() => clearInterval(ping));
          for (;;) {
            const bi = await conn.acceptBi().catch(() => null);
            if (!bi) return;
            void (async () => {
              const head = Buffer.from(await bi.recv.read(8192)).toString('latin1');
              if (head.startsWith('GET /info ')) {
                const body = Buffer.from(JSON.stringify({ name: opts.name }), 'utf8');
                await bi.send.writeAll(Array.from(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body])));
                await bi.send.finish();
                return;
              }
              await bi.send.writeAll(Array.from(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\n\r\n')));
              for (let off = 0; off < opts.stream.length; off += 64 * 1024) {
                await bi.send.writeAll(Array.from(opts.stream.subarray(off, off + 64 * 1024)));
              }
              await bi.send.finish();
            })().catch(() => undefined);
          }
        })().catch(() => undefined);
      }
    })();
    return host;
  }

  async close(): Promise<void> {
    await this.ep.close().catch(() => undefined);
  }
}
