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

export class RawPeer {
  private constructor(
    private readonly ep: Iroh.Endpoint,
    private readonly conn: Iroh.Connection,
  ) {}

  static async connect(address: string, opts: { bind?: string; alpn?: string } = {}): Promise<RawPeer> {
    const b = iroh.Endpoint.builder();
    b.applyMinimal();
    b.relayMode(iroh.RelayMode.disabled());
    b.bindAddr(opts.bind ?? '127.0.0.1:0');
    const ep = await b.bind();
    const addr = iroh.EndpointTicket.fromString(address).endpointAddr();
    const alpn = Array.from(Buffer.from(opts.alpn ?? PIXELPASS_ALPN));
    const conn = await ep.connect(addr, alpn);
    return new RawPeer(ep, conn);
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
    try {
      this.conn.close(0n, Array.from(Buffer.from('bye')));
    } catch {
      /* already closed */
    }
    await this.ep.close().catch(() => undefined);
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
