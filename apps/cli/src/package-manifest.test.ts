import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `npm i -g pixelpass-*.tgz` installs only `dependencies`: everything else is
 * bundled into bundle/pixelpass.mjs (scripts/bundle.mjs), so workspace packages
 * and pure-JS libraries belong in devDependencies. Only native modules (and what
 * loads them) stay real dependencies.
 */
// dbus-next is bundled too: its own optional usocket@0.3.0 never builds on Node 20.
const NATIVE = ['@number0/iroh'];
const OPTIONAL_NATIVE = ['usocket'];

describe('the packed package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };

  it('depends at run time on native modules only (add others to devDependencies: they are bundled)', () => {
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual([...NATIVE].sort());
    // usocket compiles with node-gyp: optional, so a machine without a compiler still installs.
    expect(Object.keys(pkg.optionalDependencies ?? {})).toEqual(OPTIONAL_NATIVE);
  });

  it('ships the bundle as the pixelpass command', () => {
    expect(pkg.bin).toEqual({ pixelpass: './bundle/pixelpass.mjs' });
    expect(pkg.files).toEqual(['bundle', 'media']);
  });
});
