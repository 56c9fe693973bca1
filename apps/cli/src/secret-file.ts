import { randomBytes } from 'node:crypto';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a secret (the ticket) readable by the owner only. `writeFile`'s mode
 * applies only when it creates the file, so an existing world-readable file
 * would keep its mode: write a fresh 0600 file beside it and rename it over
 * (which also replaces a symlink instead of writing through it).
 */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Why `path` cannot take a file, before anything starts (undefined when it
 * can): `--ticket-file /tmp` is a folder, a missing folder is missing.
 */
export async function fileTargetProblem(path: string): Promise<string | undefined> {
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) return 'that is a folder; give a file path, e.g. ' + join(path, 'pixelpass-ticket');
  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir) return `its folder ${dirname(path)} does not exist`;
  if (!dir.isDirectory()) return `${dirname(path)} is not a folder`;
  return undefined;
}

/** The ticket dies with the host run; a stale copy is removed on exit. */
export async function removeSecretFile(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
