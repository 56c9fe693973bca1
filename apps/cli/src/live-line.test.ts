import { describe, expect, it } from 'vitest';
import type { Logger } from '@pixelpass/core';
import { LiveLine } from './live-line.js';

function fakes(isTTY: boolean) {
  const written: string[] = [];
  const out = { isTTY, columns: 20, write: (t: string) => written.push(t) > 0 };
  const logger: Logger = {
    info: (m) => void written.push(`[info ${m}]`),
    warn: (m) => void written.push(`[warn ${m}]`),
    error: (m) => void written.push(`[error ${m}]`),
  };
  return { written, line: new LiveLine(logger, out) };
}

describe('LiveLine', () => {
  it('off a terminal draws nothing and only logs', () => {
    const { written, line } = fakes(false);
    line.show('status');
    line.spin('waiting');
    line.info('hello');
    line.clear();
    expect(written).toEqual(['[info hello]']);
  });

  it('on a terminal logs above the line and draws it again', () => {
    const { written, line } = fakes(true);
    line.show('status');
    line.warn('careful');
    line.clear();
    expect(written).toEqual(['\r\x1b[2Kstatus', '\r\x1b[2K', '[warn careful]', 'status', '\r\x1b[2K']);
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const { written, line } = fakes(true);
    line.show('a'.repeat(30));
    expect(written[0]).toBe(`\r\x1b[2K${'a'.repeat(18)}…`);
  });

  it('logs straight through when nothing is drawn', () => {
    const { written, line } = fakes(true);
    line.info('plain');
    expect(written).toEqual(['[info plain]']);
  });
});
