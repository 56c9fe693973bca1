import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestoreTokenStore, defaultStateDir, tokenFileName } from './restore-token-store.js';

describe('defaultStateDir', () => {
  it.each([
    [{ XDG_STATE_HOME: '/x/state' }, '/x/state/pixelpass'],
    [{ XDG_STATE_HOME: 'relative/ignored' }, null],
    [{}, null],
  ])('%j → %s', (env, expected) => {
    const dir = defaultStateDir(env);
    expect(dir).toBe(expected ?? join(process.env.HOME ?? '', '.local', 'state', 'pixelpass'));
  });
});

it.each([
  ['monitor-cursor-embedded', 'screencast-monitor-cursor-embedded.token'],
  ['../evil', 'screencast-___evil.token'],
])('tokenFileName(%s)', (key, name) => expect(tokenFileName(key)).toBe(name));

describe('RestoreTokenStore', () => {
  let dir: string;
  let store: RestoreTokenStore;
  const key = 'monitor-cursor-embedded';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelpass-tokens-'));
    store = new RestoreTokenStore(join(dir, 'state', 'pixelpass'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has nothing before the first save', async () => {
    expect(await store.load(key)).toBeUndefined();
  });

  it('saves a token readable by its owner only (file 0600, directory 0700)', async () => {
    const old = process.umask(0o000); // even with a permissive umask
    try {
      await store.save(key, 'tok-1');
    } finally {
      process.umask(old);
    }
    expect(await store.load(key)).toBe('tok-1');
    expect((await stat(store.pathFor(key))).mode & 0o777).toBe(0o600);
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
  });

  it('replaces a token and tightens a file someone loosened', async () => {
    await store.save(key, 'tok-1');
    await chmod(store.pathFor(key), 0o644);
    await store.save(key, 'tok-2');
    expect(await store.load(key)).toBe('tok-2');
    expect((await stat(store.pathFor(key))).mode & 0o777).toBe(0o600);
  });

  it('keeps choices apart and forgets one', async () => {
    await store.save(key, 'mon');
    await store.save('window-cursor-hidden', 'win');
    await store.forget(key);
    expect(await store.load(key)).toBeUndefined();
    expect(await store.load('window-cursor-hidden')).toBe('win');
    await store.forget(key); // idempotent
  });

  it('treats an empty file as no token', async () => {
    await store.save(key, 'x');
    await writeFile(store.pathFor(key), '\n');
    expect(await store.load(key)).toBeUndefined();
    expect(await readFile(store.pathFor(key), 'utf8')).toBe('\n');
  });
});
