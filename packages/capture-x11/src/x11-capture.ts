import {
  CaptureFailed,
  UsageError,
  type CaptureRequest,
  type CaptureSession,
  type CaptureSource,
  type ShareMonitor,
  type ReadinessCheck,
} from '@pixelpass/core';
import { describeMonitor, parseMonitors, selectMonitor } from './monitors.js';
import {
  describeWindow,
  formatWindowId,
  matchWindowsByName,
  NoSuchWindow,
  parseWindowSpec,
  parseWindowState,
  parseWindowTree,
  type X11WindowState,
} from './windows.js';
import { parseExtensions } from './display-info.js';
import { ximagesrcFragment, type XImageTarget } from './ximage-fragment.js';
import { DisplayUnavailable, runXTool } from './x11-tools.js';
import { x11Readiness } from './x11-readiness.js';

export interface X11CaptureOptions {
  /** X display, e.g. ":0". Defaults to $DISPLAY. */
  readonly display?: string | undefined;
  /** One RandR monitor, by name ("DP-1") or index in `xrandr --listmonitors`. */
  readonly monitor?: string | undefined;
  /** One window, by id ("0x3a00007", decimal too) or WM_NAME (exact, else substring). */
  readonly window?: string | undefined;
  /** Draw the mouse pointer into the picture (default true). */
  readonly showPointer?: boolean | undefined;
  /** How often a shared window is checked for having closed (default 1000 ms). */
  readonly windowPollMs?: number | undefined;
}

/** What a session captures, resolved against the live X server. */
interface ResolvedTarget {
  readonly target: XImageTarget;
  readonly label: string;
  readonly screen: { readonly width: number; readonly height: number };
}

/**
 * The X11 screen, one RandR monitor or one window, grabbed with `ximagesrc`.
 * Everything is resolved again at each `open()`: monitors and windows come and
 * go while a host waits for viewers.
 */
export class X11Capture implements CaptureSource {
  readonly id = 'x11';

  constructor(private readonly options: X11CaptureOptions = {}) {
    if (options.monitor !== undefined && options.window !== undefined) {
      throw new UsageError('--monitor and --window cannot be used together');
    }
  }

  /** The display to use; throws when there is none. */
  display(): string {
    const display = this.options.display ?? process.env.DISPLAY;
    if (!display) {
      // Like `host` with no session at all: the fix is a flag or the environment (exit 2); an unreachable display is 1.
      throw new UsageError('DISPLAY is not set: run pixelpass inside an X11 session or pass --display (e.g. --display :0)');
    }
    return display;
  }

  /**
   * Checks the display and the monitor or window now, so a host can refuse a bad
   * flag at start instead of when the first viewer arrives. Returns a description.
   */
  async check(): Promise<string> {
    const display = this.display();
    return (await this.#resolve(display)).label;
  }

  readiness(): Promise<ReadinessCheck[]> {
    return x11Readiness(this.options.display ?? process.env.DISPLAY);
  }

  /** The RandR monitors of the display (empty when it cannot be asked). */
  async monitors(): Promise<readonly ShareMonitor[]> {
    const r = await runXTool('xrandr', this.display(), ['--listmonitors']).catch(() => undefined);
    return r?.ok ? parseMonitors(r.stdout).map(({ name, width, height, primary }) => ({ name, width, height, primary })) : [];
  }

  async open(request: CaptureRequest): Promise<CaptureSession> {
    const display = this.display();
    const [{ target, label, screen }, xshm] = await Promise.all([this.#resolve(display), hasXShm(display)]);
    const fragment = ximagesrcFragment({
      display,
      showPointer: this.options.showPointer ?? true,
      fps: request.fps,
      target,
      xshm,
    });
    const description = `X11 ${label}${xshm ? '' : ' (no MIT-SHM: slower grabs)'}`;
    if (target.kind !== 'window') {
      return { video: { launch: fragment.launch }, paced: true, geometry: fragment.geometry, description, close: async () => undefined };
    }
    const watch = new WindowWatch(display, target.xid, screen, this.options.windowPollMs ?? 1000);
    return {
      video: { launch: fragment.launch },
      paced: true,
      geometry: fragment.geometry,
      description,
      ended: watch.ended,
      close: () => watch.close(),
    };
  }

  async #resolve(display: string): Promise<ResolvedTarget> {
    const root = await runXTool('xwininfo', display, ['-root']);
    const screen = root.ok ? parseWindowState(root.stdout) : undefined;
    if (!screen) {
      throw new DisplayUnavailable(`cannot read the screen size of X display "${display}": ${firstLine(root.stderr)}`);
    }
    if (this.options.monitor !== undefined) {
      const listed = await runXTool('xrandr', display, ['--listmonitors']);
      if (!listed.ok) {
        throw new CaptureFailed(`xrandr could not list the monitors of "${display}": ${firstLine(listed.stderr)}`);
      }
      const m = selectMonitor(parseMonitors(listed.stdout), this.options.monitor);
      return {
        target: { kind: 'region', ...clipToScreen(m, screen) },
        label: `${display} monitor ${describeMonitor(m).replace(/^\d+: /, '')}`,
        screen,
      };
    }
    if (this.options.window !== undefined) {
      const w = await this.#findWindow(display, this.options.window);
      if (w.width < 16 || w.height < 16) {
        throw new NoSuchWindow(`window ${describeWindow(w)} is too small to share`);
      }
      if (!fullyOnScreen(w, screen)) {
        throw new UsageError(`window ${describeWindow(w)} is partly off the screen; X11 can only grab a window that is fully on it: move it and try again`);
      }
      return {
        target: { kind: 'window', xid: w.id, width: w.width, height: w.height },
        label: `${display} window ${describeWindow(w)}`,
        screen,
      };
    }
    return {
      target: { kind: 'screen', width: screen.width, height: screen.height },
      label: `${display} screen ${screen.width}x${screen.height}`,
      screen,
    };
  }

  async #findWindow(display: string, spec: string): Promise<X11WindowState> {
    const parsed = parseWindowSpec(spec);
    if (parsed.kind === 'id') {
      const state = await windowState(display, parsed.id);
      if (!state) throw new NoSuchWindow(`no window ${formatWindowId(parsed.id)} on X display "${display}"`);
      if (state.mapState !== 'IsViewable') {
        throw new NoSuchWindow(`window ${describeWindow(state)} is not shown (${state.mapState}); show it and try again`);
      }
      return state;
    }
    const tree = await runXTool('xwininfo', display, ['-root', '-tree']);
    const candidates = matchWindowsByName(parseWindowTree(tree.stdout), parsed.name);
    // Toolkits keep unmapped windows under the same name; only shown ones count.
    const states = (await Promise.all(candidates.map((w) => windowState(display, w.id)))).filter(
      (s): s is X11WindowState => s !== undefined && s.mapState === 'IsViewable',
    );
    if (states.length === 1) return states[0]!;
    if (states.length === 0) {
      throw new NoSuchWindow(`no shown window named "${parsed.name}" on X display "${display}" (list them with: xwininfo -root -tree)`);
    }
    throw new NoSuchWindow(
      `${states.length} windows match "${parsed.name}": ${states.slice(0, 8).map(describeWindow).join('; ')}; pass --window with one id`,
    );
  }
}

/** MIT-SHM offered by the server (and not a remote display, checked by the fragment). */
async function hasXShm(display: string): Promise<boolean> {
  const r = await runXTool('xdpyinfo', display, []);
  return parseExtensions(r.stdout).includes('MIT-SHM');
}

// XGetImage on a window needs the whole window on the screen (no backing store).
function fullyOnScreen(
  w: { x: number; y: number; width: number; height: number },
  screen: { width: number; height: number },
): boolean {
  return w.x >= 0 && w.y >= 0 && w.x + w.width <= screen.width && w.y + w.height <= screen.height;
}

async function windowState(display: string, id: number): Promise<X11WindowState | undefined> {
  const r = await runXTool('xwininfo', display, ['-id', formatWindowId(id)]);
  return r.ok ? parseWindowState(r.stdout) : undefined;
}

/** Keeps a monitor rectangle inside the screen: ximagesrc cannot grab outside it. */
function clipToScreen(
  m: { x: number; y: number; width: number; height: number },
  screen: { width: number; height: number },
): { x: number; y: number; width: number; height: number } {
  const x = Math.max(0, m.x);
  const y = Math.max(0, m.y);
  const width = Math.min(m.x + m.width, screen.width) - x;
  const height = Math.min(m.y + m.height, screen.height) - y;
  if (width < 2 || height < 2) throw new CaptureFailed(`monitor ${m.width}x${m.height}+${m.x}+${m.y} lies outside the screen`);
  return { x, y, width, height };
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? 'no details';
}

/**
 * Watches a shared window. When it closes or is hidden, `ended` resolves with why
 * and the capture run ends: viewers are told the share ended rather than shown a
 * frozen or substituted picture.
 *
 * ximagesrc itself dies at once with an X error when its window goes away, often
 * before the next poll; `close()` (called when the pipeline ended) checks once
 * more so the reason users see is "window closed", not "BadWindow".
 */
class WindowWatch {
  readonly ended: Promise<string>;
  #resolve: (why: string) => void = () => undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #done = false;

  constructor(
    private readonly display: string,
    private readonly xid: number,
    private readonly screen: { readonly width: number; readonly height: number },
    pollMs: number,
  ) {
    this.ended = new Promise<string>((resolve) => (this.#resolve = resolve));
    this.#timer = setInterval(() => void this.#poll(), pollMs);
    this.#timer.unref?.();
  }

  async #poll(): Promise<void> {
    if (this.#done) return;
    const why = await this.#gone().catch(() => undefined);
    if (why && !this.#done) {
      this.#done = true;
      this.#stopTimer();
      this.#resolve(why);
    }
  }

  async #gone(): Promise<string | undefined> {
    const state = await windowState(this.display, this.xid).catch((err: unknown) => {
      // The X server itself went away: that ends the share too.
      if (err instanceof DisplayUnavailable) return 'display-gone' as const;
      throw err;
    });
    if (state === 'display-gone') return `X display "${this.display}" went away`;
    if (!state) return `the shared window ${formatWindowId(this.xid)} was closed`;
    if (state.mapState !== 'IsViewable') return `the shared window ${formatWindowId(this.xid)} was hidden or minimised`;
    if (!fullyOnScreen(state, this.screen)) return `the shared window ${formatWindowId(this.xid)} moved partly off the screen`;
    return undefined;
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    if (!this.#done) await this.#poll();
    this.#done = true;
  }
}
