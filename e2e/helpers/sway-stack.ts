import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/sway-stack.sh', import.meta.url));

/** One output at start: its mode (physical pixels) and scale. */
export interface OutputSpec {
  readonly width: number;
  readonly height: number;
  readonly scale?: number;
}

export interface SwayStackOptions {
  /** Outputs HEADLESS-1, HEADLESS-2, … laid out left to right (default one 1280x720). */
  readonly outputs?: readonly OutputSpec[];
  /** What xdpw's chooser answers at first (default HEADLESS-1). */
  readonly choice?: string;
  /** XDPW_PERSIST_MODE (default permanent); xdpw 0.7.0 hands out restore data whatever it says. */
  readonly persist?: 'permanent' | 'transient' | 'none';
  /** xdpw's log level (default INFO). */
  readonly xdpwLogLevel?: 'QUIET' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
  /** PIPEWIRE_DEBUG for the PipeWire daemon. */
  readonly pipewireDebug?: string;
  /** xdpw's max_fps (default 30). */
  readonly maxFps?: number;
  /**
   * The desktop under test is a sway on the Wayland backend inside a headless
   * sway: outputs are WL-1, WL-2, … and unplugOutput() really removes one.
   */
  readonly nested?: boolean;
}

/** An output as sway reports it. */
export interface SwayOutput {
  readonly name: string;
  readonly active: boolean;
  /** Mode: physical pixels, what a screen cast of the output carries. */
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  /** Layout rectangle in logical pixels (mode / scale). */
  readonly rect: { x: number; y: number; width: number; height: number };
}

export interface SwayStack {
  readonly dir: string;
  /** Environment pointing pixelpass at the private bus, PipeWire, compositor and state directory. */
  readonly env: Record<string, string>;
  /** The unprivileged user running the compositor (sway refuses root). */
  readonly user: string;
  /** Runs swaymsg against this compositor; rejects when a command fails. */
  swaymsg(...args: string[]): Promise<string>;
  outputs(): Promise<SwayOutput[]>;
  /** Adds a headless output (a monitor plugged in), returns its name. */
  createOutput(spec?: OutputSpec): Promise<string>;
  setMode(output: string, width: number, height: number): Promise<void>;
  setScale(output: string, scale: number): Promise<void>;
  /**
   * Removes an output, as unplugging a monitor does (its wl_output global goes).
   * Nested stacks only: sway 1.7 has no `output … unplug` (1.8 has) and fails to
   * commit `output … disable` on the headless backend, so a headless output
   * cannot be removed; in a nested stack the output's window in the outer sway
   * is closed.
   */
  unplugOutput(output: string): Promise<void>;
  /** The first output's name: HEADLESS-1, or WL-1 when nested. */
  readonly firstOutput: string;
  /** A still, solid background (swaybg): the output is damaged once, then static. */
  background(output: string, colour: string): Promise<void>;
  /**
   * A client window filling `output` (or `size` in logical pixels): a solid colour
   * (#rrggbb) or a moving videotestsrc pattern (ball, smpte…), redrawn at 30 fps.
   * Returns its pid.
   */
  window(output: string, spec: string, size?: { width: number; height: number }): Promise<number>;
  closeWindow(pid: number): Promise<void>;
  /** What xdpw's chooser (the "share dialog") answers from now on: an output name, or 'cancel'. */
  choose(answer: string): Promise<void>;
  /** The chooser's answers so far, one per dialog shown. */
  chooserCalls(): Promise<string[]>;
  /** Pid of one of the stack's processes: sway, xdpw, pipewire, wireplumber, xdg-desktop-portal… */
  pid(name: string): Promise<number>;
  /** Kills the compositor (SIGKILL by default: a crash). */
  killCompositor(signal?: NodeJS.Signals): Promise<void>;
  /** Full text of one log (sway, xdpw, pipewire, xdg-desktop-portal…). */
  log(name: string): Promise<string>;
  /** Tails of all the stack's logs, for failure messages. */
  logs(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<SwayStack>();

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || stdout.trim() || err.message}`)) : resolve(stdout),
    );
  });
}

const sh = (args: string[], env: Record<string, string>, timeoutMs: number) => run('bash', [SCRIPT, ...args], env, timeoutMs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts scripts/sway-stack.sh: headless sway (pixman), xdg-desktop-portal-wlr,
 * xdg-desktop-portal, PipeWire + WirePlumber on a private bus and runtime dir.
 * Torn down by stop(), stopAllSwayStacks(), or the script's watchdog when this
 * process dies. Fails, naming the package, when a component is missing.
 */
export async function startSwayStack(opts: SwayStackOptions = {}): Promise<SwayStack> {
  const outputs = opts.outputs ?? [{ width: 1280, height: 720 }];
  const out = await sh(
    ['start'],
    {
      SWAY_STACK_OWNER_PID: String(process.pid),
      SWAY_STACK_OUTPUTS: outputs.map((o) => `${o.width}x${o.height}${o.scale && o.scale !== 1 ? `@${o.scale}` : ''}`).join(' '),
      SWAY_STACK_CHOICE: opts.choice ?? (opts.nested ? 'WL-1' : 'HEADLESS-1'),
      SWAY_STACK_PERSIST: opts.persist ?? 'permanent',
      SWAY_STACK_XDPW_LOG: opts.xdpwLogLevel ?? 'INFO',
      SWAY_STACK_MAX_FPS: String(opts.maxFps ?? 30),
      SWAY_STACK_NESTED: opts.nested ? '1' : '0',
      ...(opts.pipewireDebug ? { SWAY_STACK_PIPEWIRE_DEBUG: opts.pipewireDebug } : {}),
    },
    60_000,
  );
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) env[m[1]!] = m[2]!;
  const dir = env.SWAY_STACK;
  const user = env.SWAY_STACK_USER ?? '';
  if (!dir) throw new Error(`sway-stack.sh printed no stack directory:\n${out}`);
  // Tests talk to sway through SWAYSOCK; pixelpass itself gets the session's variables.
  const swayEnv = { SWAYSOCK: env.SWAYSOCK! };
  const pids = async (): Promise<Array<[number, string]>> =>
    (await readFile(join(dir, 'pids'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string])
      .map(([p, n]) => [Number(p), n]);

  const stack: SwayStack = {
    dir,
    env,
    user,
    firstOutput: opts.nested ? 'WL-1' : 'HEADLESS-1',
    swaymsg: async (...args) => {
      const text = await run('swaymsg', args, swayEnv, 10_000);
      // swaymsg exits 0 on some failed commands: check the replies too.
      if (args[0] !== '-t' && /"success": false/.test(text)) throw new Error(`swaymsg ${args.join(' ')}: ${text}`);
      return text;
    },
    outputs: async () => {
      const raw = JSON.parse(await run('swaymsg', ['-t', 'get_outputs', '-r'], swayEnv, 10_000)) as Array<{
        name: string;
        active: boolean;
        scale?: number;
        current_mode?: { width: number; height: number };
        rect: { x: number; y: number; width: number; height: number };
      }>;
      return raw.map((o) => ({
        name: o.name,
        active: o.active,
        width: o.current_mode?.width ?? 0,
        height: o.current_mode?.height ?? 0,
        scale: o.scale ?? 1,
        rect: o.rect,
      }));
    },
    createOutput: async (spec) => {
      const size = spec ? `${spec.width}x${spec.height}` : '1920x1080';
      const name = (await sh(['create-output', dir, size], {}, 30_000)).trim();
      if (spec?.scale && spec.scale !== 1) await stack.setScale(name, spec.scale);
      return name;
    },
    setMode: async (output, width, height) => {
      await stack.swaymsg('output', output, 'resolution', `${width}x${height}`);
    },
    setScale: async (output, scale) => {
      await stack.swaymsg('output', output, 'scale', String(scale));
    },
    unplugOutput: async (output) => {
      await sh(['unplug', dir, output], {}, 30_000);
    },
    background: async (output, colour) => {
      if (!/^#[0-9a-fA-F]{6}$/.test(colour)) throw new Error(`background colour is #rrggbb, not ${colour}`);
      await stack.swaymsg('output', output, 'bg', colour, 'solid_color');
    },
    window: async (output, spec, size) => {
      const args = ['window', dir, output, spec, ...(size ? [`${size.width}x${size.height}`] : [])];
      return Number((await sh(args, {}, 30_000)).trim());
    },
    closeWindow: async (pid) => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await sleep(100);
      }
      process.kill(pid, 'SIGKILL');
    },
    choose: (answer) => writeFile(join(dir, 'choice'), `${answer}\n`),
    chooserCalls: async () =>
      (await readFile(join(dir, 'chooser-calls'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').slice(1).join(' ')),
    pid: async (name) => {
      const found = (await pids()).filter(([, n]) => n === name).at(-1);
      if (!found) throw new Error(`the sway stack has no process ${name}`);
      return found[0];
    },
    killCompositor: async (signal = 'SIGKILL') => {
      const pid = await stack.pid('sway');
      process.kill(pid, signal);
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await sleep(100);
      }
      throw new Error(`sway (pid ${pid}) did not die of ${signal}`);
    },
    log: async (name) => readFile(join(dir, 'logs', `${name}.log`), 'utf8').catch(() => ''),
    logs: async (lines = 15) => {
      const logDir = join(dir, 'logs');
      if (!existsSync(logDir)) return '(no logs)';
      const parts: string[] = [];
      for (const f of (await readdir(logDir)).sort()) {
        const text = await readFile(join(logDir, f), 'utf8').catch(() => '');
        parts.push(`--- ${f}\n${text.split('\n').slice(-lines).join('\n')}`);
      }
      return parts.join('\n');
    },
    stop: async () => {
      running.delete(stack);
      await sh(['stop', dir], {}, 30_000);
    },
  };
  running.add(stack);
  return stack;
}

export async function stopAllSwayStacks(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}
