import { describe, expect, it } from 'vitest';
import { TerminalLine } from './terminal-line.js';

function fakes(live: boolean, columns = 20) {
  const written: string[] = [];
  const out = { isTTY: live, columns, write: (t: string) => written.push(t) > 0 };
  return { written, line: new TerminalLine(out, live) };
}

describe('TerminalLine', () => {
  it('off a terminal draws nothing and only prints', () => {
    const { written, line } = fakes(false);
    line.show('status');
    line.spin('waiting');
    line.logger().info('hello');
    line.clear();
    expect(written).toEqual(['pixelpass: hello\n']);
  });

  it('on a terminal prints above the line and draws it again', () => {
    const { written, line } = fakes(true);
    line.show('status');
    line.logger().warn('careful');
    line.clear();
    expect(written).toEqual(['\r\x1b[2Kstatus', '\r\x1b[2K', 'pixelpass: warning: careful\n', 'status', '\r\x1b[2K']);
  });

  it('a prompt (no line end) keeps the line away until the answer ends the line', () => {
    const { written, line } = fakes(true);
    line.show('status');
    line.print('allow? [y/N] ');
    line.show('status 2');
    expect(written).toEqual(['\r\x1b[2Kstatus', '\r\x1b[2K', 'allow? [y/N] ']);
    line.print('y\n');
    expect(written.slice(3)).toEqual(['y\n', 'status 2']);
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const { written, line } = fakes(true);
    line.show('a'.repeat(30));
    expect(written[0]).toBe(`\r\x1b[2K${'a'.repeat(18)}…`);
  });

  it.each([
    ['quiet', ['pixelpass: warning: w\n', 'pixelpass: error: e\n']],
    ['normal', ['pixelpass: i\n', 'pixelpass: warning: w\n', 'pixelpass: error: e\n']],
    ['verbose', ['pixelpass: i\n', 'pixelpass: warning: w\n', 'pixelpass: error: e\n', 'pixelpass: d\n']],
  ] as const)('-q/-v: %s', (verbosity, expected) => {
    const { written, line } = fakes(false);
    const log = line.logger(verbosity);
    log.info('i');
    log.warn('w');
    log.error('e');
    log.debug('d');
    expect(written).toEqual(expected);
  });
});
