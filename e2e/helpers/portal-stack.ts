import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/portal-stack.sh', import.meta.url));

/** What the test ScreenCast backend recorded (e2e/fixtures/portal-backend/backend.mjs). */
export interface BackendEvent {
  readonly t: number;
  readonly event:
    | 'ready'
    | 'create-session'
    | 'select-sources'
    | 'persist-rejected'
    | 'start'
    | 'started'
    | 'dialog-closed'
    | 'open-pipewire-remote'
    | 'session-closed'
    | 'request-closed'
    | 'error';
  readonly session?: string;
  /** select-sources: the frontend handed over restore data (the client presented a valid token). */
  readonly restoreDataPresented?: boolean;
  /** start: the backend "showed its dialog" (no usable restore data). */
  readonly dialog?: boolean;
  readonly by?: 'client' | 'compositor';
  readonly options?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** The test backend's modes, read at every call: see backend.mjs for what each does. */
export type BackendMode = 'ok' | 'cancel' | 'fail' | 'multi' | 'no-persist' | 'persist-error' | 'hang' | 'logical-size';

export interface PortalStackOptions {
  /** Bus and PipeWire only: "no portal". */
  readonly noPortal?: boolean;
  /** The shared screen's node (default 1280x720 at 30 fps). */
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** The backend's AvailableCursorModes (default 3: hidden | embedded; GNOME offers 7). */
  readonly cursorModes?: number;
  /**
   * No real xdg-desktop-portal: the fixture plays an old frontend of this
   * ScreenCast version (e.g. 3: no restore tokens), see legacy-frontend.mjs.
   */
  readonly frontendVersion?: number;
}

export interface PortalStack {
  readonly dir: string;
  /** Environment pointing pixelpass at the private bus, PipeWire and state directory. */
  readonly env: Record<string, string>;
  /** How the backend behaves from now on (see e2e/fixtures/portal-backend/backend.mjs). */
  setMode(mode: BackendMode): Promise<void>;
  events(): Promise<BackendEvent[]>;
  /** Closes every screen-cast session from the compositor's side. */
  closeSessionsFromDesktop(): Promise<void>;
  /** Tails of the stack's logs, for failure messages. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<PortalStack>();

function sh(args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`portal-stack.sh ${args[0]} failed: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
  });
}

/**
 * Starts scripts/portal-stack.sh: a private session bus, PipeWire + WirePlumber,
 * the test ScreenCast backend and the real xdg-desktop-portal (unless
 * `noPortal`). Torn down by stop(), by stopAllPortalStacks(), and by the
 * script's own watchdog if this process dies.
 */
export async function startPortalStack(opts: PortalStackOptions = {}): Promise<PortalStack> {
  const out = await sh(
    ['start'],
    {
      PORTAL_STACK_OWNER_PID: String(process.pid),
      PORTAL_STACK_NO_PORTAL: opts.noPortal ? '1' : '0',
      PORTAL_STACK_WIDTH: String(opts.width ?? 1280),
      PORTAL_STACK_HEIGHT: String(opts.height ?? 720),
      PORTAL_STACK_FPS: String(opts.fps ?? 30),
      PORTAL_STACK_CURSOR_MODES: String(opts.cursorModes ?? 3),
      PORTAL_STACK_FRONTEND_VERSION: opts.frontendVersion === undefined ? '' : String(opts.frontendVersion),
    },
    60_000,
  );
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) env[m[1]!] = m[2]!;
  const dir = env.PIXELPASS_PORTAL_STACK;
  if (!dir) throw new Error(`portal-stack.sh printed no stack directory:\n${out}`);
  // A desktop's own variables must not leak into the test session.
  env.WAYLAND_DISPLAY = '';
  env.PIPEWIRE_REMOTE = '';
  const backendDir = join(dir, 'backend');

  const stack: PortalStack = {
    dir,
    env,
    setMode: (mode) => writeFile(join(backendDir, 'mode'), `${mode}\n`),
    events: async () => {
      const file = join(backendDir, 'events.jsonl');
      if (!existsSync(file)) return [];
      return (await readFile(file, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as BackendEvent);
    },
    closeSessionsFromDesktop: async () => {
      const pid = Number((await readFile(join(backendDir, 'pid'), 'utf8')).trim());
      process.kill(pid, 'SIGUSR1');
    },
    logs: async () => {
      const logDir = join(dir, 'logs');
      if (!existsSync(logDir)) return '(no logs)';
      const parts: string[] = [];
      for (const f of await readdir(logDir)) {
        const text = await readFile(join(logDir, f), 'utf8').catch(() => '');
        parts.push(`--- ${f}\n${text.split('\n').slice(-15).join('\n')}`);
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

export async function stopAllPortalStacks(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}
