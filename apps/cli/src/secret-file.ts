import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
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

/** The ticket dies with the host run; a stale copy is removed on exit. */
export async function removeSecretFile(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
