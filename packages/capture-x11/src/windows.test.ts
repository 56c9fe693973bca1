import { describe, expect, it } from 'vitest';
import { matchWindowsByName, parseWindowSpec, parseWindowState, parseWindowTree } from './windows.js';

const TREE = `
xwininfo: Window id: 0x50d (the root window) (has no name)

  Root window id: 0x50d (the root window) (has no name)
  Parent window id: 0x0 (none)
     4 children:
     0x20000c "pixelpass-red": ("xterm" "XTerm")  604x524+960+100  +960+100
        1 child:
        0x20001b (has no name): ()  604x524+0+0  +961+101
     0x400001 "Mozilla Firefox": ("Navigator" "firefox")  1280x1024+-10+-20  +-10+-20
     0x400007 "Mozilla Firefox": ("Navigator" "firefox")  1x1+-100+-100  +-100+-100
     0x600003 "say \\"hi\\": now": ("demo" "Demo")  300x200+0+0  +0+0
`;

describe('parseWindowTree', () => {
  it('reads every listed window with its name, size and root position', () => {
    expect(parseWindowTree(TREE)).toEqual([
      { id: 0x20000c, name: 'pixelpass-red', width: 604, height: 524, x: 960, y: 100 },
      { id: 0x20001b, name: undefined, width: 604, height: 524, x: 961, y: 101 },
      { id: 0x400001, name: 'Mozilla Firefox', width: 1280, height: 1024, x: -10, y: -20 },
      { id: 0x400007, name: 'Mozilla Firefox', width: 1, height: 1, x: -100, y: -100 },
      { id: 0x600003, name: 'say \\"hi\\": now', width: 300, height: 200, x: 0, y: 0 },
    ]);
  });
});

describe('matchWindowsByName', () => {
  const windows = parseWindowTree(TREE);
  it.each([
    ['exact name', 'pixelpass-red', [0x20000c]],
    ['exact beats substring; 1x1 helpers are left out', 'Mozilla Firefox', [0x400001]],
    ['case-insensitive substring', 'firefox', [0x400001]],
    ['substring matching several', 'e', [0x20000c, 0x400001]],
    ['nothing', 'gimp', []],
  ])('%s', (_name, name, ids) => {
    expect(matchWindowsByName(windows, name).map((w) => w.id)).toEqual(ids);
  });
});

describe('parseWindowSpec', () => {
  it.each([
    ['0x20000c', { kind: 'id', id: 0x20000c }],
    ['0X1A', { kind: 'id', id: 0x1a }],
    ['2097164', { kind: 'id', id: 2097164 }],
    ['Mozilla Firefox', { kind: 'name', name: 'Mozilla Firefox' }],
    ['  xterm ', { kind: 'name', name: 'xterm' }],
    ['0xZZ', { kind: 'name', name: '0xZZ' }],
  ])('%j', (spec, expected) => {
    expect(parseWindowSpec(spec)).toEqual(expected);
  });
  it('rejects an empty spec', () => {
    expect(() => parseWindowSpec('  ')).toThrow(/--window needs/);
  });
});

describe('parseWindowState', () => {
  const ID = `
xwininfo: Window id: 0x20000c "pixelpass-red"

  Absolute upper-left X:  960
  Absolute upper-left Y:  100
  Relative upper-left X:  960
  Relative upper-left Y:  100
  Width: 605
  Height: 523
  Depth: 24
  Map State: IsViewable
  Corners:  +960+100  -354+100  -354-454  +960-454
  -geometry 100x40+960+100
`;
  const ROOT = `
xwininfo: Window id: 0x50d (the root window) (has no name)

  Absolute upper-left X:  0
  Absolute upper-left Y:  0
  Width: 1366
  Height: 767
  Map State: IsViewable
`;
  it.each([
    ['a named window', ID, { id: 0x20000c, name: 'pixelpass-red', width: 605, height: 523, x: 960, y: 100, mapState: 'IsViewable' }],
    ['the root window', ROOT, { id: 0x50d, name: undefined, width: 1366, height: 767, x: 0, y: 0, mapState: 'IsViewable' }],
    ['an unmapped window', ID.replace('IsViewable', 'IsUnMapped'), expect.objectContaining({ mapState: 'IsUnMapped' })],
    ['an error message', 'xwininfo: error: No such window with id 0x20000c.', undefined],
  ])('%s', (_name, text, expected) => {
    expect(parseWindowState(text)).toEqual(expected);
  });
});
