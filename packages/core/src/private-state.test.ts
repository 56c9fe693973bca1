import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parentProblem, readPrivateFile, StateNotSaved, stateDirProblem, stateFileProblem, writePrivateFile } from './private-state.js';

const ME = { uid: 1000, gid: 1000 };
const dirStat = (mode: number, uid = 1000, kind: 'dir' | 'link' | 'file' = 'dir') => ({
  mode,
  uid,
  isDirectory: () => kind === 'dir',
  isSymbolicLink: () => kind === 'link',
  isFile: () => kind === 'file',
});

describe('which state directories and files are fit for secrets', () => {
  it.each([
    ['ours, 0700', dirStat(0o40700), undefined],
    ['ours, 0755 (others read: the files are 0600)', dirStat(0o40755), undefined],
    ['group-writable', dirStat(0o40770), /writable by other users \(mode 770; chmod 700 it\)/],
    ['world-writable', dirStat(0o40777), /writable by other users/],
    ["someone else's", dirStat(0o40700, 1001), /belongs to another user \(uid 1001\)/],
    ['a symlink', dirStat(0o120777, 1000, 'link'), /is a symbolic link/],
    ['a file', dirStat(0o100600, 1000, 'file'), /is not a directory/],
  ])('the directory: %s', (_name, st, problem) => {
    const got = stateDirProblem('/s', st, ME);
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
  });

  it.each([
    ['a home directory', 0o40755, 1000, undefined],
    ['/tmp (sticky)', 0o41777, 0, undefined],
    ['a world-writable directory', 0o40777, 1000, /writable by other users/],
    ["group-writable, the user's own group", 0o40775, 1000, undefined],
    ['group-writable, another group', 0o40775, 50, /writable by other users/],
  ])('the parent: %s', (_name, mode, gid, problem) => {
    const got = parentProblem('/p', { mode, uid: 0, gid }, ME);
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
  });

  it.each([
    ['ours, 0600', dirStat(0o100600, 1000, 'file'), undefined],
    ["someone else's", dirStat(0o100600, 0, 'file'), /belongs to another user/],
    ['writable by others', dirStat(0o100666, 1000, 'file'), /writable by other users/],
    ['a symlink', dirStat(0o120777, 1000, 'link'), /not a regular file/],
  ])('a file: %s', (_name, st, problem) => {
    const got = stateFileProblem('/f', st, ME);
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
  });
});

describe('writePrivateFile / readPrivateFile', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pp-state-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('makes the directory 0700 and the file 0600, even with a permissive umask, and leaves no temp file', async () => {
    const dir = join(root, 'a', 'pixelpass');
    const old = process.umask(0);
    try {
      await writePrivateFile(dir, 'x.token', 'secret\n');
    } finally {
      process.umask(old);
    }
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'x.token'))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['x.token']);
    expect(await readPrivateFile(dir, 'x.token')).toBe('secret\n');
  });

  it('replaces a symlink at the name instead of writing through it', async () => {
    const dir = join(root, 'pixelpass');
    await mkdir(dir, { mode: 0o700 });
    const victim = join(root, 'victim');
    await writeFile(victim, 'untouched');
    await symlink(victim, join(dir, 'x.token'));
    await writePrivateFile(dir, 'x.token', 'new');
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect(await readFile(join(dir, 'x.token'), 'utf8')).toBe('new');
  });

  it.each([
    ['a world-writable state directory', async (dir: string) => void (await mkdir(dir, { mode: 0o777 }), await chmod(dir, 0o777)), /writable by other users/],
    ['a state directory that is a symlink', async (dir: string) => void (await mkdir(`${dir}-real`, { mode: 0o700 }), await symlink(`${dir}-real`, dir)), /symbolic link/],
  ])('refuses %s with one line, and writes nothing', async (_name, prepare, message) => {
    const dir = join(root, 'pixelpass');
    await prepare(dir);
    const err = await writePrivateFile(dir, 'x.token', 'secret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateNotSaved);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
    expect(await readPrivateFile(dir, 'x.token')).toBeUndefined();
  });

  it('does not read a file it would not have written (writable by others)', async () => {
    const dir = join(root, 'pixelpass');
    await writePrivateFile(dir, 'x.token', 'secret');
    await chmod(join(dir, 'x.token'), 0o666);
    expect(await readPrivateFile(dir, 'x.token')).toBeUndefined();
  });
});
