import { describe, expect, it } from 'vitest';
import { connectProgress, describeViewerEnd, noAnswerLine, refusalLine } from './view-command.js';

describe('describeViewerEnd: what the person watching is told', () => {
  it.each([
    ['Ctrl-C', { kind: 'stopped' } as const, undefined, false],
    ['the player closed', { kind: 'player-closed' } as const, 'the player was closed; stopping', false],
    ['the host stopped', { kind: 'host-stopped' } as const, 'the host stopped sharing', false],
    [
      'the host is full',
      { kind: 'refused', refusal: { status: 503, code: 'full', message: 'the host is full (2 of 2 watching); try again later' } } as const,
      'the host is full (2 of 2 watching); try again later',
      true,
    ],
    ['declined', { kind: 'refused', refusal: { status: 403, code: 'declined', message: 'the host declined' } } as const, 'the host declined', true],
    ['unreachable', { kind: 'unreachable', message: 'the host cannot be reached' } as const, 'the host cannot be reached', true],
  ])('%s', (_n, end, line, failure) => {
    expect(describeViewerEnd(end)).toEqual({ line, failure });
  });
});

describe('a wrong secret names the ticket by its public tail, never the secret', () => {
  const ticket = `pixelpass1${'s'.repeat(32)}endpointaaaaqqqqzzzz1234`;
  it('wrong-ticket', () => {
    const line = refusalLine({ status: 403, code: 'wrong-ticket', message: 'this ticket is not valid for this host (wrong secret)' }, ticket);
    expect(line).toBe('the ticket pixelpass1…zzzz1234 is not valid for this host (wrong secret): ask the host for its current ticket');
    expect(line).not.toContain('ssss');
  });
  it('other refusals keep the host\'s line', () => {
    expect(refusalLine({ status: 403, code: 'declined', message: 'the host declined' }, ticket)).toBe('the host declined');
  });
});

describe('connecting: say early that nothing answers, then count down', () => {
  it.each([
    [0, { spinner: 'connecting to the host…', notice: false }],
    [2999, { spinner: 'connecting to the host…', notice: false }],
    [3000, { spinner: 'connecting to the host… no answer yet; giving up in 17 s', notice: true }],
    [19_500, { spinner: 'connecting to the host… no answer yet; giving up in 1 s', notice: true }],
    [25_000, { spinner: 'connecting to the host… no answer yet; giving up in 0 s', notice: true }],
  ])('after %i ms', (elapsed, expected) => {
    expect(connectProgress(elapsed, 20_000)).toEqual(expected);
  });
  it('the last line', () => {
    expect(noAnswerLine(20_000)).toBe('nothing answered for 20 s: the host has stopped sharing (an old ticket?), is offline, or cannot be reached from here');
  });
});
