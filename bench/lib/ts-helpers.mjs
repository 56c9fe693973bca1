// Loads e2e helpers written in TypeScript (plain ESM, node: imports only) into a
// plain-JS benchmark: transpiled with the repo's own TypeScript into
// bench/results/tmp/ (git-ignored), so the lab the e2e tests use and the one the
// benchmark uses are the same source. Files the helpers reach by URL next to
// themselves (udp-impair.mjs) are copied along.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ROOT } from './paths.mjs';

const OUT = `${ROOT}bench/results/tmp/e2e-helpers/`;
let ts;

/** Transpiles e2e/helpers/<name>.ts and the helpers it imports (`./other.js`). */
function transpile(name, done) {
  if (done.has(name)) return;
  done.add(name);
  const src = readFileSync(`${ROOT}e2e/helpers/${name}.ts`, 'utf8');
  const { outputText } = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: `${name}.ts`,
  });
  writeFileSync(`${OUT}${name}.js`, outputText);
  for (const m of src.matchAll(/from '\.\/([\w-]+)\.js'/g)) transpile(m[1], done);
}

/** Imports e2e/helpers/<name>.ts; `alongside` are files of e2e/helpers/ copied next to it. */
export async function importE2eHelper(name, alongside = []) {
  ts ??= createRequire(`${ROOT}package.json`)('typescript');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}package.json`, '{"type":"module"}\n');
  transpile(name, new Set());
  for (const f of alongside) copyFileSync(`${ROOT}e2e/helpers/${f}`, `${OUT}${f}`);
  return import(pathToFileURL(`${OUT}${name}.js`).href);
}
