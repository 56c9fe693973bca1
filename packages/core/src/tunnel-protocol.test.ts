import { describe, expect, it } from 'vitest';
import { parseResponseHead } from './http-head.js';
import { FakePeerStream } from './test-support/fakes.js';
import { feedbackLine, FeedbackReader, readResponse, refusalOf, safeDisplayText, TunnelProtocolError } from './tunnel-protocol.js';

const bytes = (t: string): Uint8Array => Buffer.from(t, 'latin1');
const LIMITS = { maxHeadBytes: 1024, timeoutMs: 100 };

describe('parseResponseHead', () => {
  it.each([
    ['a 200 with the body begun', 'HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\n\r\nGG', { status: 200, rest: 'GG' }],
    ['an interim 102 then the final head', 'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 403 Forbidden\r\n', { status: 102, rest: 'HTTP/1.1 403 Forbidden\r\n' }],
    ['HTTP/1.0', 'HTTP/1.0 503 Service Unavailable\r\n\r\n', { status: 503, rest: '' }],
  ])('%s', (_n, text, expected) => {
    const r = parseResponseHead(bytes(text), 1024);
    expect(r.state).toBe('complete');
    if (r.state !== 'complete') return;
    expect(r.head.status).toBe(expected.status);
    expect(Buffer.from(r.rest).toString('latin1')).toBe(expected.rest);
  });
  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', 'malformed status line'],
    ['a header without colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', 'malformed header line'],
    ['too large', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(2000)}`, 'response head too large'],
  ])('%s is invalid', (_n, text, reason) => {
    expect(parseResponseHead(bytes(text), 1024)).toEqual({ state: 'invalid', reason });
  });
});

describe('refusalOf', () => {
  const head = (status: number, code?: string) => ({ status, headers: new Map(code ? [['x-pixelpass-refusal', code]] : []) });
  it.each([
    ['200 is no refusal', head(200), 'x', undefined],
    ['full, with its line', head(503, 'full'), 'the host is full (2 of 2 watching); try again later\n', { status: 503, code: 'full', message: 'the host is full (2 of 2 watching); try again later' }],
    ['an unknown code is kept as undefined', head(403, 'zzz'), 'nope\n', { status: 403, code: undefined, message: 'nope' }],
    ['no body: the status speaks', head(502), '', { status: 502, code: undefined, message: 'the host answered 502' }],
    ['escapes in the text are removed', head(403, 'declined'), '\u001b[31mthe host declined\u009b\n', { status: 403, code: 'declined', message: '[31mthe host declined' }],
  ])('%s', (_n, h, body, expected) => {
    expect(refusalOf(h, body)).toEqual(expected);
  });
});

describe('safeDisplayText', () => {
  it('keeps ordinary text, accents and emoji', () => {
    expect(safeDisplayText('Zoë’s laptop 💻')).toBe('Zoë’s laptop 💻');
  });
});

describe('readResponse', () => {
  it('reads a head split into pieces, past an interim answer when given what followed it', async () => {
    const stream = new FakePeerStream([bytes('HTTP/1.1 102 Proc'), bytes('essing\r\n\r\nHTTP/1.1 200'), bytes(' OK\r\n\r\nTS')]);
    const first = await readResponse(stream, LIMITS);
    expect(first.head.status).toBe(102);
    const final = await readResponse(stream, LIMITS, undefined, first.rest);
    expect(final.head.status).toBe(200);
    expect(Buffer.from(final.rest).toString()).toBe('TS');
  });
  it.each([
    ['silence', [bytes('HTTP/1.1 2'), 'hang' as const], /did not answer within 0.1 s/],
    ['an end before any answer', [], /closed the stream without an answer/],
    ['garbage', [bytes('garbage\r\n\r\n')], /not understood \(malformed status line\)/],
  ])('%s is a one-line TunnelProtocolError', async (_n, input, message) => {
    const err = await readResponse(new FakePeerStream(input), LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunnelProtocolError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('feedback lines', () => {
  it('round-trip, split anywhere, and ignore what is not feedback', () => {
    const reader = new FeedbackReader();
    const wire = Buffer.concat([feedbackLine(1000), Buffer.from('hello\n'), feedbackLine(25_000.7), feedbackLine(30_000)]);
    const got = [...reader.push(wire.subarray(0, 7)), ...reader.push(wire.subarray(7, 30)), ...reader.push(wire.subarray(30))];
    expect(got).toEqual([{ deliveredBytes: 1000 }, { deliveredBytes: 25_000 }, { deliveredBytes: 30_000 }]);
  });
  it('a peer sending an endless line costs a bounded buffer', () => {
    const reader = new FeedbackReader();
    for (let i = 0; i < 1000; i++) expect(reader.push(Buffer.alloc(1000, 0x61))).toEqual([]);
    expect(reader.push(Buffer.from('\nack 5\n'))).toEqual([{ deliveredBytes: 5 }]);
  });
});
