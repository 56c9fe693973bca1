import { randomBytes } from 'node:crypto';
import { base32Decode, base32Encode, errorMessage, SECRET_BYTES } from '@pixelpass/core';
import { readStateFile, removeStateFile, stateDir, UnsafeStateFile, writeStateFile } from './state-file.js';

/**
 * `--keep-ticket`: what makes a ticket the same across host runs — the
 * endpoint's secret key (its id, hence the address) and the ticket's secret —
 * plus the UDP port it was reachable on, so direct addresses in an old ticket
 * still point at this host. Kept 0600 in `$XDG_STATE_HOME/pixelpass/ticket.json`.
 */
export interface KeptTicket {
  readonly endpointKey: Uint8Array;
  readonly secret: Uint8Array;
  /** The IPv4 UDP port of the last run, bound again when free. */
  readonly port?: number | undefined;
}

export const KEPT_TICKET_FILE = 'ticket.json';
const ENDPOINT_KEY_BYTES = 32;

export function newKeptTicket(): KeptTicket {
  return { endpointKey: randomBytes(ENDPOINT_KEY_BYTES), secret: randomBytes(SECRET_BYTES) };
}

export function serializeKeptTicket(k: KeptTicket): string {
  const doc = { version: 1, endpointKey: Buffer.from(k.endpointKey).toString('hex'), secret: base32Encode(k.secret), ...(k.port ? { port: k.port } : {}) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The file's content, or why it cannot be used (then the host says so and stops: it never silently changes the ticket). */
export function parseKeptTicket(text: string): KeptTicket | { readonly invalid: string } {
  let doc: { version?: unknown; endpointKey?: unknown; secret?: unknown; port?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { invalid: 'it is not JSON' };
  }
  if (doc.version !== 1) return { invalid: `version ${JSON.stringify(doc.version)} is not one this pixelpass reads` };
  if (typeof doc.endpointKey !== 'string' || !/^[0-9a-f]{64}$/.test(doc.endpointKey)) return { invalid: 'its endpoint key is not 64 hex digits' };
  let secret: Uint8Array | undefined;
  try {
    secret = typeof doc.secret === 'string' ? base32Decode(doc.secret) : undefined;
  } catch {
    secret = undefined;
  }
  if (!secret || secret.length !== SECRET_BYTES) return { invalid: 'its ticket secret is damaged' };
  const port = typeof doc.port === 'number' && Number.isInteger(doc.port) && doc.port > 0 && doc.port < 65536 ? doc.port : undefined;
  return { endpointKey: Buffer.from(doc.endpointKey, 'hex'), secret, port };
}

/** The local IPv4 port among an endpoint's bound sockets (`0.0.0.0:41282`, `[::]:5000`). */
export function ipv4Port(localAddresses: readonly string[]): number | undefined {
  for (const a of localAddresses) {
    const m = /^\d{1,3}(?:\.\d{1,3}){3}:(\d+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * Where to bind so an old ticket's direct addresses still work: the user's
 * `--bind` host with the kept port when the user left the port to chance.
 */
export function keptBindAddress(bind: string | undefined, port: number | undefined): string | undefined {
  if (!port) return bind;
  if (bind === undefined) return `0.0.0.0:${port}`;
  const m = /^(.*):0$/.exec(bind);
  return m ? `${m[1]}:${port}` : bind;
}

/** The kept ticket's file, read and written with the state-file rules (0700 folder, 0600 file, exclusive temp files). */
export class KeptTicketStore {
  readonly dir: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.dir = stateDir(env);
  }

  get path(): string {
    return `${this.dir}/${KEPT_TICKET_FILE}`;
  }

  async load(): Promise<KeptTicket | undefined> {
    const text = await readStateFile(this.dir, KEPT_TICKET_FILE);
    if (text === undefined) return undefined;
    const parsed = parseKeptTicket(text);
    if ('invalid' in parsed) throw new UnsafeStateFile(`the kept ticket ${this.path} cannot be used: ${parsed.invalid}; run with --new-ticket to make a new one`);
    return parsed;
  }

  async save(k: KeptTicket): Promise<void> {
    try {
      await writeStateFile(this.dir, KEPT_TICKET_FILE, serializeKeptTicket(k));
    } catch (err) {
      if (err instanceof UnsafeStateFile) throw err;
      throw new UnsafeStateFile(`cannot keep the ticket in ${this.path}: ${errorMessage(err)}`);
    }
  }

  /** True when there was one to forget. */
  forget(): Promise<boolean> {
    return removeStateFile(this.dir, KEPT_TICKET_FILE);
  }
}
