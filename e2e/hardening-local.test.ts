import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, ffprobeCount } from './helpers/media-probe.js';
import { startCli, stopAllCli } from './helpers/pixelpass.js';
import { startPortalStack, stopAllPortalStacks, type PortalStack } from './helpers/portal-stack.js';
import { splitTicket } from './helpers/raw-peer.js';
import { requireTools } from './helpers/require-tools.js';

// Issue 19, on this machine: --bind binds only where asked (IPv6 namespaces),
// nothing another Unix user can read gives them the stream (argv, files), and
// state files can be neither redirected (symlinks in a shared directory) nor
// stop a share when they cannot be written (a full tmpfs). Root only: it makes
// namespaces, a user and a mount, and removes them.

const DIAL = fileURLToPath(new URL('./helpers/iroh-dial.mjs', import.meta.url));
const PORTAL = '/usr/libexec/xdg-desktop-portal';
const OTHER = 'hd-other';
const TAG = String(process.pid % 10_000);
const HOST_ARGS = ['host', '--source', 'test', '--test-size', '320x240', '--fps', '15', '--bitrate', '400', '--no-audio'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number, detail: () => string = () => ''): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${detail()}`);
    await sleep(100);
  }
  return Date.now() - start;
}
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tryRun = (cmd: string, args: string[]): void => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    /* not there */
  }
};
/** Runs a command as the other user; resolves with its exit code and output. */
const asOther = (args: string[]): Promise<{ code: number; out: string }> =>
  new Promise((resolve) =>
    execFile('runuser', ['-u', OTHER, '--', ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );

beforeAll(() => {
  requireTools('ip', 'ss', 'runuser', 'gst-launch-1.0', 'ffprobe', 'mpv');
  if (process.getuid?.() !== 0) throw new Error('hardening-local.test.ts makes namespaces, a user and a tmpfs: run it as root (CI does)');
  tryRun('userdel', [OTHER]);
  run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER]);
});

afterAll(async () => {
  await stopAllCli();
  await stopAllPortalStacks();
  tryRun('userdel', [OTHER]);
});

describe('--bind in IPv6 namespaces: the endpoint listens only where asked', () => {
  const hostNs = `hd-b${TAG}h`;
  const peerNs = `hd-b${TAG}p`;
  const netns = (ns: string) => ['ip', 'netns', 'exec', ns];

  beforeAll(() => {
    for (const ns of [hostNs, peerNs]) {
      tryRun('ip', ['netns', 'del', ns]);
      run('ip', ['netns', 'add', ns]);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    run('ip', ['link', 'add', `hdb${TAG}h`, 'netns', hostNs, 'type', 'veth', 'peer', 'name', `hdb${TAG}p`, 'netns', peerNs]);
    for (const [ns, dev, v4, v6] of [
      [hostNs, `hdb${TAG}h`, '10.89.0.1/24', 'fd89::1/64'],
      [peerNs, `hdb${TAG}p`, '10.89.0.2/24', 'fd89::2/64'],
    ] as const) {
      run('ip', ['-n', ns, 'addr', 'add', v4, 'dev', dev]);
      run('ip', ['-n', ns, '-6', 'addr', 'add', v6, 'dev', dev, 'nodad']);
      run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  });
  afterAll(async () => {
    await stopAllCli();
    for (const ns of [hostNs, peerNs]) tryRun('ip', ['netns', 'del', ns]);
  });

  /** The UDP sockets a process has open in a namespace, as "addr:port". */
  const sockets = (ns: string, pid: number): string[] =>
    run('ip', ['netns', 'exec', ns, 'ss', '-uanpH'])
      .split('\n')
      .filter((l) => l.includes(`pid=${pid},`))
      .map((l) => l.trim().split(/\s+/)[3]!);
  const dial = (ticket: string, addresses: string[]): string =>
    run('ip', ['netns', 'exec', peerNs, process.execPath, DIAL, splitTicket(ticket).address, '2500', ...addresses]).trim();
  const portOf = (addr: string): string => addr.slice(addr.lastIndexOf(':') + 1);

  it('--bind 10.89.0.1:0: no socket on [::] or 0.0.0.0; IPv6 from another namespace cannot reach it, IPv4 there can', async () => {
    const host = startCli(HOST_ARGS, { PIXELPASS_BIND: '10.89.0.1:0' }, { prefix: netns(hostNs) });
    const ticket = await host.firstLine;
    await sleep(3000); // past iroh's start-up probes
    const bound = sockets(hostNs, host.child.pid!);
    const v4 = bound.find((a) => a.startsWith('10.89.0.1:'));
    process.stdout.write(`--bind 10.89.0.1:0 → sockets ${bound.join(', ')}\n`);
    expect(v4, bound.join(', ')).toBeDefined();
    for (const a of bound) expect(a, `socket ${a} (all: ${bound.join(', ')})`).toMatch(/^(10\.89\.0\.1|\[::1\]):\d+$/);
    // Over IPv6, whatever port: nothing listens on fd89::1.
    const ports = [...new Set(bound.map(portOf))];
    for (const port of ports) expect(dial(ticket, [`[fd89::1]:${port}`]), `[fd89::1]:${port}`).toMatch(/^failed/);
    expect(dial(ticket, [v4!])).toBe('connected');
    await host.stop();
  });

  it('without --bind (the documented default) it listens on every interface, IPv6 included', async () => {
    const host = startCli(HOST_ARGS, { PIXELPASS_BIND: '' }, { prefix: netns(hostNs) });
    const ticket = await host.firstLine;
    await sleep(1000);
    const bound = sockets(hostNs, host.child.pid!);
    const any6 = bound.find((a) => a.startsWith('[::]:') || a.startsWith('*:'));
    expect(any6, bound.join(', ')).toBeDefined();
    expect(dial(ticket, [`[fd89::1]:${portOf(any6!)}`])).toBe('connected');
    await host.stop();
  });
});

describe('another user of the machine cannot get the stream', () => {
  let conf: string;
  beforeAll(async () => {
    // mpv decodes headless: its config in a private XDG_CONFIG_HOME.
    conf = await mkdtemp(join(tmpdir(), 'hd-mpvconf-'));
    await mkdir(join(conf, 'mpv'));
    await writeFile(join(conf, 'mpv', 'mpv.conf'), 'vo=null\nao=null\n');
  });
  afterAll(() => rm(conf, { recursive: true, force: true }));

  it('view - (stdin) with mpv: neither argv holds the secret or the URL, the playlist is unreadable to them', async () => {
    const host = startCli(HOST_ARGS);
    const ticket = await host.firstLine;
    const secret = splitTicket(ticket).secretText;
    const viewer = startCli(['view', '-', '--player', 'mpv'], { XDG_CONFIG_HOME: conf }, { stdin: 'pipe' });
    viewer.child.stdin!.end(`${ticket}\n`);
    const url = await viewer.firstLine;
    await until('mpv to watch', () => /joined/.test(host.stderr()), 20_000, () => viewer.stderr());
    let mpv: number | undefined;
    await until('the mpv process', async () => (mpv = (await childPids(viewer.child.pid!)).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'mpv')) !== undefined, 10_000);
    const seen: Record<string, string> = {};
    for (const [who, pid] of [['viewer', viewer.child.pid!], ['mpv', mpv!]] as const) {
      const r = await asOther(['cat', `/proc/${pid}/cmdline`]);
      expect(r.code, `${OTHER} reads ${who}'s cmdline`).toBe(0);
      seen[who] = r.out.replace(/\0/g, ' ');
      expect(seen[who], `${who}'s argv as ${OTHER} sees it`).not.toContain(secret);
      expect(seen[who]).not.toContain(new URL(url).pathname);
    }
    const playlist = /--playlist=(\S+)/.exec(seen.mpv!)?.[1];
    expect(playlist, seen.mpv).toBeDefined();
    const read = await asOther(['cat', playlist!]);
    process.stdout.write(`as ${OTHER}: viewer argv "${seen.viewer!.trim()}"; mpv argv "${seen.mpv!.trim()}"; cat the playlist → exit ${read.code}: ${read.out.trim()}\n`);
    expect(read.code).not.toBe(0);
    expect(read.out).toMatch(/Permission denied/);
    await viewer.stop();
    expect(existsSync(playlist!), 'the playlist is removed with the player').toBe(false);
    await host.stop();
  });

  it.each([
    ['an argument (scrubbed from argv at once, with a warning)', (t: string) => ({ args: ['view', t], env: {} })],
    ['$PIXELPASS_TICKET', (t: string) => ({ args: ['view'], env: { PIXELPASS_TICKET: t } })],
  ])('the ticket as %s: not in argv once running', async (_name, how) => {
    const host = startCli(HOST_ARGS);
    const ticket = await host.firstLine;
    const { args, env } = how(ticket);
    const viewer = startCli([...args, '--player', 'none'], env);
    await viewer.firstLine;
    const r = await asOther(['cat', `/proc/${viewer.child.pid}/cmdline`]);
    expect(r.out).not.toContain(splitTicket(ticket).secretText);
    if (args.length > 1) expect(viewer.stderr()).toMatch(/visible to other users of this machine until pixelpass starts; use `pixelpass view -`/);
    await viewer.stop();
    await host.stop();
  });
});

describe('state files on Wayland: not redirected, and a failed write does not stop the share', () => {
  let stack: PortalStack;
  const TOKEN = 'screencast-monitor-cursor-embedded.token';
  beforeAll(async () => {
    requireTools('dbus-daemon', 'dbus-send', 'pipewire', 'wireplumber', 'pw-dump', 'pw-cli', 'mount', 'umount');
    if (!existsSync(PORTAL)) throw new Error(`missing system component: ${PORTAL} (Debian package xdg-desktop-portal)`);
    stack = await startPortalStack({ width: 640, height: 360, fps: 15 });
  });
  afterAll(() => stack?.stop());

  /** A Wayland host with XDG_STATE_HOME at `stateHome`, one viewer decoding 2 s; the host's stderr. */
  async function share(stateHome: string): Promise<{ frames: number; stderr: string; alive: boolean }> {
    const host = startCli(['host', '--source', 'wayland', '--no-audio'], { ...stack.env, XDG_STATE_HOME: stateHome });
    try {
      const ticket = await host.firstLine;
      const viewer = startCli(['view', ticket, '--player', 'none'], stack.env);
      const video = (await ffprobeCount(await viewer.firstLine, 2)).find((s) => s.codec_type === 'video');
      await viewer.stop();
      return { frames: Number(video?.nb_read_frames ?? 0), stderr: host.stderr(), alive: host.child.exitCode === null };
    } finally {
      await host.stop();
    }
  }

  it("another user's symlink in a world-writable state directory: refused with one warning, the target untouched, the share goes on", async () => {
    const stateHome = await mkdtemp(join(tmpdir(), 'hd-state-'));
    const victimDir = await mkdtemp(join(tmpdir(), 'hd-victim-'));
    try {
      await chmod(stateHome, 0o755);
      const dir = join(stateHome, 'pixelpass');
      await mkdir(dir);
      await chmod(dir, 0o777);
      const victim = join(victimDir, 'root-owned');
      await writeFile(victim, 'root data\n', { mode: 0o644 });
      const ln = await asOther(['ln', '-s', victim, join(dir, TOKEN)]);
      expect(ln.code, ln.out).toBe(0);
      const r = await share(stateHome);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('cannot remember the screen choice'));
      process.stdout.write(`0777 state dir with ${OTHER}'s symlink: ${r.frames} frames; ${warnings.join(' | ')}\n`);
      expect(r.frames).toBeGreaterThan(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/is writable by other users/);
      expect(await readFile(victim, 'utf8')).toBe('root data\n');
      expect(await readdir(dir)).toEqual([TOKEN]);
    } finally {
      await rm(stateHome, { recursive: true, force: true });
      await rm(victimDir, { recursive: true, force: true });
    }
  });

  it('a full state file system (tmpfs): one warning, no stray temp file, the share goes on', async () => {
    const mnt = await mkdtemp(join(tmpdir(), 'hd-full-'));
    run('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', mnt]);
    try {
      await mkdir(join(mnt, 'pixelpass'), { mode: 0o700 });
      // Fill it to the last block.
      tryRun('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=4k']);
      const r = await share(mnt);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('cannot remember the screen choice'));
      process.stdout.write(`full tmpfs: ${r.frames} frames, host alive ${r.alive}; ${warnings.join(' | ')}\n`);
      expect(r.frames).toBeGreaterThan(0);
      expect(r.alive).toBe(true);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/no space left on the device/);
      expect(await readdir(join(mnt, 'pixelpass'))).toEqual([]);
    } finally {
      tryRun('umount', [mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });
});
