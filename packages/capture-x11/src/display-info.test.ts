import { describe, expect, it } from 'vitest';
import { parseExtensions } from './display-info.js';

const XVFB = `name of display:    :57
version number:    11.0
number of extensions:    4
    BIG-REQUESTS
    Composite
    MIT-SHM
    RANDR
default screen number:    0
number of screens:    1
`;

describe('parseExtensions', () => {
  it.each([
    ['an Xvfb listing', XVFB, ['BIG-REQUESTS', 'Composite', 'MIT-SHM', 'RANDR']],
    ['a server started with -extension MIT-SHM', XVFB.replace('    MIT-SHM\n', '').replace('4', '3'), ['BIG-REQUESTS', 'Composite', 'RANDR']],
    ['no extension section', 'xdpyinfo:  unable to open display ":9".\n', []],
  ])('%s', (_name, text, expected) => {
    expect(parseExtensions(text)).toEqual(expected);
  });
});
