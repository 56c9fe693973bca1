import { describe, expect, it } from 'vitest';
import { InvalidTicket } from './errors.js';
import { base32Decode, base32Encode, formatTicket, parseTicket, redactTicket, SECRET_BYTES } from './share-ticket.js';

const secret = Uint8Array.from({ length: SECRET_BYTES }, (_, i) => i * 13);
const address = 'endpointaackzdawo3xxpjza3ud7vxwt7altttne';

describe('base32', () => {
  it.each([[[]], [[0]], [[255]], [[1, 2, 3, 4, 5]], [[...secret]]])('round-trips %o', (bytes) => {
    expect([...base32Decode(base32Encode(Uint8Array.from(bytes)))]).toEqual(bytes);
  });
  it('encodes 20 bytes in 32 characters', () => {
    expect(base32Encode(secret)).toHaveLength(32);
  });
});

describe('share ticket', () => {
  it('round-trips and is one alphanumeric token', () => {
    const text = formatTicket({ secret, address });
    expect(text).toMatch(/^pixelpass1[a-z0-9]+$/);
    expect(parseTicket(text)).toEqual({ version: 1, secret, address });
  });

  it('tolerates surrounding whitespace and upper case from sloppy pasting', () => {
    const text = formatTicket({ secret, address });
    expect(parseTicket(`  ${text.toUpperCase()}\n`).secret).toEqual(secret);
  });

  it.each([
    ['', /empty/],
    ['hello', /not a pixelpass ticket/],
    ['pixelpass', /no version/],
    ['pixelpassx', /no version/],
    ['pixelpass2abc', /version 2 is not supported/],
    ['pixelpass1abc', /truncated/],
    [`pixelpass1${'a'.repeat(32)}`, /truncated/],
    ['pixelpass1ab-c', /invalid character "-" at position 13/],
    ['pixelpass1 abc', /truncated/],
    ['pixelpass1ab_c', /invalid character "_" at position 13/],
  ])('rejects %j', (input, message) => {
    expect(() => parseTicket(input)).toThrow(InvalidTicket);
    expect(() => parseTicket(input)).toThrow(message);
  });

  it.each([
    ['a line break', (t: string) => `${t.slice(0, 50)}\n${t.slice(50)}`],
    ['a wrapped, indented line', (t: string) => `${t.slice(0, 40)}\r\n    ${t.slice(40, 80)}\n  ${t.slice(80)}`],
    ['zero-width spaces', (t: string) => `${t.slice(0, 30)}\u200b${t.slice(30)}\ufeff`],
    ['spaces around and inside', (t: string) => ` ${t.slice(0, 20)} ${t.slice(20)} `],
  ])('reads a ticket pasted with %s', (_what, mangle) => {
    const text = formatTicket({ secret, address });
    expect(parseTicket(mangle(text))).toEqual({ version: 1, secret, address });
  });

  it('redacts for messages: the prefix and the public tail, no character of the secret', () => {
    const text = formatTicket({ secret, address });
    const shown = redactTicket(text);
    expect(shown).toBe(`pixelpass1…${address.slice(-8)}`);
    const secretText = base32Encode(secret);
    for (let i = 0; i + 4 <= secretText.length; i++) expect(shown).not.toContain(secretText.slice(i, i + 4));
    expect(redactTicket('pixelpass1abc')).toBe('pixelpass1…');
  });
});
