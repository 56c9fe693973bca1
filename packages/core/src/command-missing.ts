/**
 * True when a child-process result (execa's, with `reject: false`) says the
 * program itself was not found: the spawn failed with ENOENT. Pure type guard,
 * so adapters share one test instead of each casting `code`.
 */
export function isCommandMissing(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { readonly code?: unknown }).code === 'ENOENT';
}
