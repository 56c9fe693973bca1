import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpvArgs } from './mpv-launcher.js';
import { playlistText, writePrivatePlaylist } from './private-playlist.js';
import { vlcArgs } from './vlc-launcher.js';

describe('the player gets its URL in a file only this user can read', () => {
  it('writes 0600 in a fresh 0700 directory, and removes both', async () => {
    const p = await writePrivatePlaylist('http://127.0.0.1:1/secret/stream.ts', 'pixelpass — host', {});
    expect(statSync(p.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(p.path)).mode & 0o777).toBe(0o700);
    expect(await readFile(p.path, 'utf8')).toBe('#EXTM3U\n#EXTINF:-1,pixelpass — host\nhttp://127.0.0.1:1/secret/stream.ts\n');
    await p.remove();
    expect(existsSync(dirname(p.path))).toBe(false);
  });

  it.each([
    ['a plain title', 'x', '#EXTM3U\n#EXTINF:-1,x\nu\n'],
    ['line breaks cannot add entries', 'a\n/etc/passwd\r\nb', '#EXTM3U\n#EXTINF:-1,a /etc/passwd b\nu\n'],
  ])('%s', (_name, title, text) => expect(playlistText('u', title)).toBe(text));

  it.each([
    ['mpv', mpvArgs('/run/p/stream.m3u', 'pixelpass — ${pid}')],
    ['vlc', vlcArgs('/run/p/stream.m3u', 'pixelpass — ${pid}')],
  ])('%s: no URL in the arguments, only the playlist', (_name, args) => {
    expect(args.join(' ')).not.toMatch(/http:/);
    expect(args.at(-1)).toMatch(/\/run\/p\/stream\.m3u$/);
  });

  it("mpv shows a host's name as it is: no ${…} property expansion in the title", () => {
    const args = mpvArgs('/p.m3u', 'pixelpass — ${pid}');
    expect(args).toContain('--title=$>pixelpass — ${pid}');
    expect(args).toContain('--force-media-title=pixelpass — ${pid}');
  });
});
