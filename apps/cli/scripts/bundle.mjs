// Bundles the CLI and the workspace packages into one file for `npm i -g`:
// bundle/pixelpass.mjs. Native modules stay real dependencies (see NATIVE).
// Input is tsc's output (dist/), so decorators are already compiled.
import { build } from 'esbuild';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8'));

/**
 * Loaded at run time from node_modules: compiled addons only. Everything else,
 * dbus-next included, is bundled: dbus-next's own optional usocket@0.3.0 never
 * builds on Node 20 and made npm drop the whole optional tree with it.
 */
const NATIVE = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];

await mkdir(`${root}bundle`, { recursive: true });
const result = await build({
  entryPoints: [`${root}dist/main.js`],
  outfile: `${root}bundle/pixelpass.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // x11: dbus-next's X11 bus autolaunch, never reached (pixelpass always passes the bus address).
  external: [...NATIVE, 'x11'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // CommonJS code inside an ESM bundle still calls require() for Node built-ins.
  banner: { js: "import { createRequire as __ppCreateRequire } from 'node:module';\nconst require = __ppCreateRequire(import.meta.url);" },
});
await chmod(`${root}bundle/pixelpass.mjs`, 0o755);
// The media process program: media-gst finds it at ../media/ from its code, which is the bundle here.
await mkdir(`${root}media`, { recursive: true });
await copyFile(`${root}../../packages/media-gst/media/pixelpass-media.py`, `${root}media/pixelpass-media.py`);
// The demo starts `node <dir>/main.js host|view`: resolve that to the bundle too.
await writeFile(`${root}bundle/main.js`, "// Entry for child processes the demo starts; the CLI itself is pixelpass.mjs.\nimport './pixelpass.mjs';\n");
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle/pixelpass.mjs: ${(bytes / 1024).toFixed(0)} KiB; external: ${NATIVE.join(', ')}`);
