import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readPrivateFile, StateNotSaved, writePrivateFile } from '@pixelpass/core';

/** `$XDG_STATE_HOME/pixelpass`, or `~/.local/state/pixelpass` per the XDG base-dir spec. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'pixelpass');
}

/** File a source choice's token lives in; the key is built by `restoreTokenKey`. */
export function tokenFileName(key: string): string {
  return `screencast-${key.replace(/[^A-Za-z0-9_-]/g, '_')}.token`;
}

/**
 * Portal restore tokens, one file per source choice. A token lets the portal
 * skip its share dialog, so it is a secret: kept with core's private-state
 * writer (a 0700 directory made or checked, 0600 files, exclusive temp files,
 * atomic rename), and read only from a directory and file fit for it.
 */
export class RestoreTokenStore {
  constructor(readonly dir: string = defaultStateDir()) {}

  pathFor(key: string): string {
    return join(this.dir, tokenFileName(key));
  }

  async load(key: string): Promise<string | undefined> {
    return (await readPrivateFile(this.dir, tokenFileName(key)))?.trim() || undefined;
  }

  /** Throws StateNotSaved (one line) when it cannot be kept safely. */
  async save(key: string, token: string): Promise<void> {
    await writePrivateFile(this.dir, tokenFileName(key), `${token}\n`);
  }

  async forget(key: string): Promise<void> {
    try {
      await rm(this.pathFor(key), { force: true });
    } catch (err) {
      throw new StateNotSaved(`cannot remove ${this.pathFor(key)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  }
}
