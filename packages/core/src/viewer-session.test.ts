import { describe, expect, it } from 'vitest';
import { shouldRestartPlayer } from './viewer-session.js';

describe('shouldRestartPlayer', () => {
  const now = 100_000;
  it.each([
    ['user closed the player (no stream end)', undefined, 60_000, 0, false],
    ['player went away first', { kind: 'player-closed', at: now - 100 }, 60_000, 0, false],
    ['host unreachable', { kind: 'unreachable', at: now - 100 }, 60_000, 0, false],
    ['host refused', { kind: 'refused', at: now - 100 }, 60_000, 0, false],
    ['stream broke just now', { kind: 'broken', at: now - 100 }, 60_000, 0, true],
    ['host ended the stream just now', { kind: 'host-ended', at: now - 100 }, 60_000, 0, true],
    ['stream ended long before the player quit', { kind: 'broken', at: now - 60_000 }, 120_000, 0, false],
    ['quick crash loop', { kind: 'broken', at: now - 100 }, 200, 3, false],
    ['too many in a row', { kind: 'broken', at: now - 100 }, 60_000, 10, false],
  ] as const)('%s → %s', (_name, lastEnd, ranFor, restarts, expected) => {
    expect(shouldRestartPlayer(lastEnd, now, ranFor, restarts)).toBe(expected);
  });
});
