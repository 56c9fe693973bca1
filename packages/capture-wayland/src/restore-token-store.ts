import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
 * skip its share dialog, so it is a secret: the directory is 0700, files 0600,
 * written atomically (a crash never leaves half a token).
 */
export class RestoreTokenStore {
  constructor(readonly dir: string = defaultStateDir()) {}

  pathFor(key: string): string {
    return join(this.dir, tokenFileName(key));
  }

  async load(key: string): Promise<string | undefined> {
    try {
      const token = (await readFile(this.pathFor(key), 'utf8')).trim();
      return token || undefined;
    } catch {
      return undefined;
    }
  }

  async save(key: string, token: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.pathFor(key);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, `${token}\n`, { mode: 0o600 });
    // writeFile's mode is filtered by the umask and ignored for existing files.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  }

  async forget(key: string): Promise<void> {
    await rm(this.pathFor(key), { force: true });
  }
}
