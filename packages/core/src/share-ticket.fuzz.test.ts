import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTicket } from './errors.js';
import { base32Decode, base32Encode, formatTicket, parseTicket, SECRET_BYTES, TICKET_PREFIX } from './share-ticket.js';

// Property-based checks of the ticket parser: whatever a user pastes, parseTicket
// either returns a ticket or throws InvalidTicket with one line — nothing else.

const RUNS = { numRuns: 3000 };

const secretArb = fc.uint8Array({ minLength: SECRET_BYTES, maxLength: SECRET_BYTES });
/** Iroh endpoint tickets are lowercase base32; the parser only needs [a-z0-9]+. */
const addressArb = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 200 });
const validTicketArb = fc.record({ secret: secretArb, address: addressArb }).map((t) => formatTicket(t));

/** parseTicket's whole contract: a ticket, or InvalidTicket with a one-line message. */
function parseOrInvalid(input: string): ReturnType<typeof parseTicket> | InvalidTicket {
  try {
    return parseTicket(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidTicket);
    const message = (err as InvalidTicket).message;
    expect(message.length).toBeGreaterThan(0);
    expect(message).not.toMatch(/[\r\n]/);
    return err as InvalidTicket;
  }
}

type Edit =
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'case'; at: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 4 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('case' as const), at: fc.nat() }),
);

function applyEdit(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1);
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + e.text + text.slice(at + 1);
    case 'truncate':
      return text.slice(0, at);
    case 'case':
      return text.slice(0, at) + text.slice(at, at + 1).toUpperCase() + text.slice(at + 1);
  }
}

describe('share ticket parser under random and mutated input', { timeout: 60_000 }, () => {
  it('valid tickets round-trip exactly', () => {
    fc.assert(
      fc.property(secretArb, addressArb, (secret, address) => {
        const text = formatTicket({ secret, address });
        expect(text).toMatch(/^[a-z0-9]+$/);
        const parsed = parseTicket(text);
        expect(Buffer.from(parsed.secret).equals(Buffer.from(secret))).toBe(true);
        expect(parsed.address).toBe(address);
        expect(parsed.version).toBe(1);
      }),
      RUNS,
    );
  });

  it('pasting with surrounding whitespace or in upper case still parses', () => {
    fc.assert(
      fc.property(validTicketArb, fc.constantFrom(' ', '\n', '\t', '\r\n'), fc.boolean(), (ticket, pad, upper) => {
        const parsed = parseTicket(`${pad}${upper ? ticket.toUpperCase() : ticket}${pad}`);
        expect(formatTicket(parsed)).toBe(ticket);
      }),
      RUNS,
    );
  });

  it('arbitrary strings: a ticket or InvalidTicket, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (input) => {
        parseOrInvalid(input);
      }),
      RUNS,
    );
  });

  it('strings that start like a ticket: a ticket or InvalidTicket', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.nat({ max: 12 }), (tail, keep) => {
        parseOrInvalid(`${TICKET_PREFIX}1`.slice(0, keep) + tail);
      }),
      RUNS,
    );
  });

  it('mutated valid tickets: a ticket (that formats back canonically) or InvalidTicket', () => {
    fc.assert(
      fc.property(validTicketArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), (ticket, edits) => {
        const mutated = edits.reduce(applyEdit, ticket);
        const result = parseOrInvalid(mutated);
        if (!(result instanceof InvalidTicket)) {
          // Whatever was accepted is a well-formed ticket in its own right.
          expect(result.secret).toHaveLength(SECRET_BYTES);
          expect(result.address).toMatch(/^[a-z0-9]+$/);
          expect(parseTicket(formatTicket(result))).toEqual(result);
        }
      }),
      RUNS,
    );
  });

  it('a truncated ticket is refused (the secret alone is never a ticket)', () => {
    fc.assert(
      fc.property(validTicketArb, (ticket) => {
        const secretEnd = TICKET_PREFIX.length + 1 + 32;
        for (let cut = 0; cut <= secretEnd; cut++) {
          expect(() => parseTicket(ticket.slice(0, cut))).toThrow(InvalidTicket);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('huge inputs are refused or parsed without hanging', () => {
    const big = `${TICKET_PREFIX}1${'a'.repeat(32)}${'b'.repeat(2_000_000)}`;
    expect(parseTicket(big).address).toHaveLength(2_000_000);
    expect(parseOrInvalid(`${TICKET_PREFIX}1${'!'.repeat(2_000_000)}`)).toBeInstanceOf(InvalidTicket);
    expect(parseOrInvalid(' '.repeat(2_000_000))).toBeInstanceOf(InvalidTicket);
  });

  it('base32 decodes only its alphabet and round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(Buffer.from(base32Decode(base32Encode(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        try {
          base32Decode(text);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidTicket);
        }
      }),
      RUNS,
    );
  });
});
