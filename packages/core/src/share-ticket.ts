import { InvalidTicket } from './errors.js';

/**
 * The share ticket: one copy-pasteable token, all lowercase letters and digits so
 * that a double click selects it whole.
 *
 *   "pixelpass" <version digit> <secret: 32 base32 chars = 160 bits> <transport address>
 *
 * The transport address is public (an iroh endpoint ticket); the secret is what
 * lets a viewer watch.
 */
export const TICKET_PREFIX = 'pixelpass';
export const TICKET_VERSION = 1;
export const SECRET_BYTES = 20;
const SECRET_CHARS = 32;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface ShareTicket {
  readonly version: number;
  readonly secret: Uint8Array;
  readonly address: string;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new InvalidTicket(`invalid character ${JSON.stringify(ch)} in ticket`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

export function formatTicket(ticket: Omit<ShareTicket, 'version'>): string {
  if (ticket.secret.length !== SECRET_BYTES) throw new Error(`secret must be ${SECRET_BYTES} bytes`);
  return `${TICKET_PREFIX}${TICKET_VERSION}${base32Encode(ticket.secret)}${ticket.address}`;
}

/**
 * A ticket never holds whitespace, so any inside it came from pasting: chat
 * apps and mail wrap long tokens with line breaks (and zero-width spaces).
 */
export function cleanPastedTicket(input: string): string {
  return input.replace(/[\s\u200b-\u200d\u2060\ufeff]+/g, '');
}

/**
 * Parses the ticket's own framing; the transport validates the address part.
 * Every failure is an InvalidTicket with a one-line reason.
 */
export function parseTicket(input: string): ShareTicket {
  const text = cleanPastedTicket(input);
  if (text.length === 0) throw new InvalidTicket('the ticket is empty');
  if (!text.toLowerCase().startsWith(TICKET_PREFIX)) {
    throw new InvalidTicket(`not a pixelpass ticket (it should start with "${TICKET_PREFIX}${TICKET_VERSION}")`);
  }
  const lower = text.toLowerCase();
  const versionChar = lower[TICKET_PREFIX.length];
  if (versionChar === undefined || !/[0-9]/.test(versionChar)) {
    throw new InvalidTicket('the ticket has no version after "pixelpass"');
  }
  const version = Number(versionChar);
  if (version !== TICKET_VERSION) {
    throw new InvalidTicket(
      `ticket version ${version} is not supported by this pixelpass (it reads version ${TICKET_VERSION}); use the same pixelpass version as the host`,
    );
  }
  const bad = /[^a-z0-9]/.exec(lower);
  if (bad) {
    throw new InvalidTicket(`invalid character ${JSON.stringify(bad[0])} at position ${bad.index + 1}; copy the ticket again`);
  }
  const body = lower.slice(TICKET_PREFIX.length + 1);
  if (body.length <= SECRET_CHARS) throw new InvalidTicket('the ticket is truncated; copy it again in full');
  const secretText = body.slice(0, SECRET_CHARS);
  const secret = base32Decode(secretText);
  if (secret.length !== SECRET_BYTES) throw new InvalidTicket('the ticket is truncated; copy it again in full');
  return { version, secret, address: body.slice(SECRET_CHARS) };
}

/**
 * A ticket for messages and logs: enough to tell tickets apart, never enough
 * to use. The tail is the public address part; no character of the secret.
 */
export function redactTicket(ticket: string): string {
  const t = cleanPastedTicket(ticket).toLowerCase();
  return t.length <= TICKET_PREFIX.length + 1 + SECRET_CHARS + 8 ? `${TICKET_PREFIX}${TICKET_VERSION}…` : `${t.slice(0, TICKET_PREFIX.length + 1)}…${t.slice(-8)}`;
}
