import { UsageError } from '@pixelpass/core';

/** A RandR 1.5 monitor: a rectangle of the X screen that users see as one display. */
export interface X11Monitor {
  readonly index: number;
  readonly name: string;
  readonly primary: boolean;
  /** Defined by the server from a CRTC, rather than by `xrandr --setmonitor`. */
  readonly automatic: boolean;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly outputs: readonly string[];
}

export class NoSuchMonitor extends UsageError {}

// " 0: +*eDP-1 1920/344x1080/194+0+0  eDP-1" — name flags, pixels/mm, offset, outputs.
const MONITOR_LINE = /^\s*(\d+):\s+([+]?)([*]?)(\S+)\s+(\d+)\/\d+x(\d+)\/\d+\+(-?\d+)\+(-?\d+)(.*)$/;

/** Parses `xrandr --listmonitors`. Lines it does not understand are skipped. */
export function parseMonitors(text: string): X11Monitor[] {
  const monitors: X11Monitor[] = [];
  for (const line of text.split('\n')) {
    const m = MONITOR_LINE.exec(line);
    if (!m) continue;
    monitors.push({
      index: Number(m[1]),
      automatic: m[2] === '+',
      primary: m[3] === '*',
      name: m[4]!,
      width: Number(m[5]),
      height: Number(m[6]),
      x: Number(m[7]),
      y: Number(m[8]),
      outputs: (m[9] ?? '').trim().split(/\s+/).filter(Boolean),
    });
  }
  return monitors;
}

export function describeMonitor(m: X11Monitor): string {
  return `${m.index}: ${m.name} ${m.width}x${m.height}+${m.x}+${m.y}${m.primary ? ' (primary)' : ''}`;
}

/**
 * Picks a monitor by name (exact, then case-insensitive) or by its index in the
 * listing. A name wins over an index so a monitor called "1" stays reachable.
 */
export function selectMonitor(monitors: readonly X11Monitor[], spec: string): X11Monitor {
  const wanted = spec.trim();
  const found =
    monitors.find((m) => m.name === wanted) ??
    monitors.find((m) => m.name.toLowerCase() === wanted.toLowerCase()) ??
    (/^\d+$/.test(wanted) ? monitors.find((m) => m.index === Number(wanted)) : undefined);
  if (found) return found;
  const available = monitors.length ? monitors.map(describeMonitor).join('; ') : 'none (RandR reports no monitors)';
  throw new NoSuchMonitor(`no monitor "${wanted}"; available: ${available}`);
}
