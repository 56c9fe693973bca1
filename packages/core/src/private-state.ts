/**
 * Files pixelpass keeps for its user (restore tokens, the CLI's config, the
 * probe cache), written so that no other user can redirect or read them:
 * in a directory pixelpass made 0700 or checked (owned by this user, writable
 * by nobody else, not a symlink, in a parent nobody else can rename it in),
 * through a temp file created exclusively (O_EXCL: never an existing file or
 * a symlink) under a random name, then renamed into place (which replaces a
 * symlink instead of writing through it). Shared by the Wayland adapter and
 * the CLI, hence in core; the checks on what `stat` says are pure.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage, PixelpassError } from './errors.js';

/** A state file could not be written (or read) safely; the caller degrades, with this one line. */
export class StateNotSaved extends PixelpassError {}

export interface OwnerCheck {
  readonly uid: number;
  readonly gid: number;
}

/** What `lstat` of the directory says about it; undefined when it is fit for secrets. */
export function stateDirProblem(dir: string, st: Pick<Stats, 'mode' | 'uid' | 'isDirectory' | 'isSymbolicLink'>, me: OwnerCheck): string | undefined {
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== me.uid) return `${dir} belongs to another user (uid ${st.uid})`;
  if (st.mode & 0o022) return `${dir} is writable by other users (mode ${(st.mode & 0o777).toString(8)}; chmod 700 it)`;
  return undefined;
}

/**
 * The parent may be shared (`/tmp`) only if it is sticky, so that nobody else
 * can rename our directory away and put theirs (or a link) in its place. A
 * group-writable parent of the user's own group is the user-private-group
 * convention (umask 002), not someone else.
 */
export function parentProblem(parent: string, st: Pick<Stats, 'mode' | 'uid' | 'gid'>, me: OwnerCheck): string | undefined {
  const othersWrite = (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== me.gid);
  const sticky = (st.mode & 0o1000) !== 0;
  if (othersWrite && !sticky) return `${parent} is writable by other users, who could replace the state directory in it`;
  return undefined;
}

/** A file's own check before its content is trusted (a token planted by someone else is not ours). */
export function stateFileProblem(path: string, st: Pick<Stats, 'mode' | 'uid' | 'isFile'>, me: OwnerCheck): string | undefined {
  if (!st.isFile()) return `${path} is not a regular file`;
  if (st.uid !== me.uid) return `${path} belongs to another user (uid ${st.uid})`;
  if (st.mode & 0o022) return `${path} is writable by other users`;
  return undefined;
}

function me(): OwnerCheck {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EDQUOT':
      return 'disk quota exceeded';
    default:
      return errorMessage(err);
  }
}

/** Makes `dir` (0700) or checks the one that is there; throws StateNotSaved saying why it cannot be used. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StateNotSaved(`cannot create ${dir}: ${describeFsError(err)}`, { cause: err });
  }
  const [st, parent] = await Promise.all([lstat(dir), lstat(dirname(dir))]).catch((err: unknown) => {
    throw new StateNotSaved(`cannot check ${dir}: ${describeFsError(err)}`, { cause: err });
  });
  const problem = stateDirProblem(dir, st, me()) ?? parentProblem(dirname(dir), parent, me());
  if (problem) throw new StateNotSaved(`not using ${dir}: ${problem}`);
}

/**
 * Writes `content` to `dir/name` (0600), atomically: a crash or a full disk
 * leaves the old file (or none), never half a file, nor a stray temp file.
 */
export async function writePrivateFile(dir: string, name: string, content: string): Promise<void> {
  if (basename(name) !== name) throw new StateNotSaved(`bad state file name ${name}`);
  await ensurePrivateDir(dir);
  const tmp = join(dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  let created = false;
  try {
    // 'wx' is O_CREAT|O_EXCL: fails on anything already there, a symlink included.
    const handle = await open(tmp, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw new StateNotSaved(`cannot write ${join(dir, name)}: ${describeFsError(err)}`, { cause: err });
  }
}

/** Reads `dir/name` when the directory and the file are fit; undefined when there is none or it is not ours. */
export async function readPrivateFile(dir: string, name: string): Promise<string | undefined> {
  const path = join(dir, name);
  try {
    const [dirStat, parentStat, fileStat] = await Promise.all([lstat(dir), lstat(dirname(dir)), lstat(path)]);
    const who = me();
    if (stateDirProblem(dir, dirStat, who) ?? parentProblem(dirname(dir), parentStat, who) ?? stateFileProblem(path, fileStat, who)) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
