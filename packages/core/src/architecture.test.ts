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

  /**
   * Adapters may share @pixelpass/gst (GStreamer tool helpers, depending on core
   * only) besides core; nothing else in the workspace. Covers every package under
   * packages/, the gst package included.
   */
  const SHARED = '@pixelpass/gst';
  const allowedDeps = (name: string): readonly string[] => (name === 'gst' ? ['@pixelpass/core'] : ['@pixelpass/core', SHARED]);

  it('every adapter package depends on core and at most on @pixelpass/gst; gst only on core', () => {
    const offenders: string[] = [];
    const names = readdirSync(PACKAGES).filter((name) => name !== 'core');
    expect(names).toContain('gst');
    for (const name of names) {
      const pkgPath = join(PACKAGES, name, 'package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string; dependencies?: Record<string, string>; exports?: unknown };
      if (name === 'gst' && pkg.name !== SHARED) offenders.push(`packages/gst is named ${pkg.name}, not ${SHARED}`);
      const allowed = allowedDeps(name);
      const workspaceDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@pixelpass/'));
      if (!workspaceDeps.includes('@pixelpass/core')) offenders.push(`${name} does not depend on core`);
      for (const d of workspaceDeps) if (!allowed.includes(d)) offenders.push(`${name} depends on ${d}`);
      if (!pkg.exports) offenders.push(`${name} has no exports field`);
      for (const file of sourceFiles(join(PACKAGES, name, 'src'))) {
        for (const spec of imports(file)) {
          const root = spec.match(/^@pixelpass\/[^/]+/)?.[0];
          if (root && !allowed.includes(root)) offenders.push(`${name}: ${file} imports ${spec}`);
          if (root && root.length < spec.length) offenders.push(`${name}: deep import ${spec}`);
          if (root && !workspaceDeps.includes(root)) offenders.push(`${name}: ${file} imports ${root}, not in its dependencies`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('@pixelpass/gst depends on core and execa only, and imports nothing else', () => {
    const offenders: string[] = [];
    const pkg = JSON.parse(readFileSync(join(PACKAGES, 'gst', 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['@pixelpass/core', 'execa']);
    for (const file of sourceFiles(join(PACKAGES, 'gst', 'src'))) {
      for (const spec of imports(file)) {
        const ok = spec.startsWith('.') || spec.startsWith('node:') || spec === '@pixelpass/core' || spec === 'execa';
        if (!ok) offenders.push(`gst: ${file.slice(PACKAGES.length)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
