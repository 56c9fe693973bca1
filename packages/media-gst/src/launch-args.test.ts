import { describe, expect, it } from 'vitest';
import { launchArgs } from './launch-args.js';

describe('launchArgs', () => {
  it.each([
    ['videotestsrc ! fakesink', ['videotestsrc', '!', 'fakesink']],
    ['a  b\tc', ['a', 'b', 'c']],
    ['timeoverlay font-desc="Sans 24" ! x', ['timeoverlay', 'font-desc=Sans 24', '!', 'x']],
    ['p stream-properties="p,media.class=Video/Source"', ['p', 'stream-properties=p,media.class=Video/Source']],
    ['x=""', ['x=']],
    ['', []],
  ])('%s', (input, expected) => {
    expect(launchArgs(input)).toEqual(expected);
  });

  it('rejects unbalanced quotes', () => {
    expect(() => launchArgs('a="b')).toThrow(/unbalanced/);
  });
});
