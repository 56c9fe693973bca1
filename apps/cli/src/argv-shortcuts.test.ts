import { describe, expect, it } from 'vitest';
import { expandShortcuts } from './argv-shortcuts.js';

const T = 'pixelpass1abcdefghijklmnopqrstuvwxyz234567endpointaaaa';

describe('expandShortcuts: the command line as pasted', () => {
  it.each([
    ['a bare ticket views', [T], ['view', T]],
    ['with spaces around it', [` ${T} `], ['view', ` ${T} `]],
    ['in upper case', [T.toUpperCase()], ['view', T.toUpperCase()]],
    ['a ticket split by a line break', [T.slice(0, 30), T.slice(30)], ['view', T]],
    ['split in three, with flags after', ['view', T.slice(0, 20), T.slice(20, 40), T.slice(40), '--player', 'none'], ['view', T, '--player', 'none']],
    ['flags before the ticket', ['view', '--player', 'none', T], ['view', '--player', 'none', T]],
    ['host is left alone', ['host', '--source', 'test'], ['host', '--source', 'test']],
    ['nothing', [], []],
    ['a typo is left for commander', ['hots'], ['hots']],
  ])('%s', (_what, args, expected) => {
    expect(expandShortcuts(args)).toEqual(expected);
  });
});
