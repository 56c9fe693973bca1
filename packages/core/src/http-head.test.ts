import { describe, expect, it } from 'vitest';
import { parseRequestHead, responseHead } from './http-head.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

describe('parseRequestHead', () => {
  it('parses a complete GET', () => {
    const input = 'GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\nrest';
    const r = parseRequestHead(enc(input), 8192);
    expect(r.state).toBe('complete');
    if (r.state !== 'complete') return;
    expect(r.head.method).toBe('GET');
    expect(r.head.path).toBe('/stream');
    expect(r.head.headers.get('authorization')).toBe('Bearer abc');
    expect(r.bodyOffset).toBe(input.indexOf('rest'));
  });

  it.each([
    ['GET /stream HTTP/1.1\r\nHost: x\r\n', 'incomplete', undefined],
    ['GET /stream\r\n\r\n', 'invalid', 400],
    ['GET stream HTTP/1.1\r\n\r\n', 'invalid', 400],
    ['G{T /stream HTTP/1.1\r\n\r\n', 'invalid', 400],
    ['GET /stream HTTP/2.0\r\n\r\n', 'invalid', 505],
    ['GET /stream HTTP/1.1\r\nno colon\r\n\r\n', 'invalid', 400],
    ['GET /stream HTTP/1.1\r\n: empty\r\n\r\n', 'invalid', 400],
    ['GET /a b HTTP/1.1\r\n\r\n', 'invalid', 400],
  ])('%j → %s %s', (input, state, status) => {
    const r = parseRequestHead(enc(input), 8192);
    expect(r.state).toBe(state);
    if (r.state === 'invalid') expect(r.status).toBe(status);
  });

  it('caps the head size, complete or not', () => {
    expect(parseRequestHead(enc('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(100)), 64)).toMatchObject({ state: 'invalid', status: 431 });
    expect(parseRequestHead(enc('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(100) + '\r\n\r\n'), 64)).toMatchObject({ state: 'invalid', status: 431 });
  });
});

describe('responseHead', () => {
  it('writes status, headers and a text body with its length', () => {
    const text = Buffer.from(responseHead(503, {}, 'host is full\n')).toString();
    expect(text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(text).toContain('Content-Length: 13\r\n');
    expect(text.endsWith('\r\n\r\nhost is full\n')).toBe(true);
  });
});
