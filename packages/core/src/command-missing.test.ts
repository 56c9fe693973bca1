import { describe, expect, it } from 'vitest';
import { isCommandMissing } from './command-missing.js';

describe('isCommandMissing', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['spawn ENOENT', { code: 'ENOENT', exitCode: undefined, failed: true }, true],
    ['ran and failed', { exitCode: 1, failed: true }, false],
    ['other spawn error', { code: 'EACCES' }, false],
    ['exit code only', { code: 2 }, false],
    ['undefined', undefined, false],
    ['null', null, false],
    ['a string', 'ENOENT', false],
  ];
  it.each(cases)('%s', (_name, result, missing) => expect(isCommandMissing(result)).toBe(missing));
});
