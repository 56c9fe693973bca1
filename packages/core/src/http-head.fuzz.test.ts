import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestHead, responseHead, type HeadParse } from './http-head.js';

// Property-based checks of the request-head parser that sees every byte a peer
// (or a local process) sends: it never throws, answers only its three documented
// states, and its answer is consistent as bytes arrive.

const RUNS = { numRuns: 3000 };
const MAX = 8192;

const tokenChar = fc.constantFrom(...'!#$%&\'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-');
const tokenArb = fc.string({ unit: tokenChar, minLength: 1, maxLength: 16 });
const pathArb = fc.string({ unit: fc.constantFrom(...'abcxyz0123/._-~%?=&'), maxLength: 40 }).map((p) => `/${p}`);
const valueArb = fc.string({ unit: fc.constantFrom(...'abc XYZ019:;/=,.-_"'), maxLength: 40 });

interface Request {
  method: string;
  path: string;
  version: 'HTTP/1.1' | 'HTTP/1.0';
  headers: Array<[string, string]>;
}

const requestArb: fc.Arbitrary<Request> = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'), tokenArb),
  path: pathArb,
  version: fc.constantFrom('HTTP/1.1' as const, 'HTTP/1.0' as const),
  headers: fc.array(fc.tuple(tokenArb, valueArb), { maxLength: 8 }),
});

function encode(r: Request): Uint8Array {
  const lines = [`${r.method} ${r.path} ${r.version}`, ...r.headers.map(([k, v]) => `${k}: ${v}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** The documented contract of one parse. */
function checkContract(result: HeadParse, bytes: Uint8Array, max: number): void {
  switch (result.state) {
    case 'incomplete':
      // Never waits for more once the bound is passed.
      expect(bytes.length).toBeLessThanOrEqual(max);
      break;
    case 'complete':
      expect(result.bodyOffset).toBeGreaterThanOrEqual(4);
      expect(result.bodyOffset).toBeLessThanOrEqual(bytes.length);
      expect(result.bodyOffset - 4).toBeLessThanOrEqual(max);
      expect(result.head.path.startsWith('/')).toBe(true);
      expect(['HTTP/1.1', 'HTTP/1.0']).toContain(result.head.version);
      for (const name of result.head.headers.keys()) expect(name).toBe(name.toLowerCase());
      break;
    case 'invalid':
      expect([400, 431, 505]).toContain(result.status);
      expect(result.reason).not.toMatch(/[\r\n]/);
      // Every refusal can be answered with a well-formed response.
      expect(Buffer.from(responseHead(result.status, {}, `${result.reason}\n`)).toString('latin1')).toMatch(
        new RegExp(`^HTTP/1\\.1 ${result.status} `),
      );
      break;
    default:
      throw new Error(`undocumented state ${JSON.stringify(result)}`);
  }
}

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.constantFrom(...['\r\n', '\r\n\r\n', ' ', ':', '\0', '\x7f', 'ÿ'].map((s) => Buffer.from(s, 'latin1'))),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const b = Buffer.from(bytes);
  const at = b.length === 0 ? 0 : m.at % (b.length + 1);
  switch (m.kind) {
    case 'flip':
      if (at < b.length) b[at] = m.byte;
      return b;
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
  }
}

describe('HTTP request-head parser under random and mutated input', { timeout: 60_000 }, () => {
  it('random bytes and bounds: never throws, only documented states', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 0, max: 4096 }), (bytes, max) => {
        checkContract(parseRequestHead(bytes, max), bytes, max);
      }),
      RUNS,
    );
  });

  it('well-formed requests parse to what was sent', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        const bytes = encode(r);
        const result = parseRequestHead(bytes, MAX);
        expect(result.state).toBe('complete');
        if (result.state !== 'complete') return;
        expect(result.head.method).toBe(r.method);
        expect(result.head.path).toBe(r.path);
        expect(result.head.version).toBe(r.version);
        expect(result.bodyOffset).toBe(bytes.length);
        const last = new Map(r.headers.map(([k, v]) => [k.toLowerCase(), v.trim()]));
        expect(new Map(result.head.headers)).toEqual(last);
      }),
      RUNS,
    );
  });

  it('mutated requests: never throws, only documented states', () => {
    fc.assert(
      fc.property(requestArb, fc.array(mutationArb, { minLength: 1, maxLength: 8 }), (r, ms) => {
        const bytes = ms.reduce(mutate, encode(r));
        checkContract(parseRequestHead(bytes, MAX), bytes, MAX);
      }),
      RUNS,
    );
  });

  it('answers the same whether bytes arrive at once or in pieces', () => {
    fc.assert(
      fc.property(
        requestArb,
        fc.array(mutationArb, { maxLength: 3 }),
        fc.uint8Array({ maxLength: 32 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (r, ms, trailing, cuts) => {
          const whole = Buffer.concat([ms.reduce(mutate, encode(r)), trailing]);
          const final = parseRequestHead(whole, MAX);
          // Feed growing prefixes as a socket would; the first non-incomplete answer is final.
          const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
          for (const p of [...points, whole.length]) {
            const partial = parseRequestHead(whole.subarray(0, p), MAX);
            checkContract(partial, whole.subarray(0, p), MAX);
            if (partial.state !== 'incomplete') {
              expect(partial).toEqual(final);
              break;
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('a head without an end is refused with 431 once past the bound, however it is padded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1024 }), fc.uint8Array({ minLength: 1, maxLength: 2048 }), (max, pad) => {
        const noEnd = Buffer.from(pad.map((b) => (b === 13 ? 32 : b)));
        const result = parseRequestHead(noEnd, max);
        expect(result.state).toBe(noEnd.length > max ? 'invalid' : 'incomplete');
        if (result.state === 'invalid') expect(result.status).toBe(431);
      }),
      RUNS,
    );
  });

  it('large adversarial inputs finish (no quadratic blow-up in one parse)', () => {
    const crlfs = Buffer.from('\r\n\r'.repeat(400_000), 'latin1');
    expect(parseRequestHead(crlfs, MAX)).toMatchObject({ state: 'invalid', status: 431 });
    const headers = Buffer.from(`GET / HTTP/1.1\r\n${'a:b\r\n'.repeat(1600)}\r\n`, 'latin1');
    expect(parseRequestHead(headers, MAX).state).toBe('complete');
    expect(parseRequestHead(headers, 100)).toMatchObject({ state: 'invalid', status: 431 });
  });
});
