import { describe, expect, it } from 'vitest';
import { describeViewerEnd } from './view-command.js';

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
