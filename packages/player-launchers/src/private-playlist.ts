import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The local URL's path is the viewer's local secret: in a player's argv any
 * user of the machine could read it (/proc/PID/cmdline) and watch. So the
 * player gets a playlist file instead, in a directory only this user can
 * enter (mkdtemp makes it 0700, with a fresh random name: nothing to race).
 */
export interface PrivatePlaylist {
  readonly path: string;
  /** Removes the file and its directory; never throws. */
  remove(): Promise<void>;
}

/** The M3U text: one entry, its title without line breaks. */
export function playlistText(url: string, title: string): string {
  return `#EXTM3U\n#EXTINF:-1,${title.replace(/[\r\n]+/g, ' ')}\n${url}\n`;
}

/** `$XDG_RUNTIME_DIR` (the user's own, 0700) when set, else the system temp dir. */
function baseDir(env: NodeJS.ProcessEnv): string {
  return env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/') ? env.XDG_RUNTIME_DIR : tmpdir();
}

export async function writePrivatePlaylist(url: string, title: string, env: NodeJS.ProcessEnv = process.env): Promise<PrivatePlaylist> {
  const dir = await mkdtemp(join(baseDir(env), 'pixelpass-player-'));
  const path = join(dir, 'stream.m3u');
  await writeFile(path, playlistText(url, title), { mode: 0o600, flag: 'wx' });
  // A crash must not leave the URL behind either.
  const onExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  return {
    path,
    remove: async () => {
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
