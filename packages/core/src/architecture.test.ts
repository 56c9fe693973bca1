import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = new URL('..', import.meta.url).pathname;
const PACKAGES = join(CORE, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

describe('hexagonal architecture', () => {
  it('core depends on no adapter and on no process-running library', () => {
    const pkg = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
  });

  it('core source imports only node built-ins (no child_process) and its own files', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(CORE, 'src'))) {
      for (const spec of imports(file)) {
        const ok = spec.startsWith('.') || (spec.startsWith('node:') && spec !== 'node:child_process');
        if (!ok) offenders.push(`${file.slice(CORE.length)} imports ${spec}`);
      }
      const text = readFileSync(file, 'utf8');
      if (/\b(spawn|execFile|execa)\s*\(/.test(text)) offenders.push(`${file.slice(CORE.length)} runs a process`);
    }
    expect(offenders).toEqual([]);
  });

  it('every adapter package depends on core and on no other workspace package', () => {
    const offenders: string[] = [];
    for (const name of readdirSync(PACKAGES)) {
      if (name === 'core') continue;
      const pkgPath = join(PACKAGES, name, 'package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies?: Record<string, string>; exports?: unknown };
      const workspaceDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@pixelpass/'));
      if (!workspaceDeps.includes('@pixelpass/core')) offenders.push(`${name} does not depend on core`);
      for (const d of workspaceDeps) if (d !== '@pixelpass/core') offenders.push(`${name} depends on ${d}`);
      if (!pkg.exports) offenders.push(`${name} has no exports field`);
      for (const file of sourceFiles(join(PACKAGES, name, 'src'))) {
        for (const spec of imports(file)) {
          if (spec.startsWith('@pixelpass/') && spec !== '@pixelpass/core') offenders.push(`${name}: ${file} imports ${spec}`);
          if (/^@pixelpass\/core\/./.test(spec)) offenders.push(`${name}: deep import ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
