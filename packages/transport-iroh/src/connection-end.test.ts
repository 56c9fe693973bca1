import { describe, expect, it } from 'vitest';
import { connectionEnd } from './iroh-transport.js';

// Texts as @number0/iroh 1.1 gives them (closed(), and errors of reads and openBi after a close).
describe('connectionEnd: how the binding says a connection ended', () => {
  it.each([
    ['closed() after the host stopped', 'closed by peer: the host stopped sharing (code 1)', { kind: 'closed-by-peer', code: 1, reason: 'the host stopped sharing' }],
    ['closed() with a code and no reason', 'closed by peer: 7', { kind: 'closed-by-peer', code: 7, reason: '' }],
    [
      'a read error (Rust debug form)',
      'ConnectionLost(ApplicationClosed(ApplicationClose { error_code: 1, reason: b"the host stopped sharing" }))',
      { kind: 'closed-by-peer', code: 1, reason: 'the host stopped sharing' },
    ],
    ['an escaped quote in the reason', 'ApplicationClosed(ApplicationClose { error_code: 0, reason: b"say \\"hi\\"" })', { kind: 'closed-by-peer', code: 0, reason: 'say "hi"' }],
    ['closed here', 'closed', { kind: 'closed-here' }],
    ['idle timeout', 'timed out', { kind: 'lost', detail: 'the connection timed out' }],
    ['a reset', 'ConnectionLost(Reset)', { kind: 'lost', detail: 'the connection was reset' }],
  ])('%s', (_name, text, expected) => {
    expect(connectionEnd(text)).toEqual(expected);
  });
});
