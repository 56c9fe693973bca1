import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));

/** Offline, loopback-only transport for every test process. */
export const TEST_ENV = { PIXELPASS_RELAY: 'off', PIXELPASS_BIND: '127.0.0.1:0' };

export interface RunningCli {
  readonly child: ChildProcess;
  /** First stdout line (ticket or URL). */
  readonly firstLine: Promise<string>;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/** Starts `pixelpass <args>`; stdout's first line and all of stderr are captured. */
export interface StartOptions {
  /** 'pipe' to answer prompts (`--approve`) through child.stdin. */
  readonly stdin?: 'ignore' | 'pipe';
  /** Runs the CLI through this command, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  readonly prefix?: readonly string[];
  /** An installed `pixelpass` to run instead of the workspace build. */
  readonly command?: string;
}

export function startCli(args: string[], env: Record<string, string> = {}, opts: StartOptions = {}): RunningCli {
  const entry = opts.command ? [opts.command] : [process.execPath, CLI];
  const [cmd, ...pre] = [...(opts.prefix ?? []), ...entry];
  const child = spawn(cmd!, [...pre, ...args], {
    env: { ...process.env, ...TEST_ENV, ...env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );
  const rl = createInterface({ input: child.stdout! });
  const firstLine = new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    void exited.then(({ code }) => reject(new Error(`pixelpass ${args[0]} exited (${code}) before printing: ${err}`)));
  });
  firstLine.catch(() => undefined);
  return {
    child,
    firstLine,
    stderr: () => err,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/** Runs `pixelpass <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...TEST_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A host plus one `view --player none` connected to it. */
export async function hostAndViewer(hostArgs: string[] = [], env: Record<string, string> = {}) {
  const host = startCli(['host', '--source', 'test', ...hostArgs], env);
  const ticket = await host.firstLine;
  const viewer = startCli(['view', ticket, '--player', 'none'], env);
  const url = await viewer.firstLine;
  return { host, viewer, ticket, url };
}

/** Kills everything a test file started (afterAll / afterEach). */
export async function stopAllCli(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}
