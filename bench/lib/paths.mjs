// Where the built workspace lives, relative to bench/. The bench is not a
// workspace package, so it loads each package through its public entry file.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}apps/cli/dist/main.js`;
export const CORE = `${ROOT}packages/core/dist/index.js`;
export const TRANSPORT_IROH = `${ROOT}packages/transport-iroh/dist/index.js`;
export const RESULTS_DIR = `${ROOT}bench/results/`;

/** The iroh binding, resolved from the transport package that depends on it. */
export function loadIroh() {
  return createRequire(`${ROOT}packages/transport-iroh/package.json`)('@number0/iroh');
}
