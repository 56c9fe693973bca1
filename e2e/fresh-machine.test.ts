import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffprobeCount } from './helpers/media-probe.js';
import { startCli, stopAllCli, TEST_ENV } from './helpers/pixelpass.js';
import { startPortalStack, stopAllPortalStacks } from './helpers/portal-stack.js';
import { requireTools } from './helpers/require-tools.js';

/**
 * What a new user meets: a clone on a machine with Node.js and npm only (no
 * pnpm, no corepack, a fresh home), and the npm package installed the way the
 * README says. Everything runs from copies outside the repository.
 */

const REPO = new URL('..', import.meta.url).pathname;
const scratch: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A PATH folder with everything of the system folders except pnpm, pnpx and corepack. */
function pathWithoutPnpm(): string {
  const bin = tempDir('pixelpass-nopnpm-');
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (['pnpm', 'pnpx', 'corepack'].includes(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env, encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 32 * 1024 * 1024 });
}

const noStack = /^\s+at .+:\d+:\d+\)?$/m;

afterAll(async () => {
  await stopAllCli();
  await stopAllPortalStacks();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('a fresh machine: the README works with Node.js and npm only', () => {
  requireTools('git', 'npm', 'ffprobe', 'gst-launch-1.0', 'dbus-daemon', 'pipewire', 'wireplumber');

  it('scripts/setup.sh from a fresh clone, with no pnpm/pnpx/corepack on PATH and a fresh HOME; then `pixelpass` runs in a new shell', () => {
    const clone = join(tempDir('pixelpass-clone-'), 'pixelpass');
    execFileSync('git', ['clone', '-q', REPO, clone], { stdio: 'pipe' });
    const home = tempDir('pixelpass-home-');
    const bin = pathWithoutPnpm();
    // The machine's network settings (CA bundle variables) stay; PATH and HOME are a new user's.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PATH: bin };
    // Nothing from the pnpm running this test, nor the developer's XDG folders.
    for (const k of Object.keys(env)) {
      if (/^(npm_|PNPM|COREPACK|XDG_(CONFIG|CACHE|STATE|DATA)_HOME$|NODE_PATH$)/.test(k)) delete env[k];
    }

    const setup = run('bash', ['scripts/setup.sh'], { cwd: clone, env, timeoutMs: 600_000 });
    expect(setup.status, setup.stderr).toBe(0);
    expect(setup.stderr).not.toMatch(noStack);
    expect(setup.stderr).toMatch(/^setup: ready/m);
    // The pinned pnpm lives in the clone, not on the machine.
    expect(existsSync(join(clone, '.tools'))).toBe(true);
    expect(spawnSync('sh', ['-c', 'command -v pnpm'], { env }).status).not.toBe(0);

    // The README's way: `pixelpass` from ~/.local/bin in a new shell, anywhere.
    const link = join(home, '.local', 'bin', 'pixelpass');
    expect(readlinkSync(link)).toBe(join(clone, 'pixelpass'));
    const shellEnv = { ...env, PATH: `${join(home, '.local', 'bin')}:${bin}`, ...TEST_ENV };
    const version = run('bash', ['-c', 'cd / && pixelpass --version'], { cwd: home, env: shellEnv, timeoutMs: 30_000 });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // And the launcher at the root of the clone, which works without the link.
    const demo = run(join(clone, 'pixelpass'), ['demo', '--seconds', '2'], { cwd: home, env: shellEnv, timeoutMs: 90_000 });
    expect(demo.status, demo.stderr).toBe(0);
    const decoded = /decoded (\d+) video frames/.exec(demo.stdout);
    expect(Number(decoded?.[1] ?? 0)).toBeGreaterThan(20);
    // A clone builds usocket (Node's own headers), so the portal's descriptor is used.
    const doctor = run(join(clone, 'pixelpass'), ['doctor'], { cwd: home, env: { ...shellEnv, XDG_SESSION_TYPE: 'wayland' }, timeoutMs: 60_000 });
    expect(doctor.stdout).toMatch(/^✓ Wayland capture: the portal's PipeWire descriptor/m);
  });

  it('the packed npm package installs into a temporary prefix and shares a Wayland screen; its doctor says how', async () => {
    const dir = tempDir('pixelpass-pack-');
    // prepack bundles dist/ into bundle/pixelpass.mjs.
    execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: join(REPO, 'apps/cli'), stdio: 'pipe', timeout: 120_000 });
    const tarball = readdirSync(dir).find((f) => /^pixelpass-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', join(dir, tarball!), 'package/package.json'], { encoding: 'utf8' })) as {
      dependencies: Record<string, string>;
    };
    // Workspace packages and dbus-next are bundled: nothing that pulls in usocket@0.3.0 / node-gyp 7.
    expect(Object.keys(manifest.dependencies)).toEqual(['@number0/iroh']);

    const prefix = join(dir, 'prefix');
    mkdirSync(prefix);
    execFileSync('npm', ['i', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, tarball!)], { stdio: 'pipe', timeout: 300_000 });
    const bin = join(prefix, 'bin', 'pixelpass');
    // Run outside the repository, so nothing resolves from the workspace (pnpm's
    // NODE_PATH would let the installed bundle find the workspace's usocket).
    const outside = { NODE_PATH: '' };
    const runInstalled = (args: string[], env: Record<string, string> = {}) =>
      run(bin, args, { cwd: dir, env: { ...process.env, ...TEST_ENV, ...outside, ...env }, timeoutMs: 60_000 });
    expect(runInstalled(['--help']).stdout).toMatch(/doctor/);
    expect(runInstalled(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const stack = await startPortalStack();
    const waylandEnv = { ...stack.env, XDG_SESSION_TYPE: 'wayland', ...outside };
    const doctor = runInstalled(['doctor'], waylandEnv);
    // npm installs no optional native module globally: the share connects to PipeWire itself.
    expect(doctor.stdout).toMatch(/^✓ Wayland capture: direct PipeWire connection \(usocket is not installed/m);
    expect(doctor.stdout).toMatch(/^✓ screen-cast portal/m);
    expect(doctor.stdout.trimEnd().split('\n').at(-1)).toBe('hosting: ready · viewing: ready');
    expect(doctor.status).toBe(0);

    const host = startCli(['host', '--source', 'wayland', '--no-audio'], waylandEnv, { command: bin });
    const ticket = await host.firstLine;
    const viewer = startCli(['view', ticket, '--player', 'none'], outside, { command: bin });
    const url = await viewer.firstLine;
    const video = (await ffprobeCount(url, 3)).find((s) => s.codec_type === 'video');
    expect(video?.width).toBe(1280);
    expect(video?.height).toBe(720);
    expect(Number(video?.nb_read_frames ?? 0), host.stderr()).toBeGreaterThan(30);
    expect(host.stderr()).toMatch(/capture started: Wayland portal monitor .*direct PipeWire connection/);
    expect(host.stderr() + viewer.stderr()).not.toMatch(noStack);
    await viewer.stop();
    expect((await host.stop()).code).toBe(0);
    await stack.stop();
  });
});
