import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PixelpassError } from '@pixelpass/core';

/** A state file or its folder is not safe to keep a secret in (exit 1, the reason in words). */
export class UnsafeStateFile extends PixelpassError {}

/** `$XDG_STATE_HOME/pixelpass`, or `~/.local/state/pixelpass` (the XDG base-dir spec; a relative value is ignored). */
export function stateDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'pixelpass');
}

interface Owned {
  readonly uid: number;
  readonly mode: number;
}

/**
 * Why a folder or file may not hold a secret, or undefined when it may: it is
 * ours and nobody else can write it (a folder) or read it (a file).
 */
export function unsafeBecause(kind: 'folder' | 'file', st: Owned, myUid: number): string | undefined {
  if (st.uid !== myUid) return `it belongs to uid ${st.uid}, not to you (uid ${myUid})`;
  const others = kind === 'folder' ? st.mode & 0o022 : st.mode & 0o077;
  if (others !== 0) return `its mode is ${(st.mode & 0o777).toString(8).padStart(4, '0')}: others can ${kind === 'folder' ? 'write to it' : 'read it'}`;
  return undefined;
}

const myUid = (): number => process.getuid?.() ?? 0;

/** Makes the state folder 0700 if it is missing; refuses one that others can write (they could swap files in it). */
export async function secureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new UnsafeStateFile(`${dir} is not a folder; pixelpass keeps its state there`);
  const why = unsafeBecause('folder', st, myUid());
  if (why) throw new UnsafeStateFile(`will not keep secrets in ${dir}: ${why} (chmod 700 ${dir})`);
}

/**
 * Writes a secret file: a temp file with a random name created exclusively
 * (O_EXCL, O_NOFOLLOW: never through someone's symlink) with mode 0600,
 * synced, then renamed over the file.
 */
export async function writeStateFile(dir: string, name: string, content: string): Promise<void> {
  await secureStateDir(dir);
  const tmp = join(dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, join(dir, name)).catch(async (err: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw err;
  });
}

/** Reads a secret file; undefined when there is none. Refuses one others can read or that is not ours. */
export async function readStateFile(dir: string, name: string): Promise<string | undefined> {
  const path = join(dir, name);
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeStateFile(`${path} is a symbolic link; pixelpass will not read a secret through it`);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UnsafeStateFile(`${path} is not a regular file`);
    const why = unsafeBecause('file', st, myUid());
    if (why) throw new UnsafeStateFile(`will not use ${path}: ${why}; remove it, or run with --new-ticket`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

export async function removeStateFile(dir: string, name: string): Promise<boolean> {
  return unlink(join(dir, name)).then(
    () => true,
    (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    },
  );
}
