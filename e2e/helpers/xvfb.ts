import { existsSync } from 'node:fs';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RandrMonitor {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface XvfbOptions {
  readonly width: number;
  readonly height: number;
  readonly depth?: number;
  /** Split the screen into RandR monitors (`xrandr --setmonitor … none`). */
  readonly monitors?: readonly RandrMonitor[];
  /** More Xvfb arguments, e.g. ['-extension', 'MIT-SHM']. */
  readonly extraArgs?: readonly string[];
}

export interface XvfbServer {
  /** ":N" */
  readonly display: string;
  /** Runs an X client on this display to completion; rejects on failure. */
  x(cmd: string, args: readonly string[]): Promise<string>;
  /** Starts a long-running X client (xterm…) that `stop()` kills. */
  spawnClient(cmd: string, args: readonly string[]): ChildProcess;
  /** Waits until a window with this WM_NAME is mapped; returns its id ("0x…"). */
  waitForWindow(name: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const servers = new Set<XvfbServer>();

function run(cmd: string, args: readonly string[], display: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { env: { ...process.env, DISPLAY: display }, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts Xvfb on a display number it picks itself (-displayfd: no race with other
 * servers on the machine), waits until xdpyinfo answers, and optionally lays out
 * RandR monitors. -noreset: without it Xvfb resets when its last client leaves and
 * forgets the monitors set by the (short-lived) xrandr client.
 */
export async function startXvfb(o: XvfbOptions): Promise<XvfbServer> {
  // E2E_XVFB_DISPLAYS=90-99: engineers sharing a machine keep to their own display numbers.
  const range = /^(\d+)-(\d+)$/.exec(process.env.E2E_XVFB_DISPLAYS ?? '');
  if (range && !o.extraArgs?.some((a) => a.startsWith(':'))) {
    let last: unknown;
    for (let n = Number(range[1]); n <= Number(range[2]); n++) {
      if (existsSync(`/tmp/.X${n}-lock`)) continue;
      try {
        return await startXvfb({ ...o, extraArgs: [`:${n}`, ...(o.extraArgs ?? [])] });
      } catch (err) {
        last = err;
      }
    }
    throw new Error(`no free X display in ${range[0]}: ${String(last)}`);
  }
  const display0 = o.extraArgs?.find((a) => a.startsWith(':'));
  const child = spawn(
    'Xvfb',
    [...(display0 ? [display0] : []), '-displayfd', '3', '-screen', '0', `${o.width}x${o.height}x${o.depth ?? 24}`, '-nolisten', 'tcp', '-noreset', ...(o.extraArgs ?? []).filter((a) => a !== display0)],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr += d));
  const clients = new Set<ChildProcess>();

  const number = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not report a display within 10 s: ${stderr}`)), 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start Xvfb (Debian package xvfb): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}) before it was ready: ${stderr.trim()}`));
    });
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    createInterface({ input: fd3 }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  }).catch(async (err: unknown) => {
    killGroup(child, 'SIGKILL');
    throw err;
  });
  const display = `:${number}`;

  const server: XvfbServer = {
    display,
    x: (cmd, args) => run(cmd, args, display),
    spawnClient(cmd, args) {
      const c = spawn(cmd, [...args], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore', detached: true });
      c.on('error', () => undefined);
      clients.add(c);
      c.once('exit', () => clients.delete(c));
      return c;
    },
    async waitForWindow(name, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const info = await run('xwininfo', ['-name', name], display).catch(() => '');
        const id = /Window id: (0x[0-9a-f]+)/.exec(info)?.[1];
        if (id && /Map State: IsViewable/.test(info)) return id;
        if (Date.now() > deadline) throw new Error(`window "${name}" did not appear on ${display}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      servers.delete(server);
      for (const c of clients) killGroup(c, 'SIGKILL');
      await Promise.all([...clients].map(exited));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    },
  };
  servers.add(server);

  try {
    // -displayfd is written once the server listens; xdpyinfo proves clients get in.
    const deadline = Date.now() + 10_000;
    while (!(await run('xdpyinfo', [], display).then(() => true, () => false))) {
      if (Date.now() > deadline) throw new Error(`xdpyinfo cannot reach Xvfb on ${display}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const m of o.monitors ?? []) {
      // Physical size in mm only matters for DPI; ~96 dpi.
      const mm = (px: number) => Math.round((px * 25.4) / 96);
      await run('xrandr', ['--setmonitor', m.name, `${m.width}/${mm(m.width)}x${m.height}/${mm(m.height)}+${m.x}+${m.y}`, 'none'], display);
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Stops every Xvfb this test file started (afterAll). */
export async function stopAllXvfb(): Promise<void> {
  await Promise.all([...servers].map((s) => s.stop()));
}
