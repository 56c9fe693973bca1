import { UsageError } from '@pixelpass/core';

/** A window as `xwininfo -root -tree` lists it. */
export interface X11Window {
  readonly id: number;
  /** WM_NAME; undefined for "(has no name)". */
  readonly name: string | undefined;
  readonly width: number;
  readonly height: number;
  /** Position on the root window. */
  readonly x: number;
  readonly y: number;
}

/** What `xwininfo -id` says about one window. */
export interface X11WindowState {
  readonly id: number;
  readonly name: string | undefined;
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
  /** "IsViewable", "IsUnMapped" or "IsUnviewable". */
  readonly mapState: string;
}

export type WindowSpec = { readonly kind: 'id'; readonly id: number } | { readonly kind: 'name'; readonly name: string };

export class NoSuchWindow extends UsageError {}

/** `--window 0x1c00007` or `--window 29360135` is an id; anything else is a window name. */
export function parseWindowSpec(spec: string): WindowSpec {
  const s = spec.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) return { kind: 'id', id: Number.parseInt(s.slice(2), 16) };
  if (/^\d+$/.test(s)) return { kind: 'id', id: Number(s) };
  if (!s) throw new UsageError('--window needs a window id (0x…) or a window name');
  return { kind: 'name', name: s };
}

export function formatWindowId(id: number): string {
  return `0x${id.toString(16)}`;
}

// `     0x20000c "pixelpass-red": ("xterm" "XTerm")  604x524+960+100  +960+100`
const TREE_LINE =
  /^\s*(0x[0-9a-fA-F]+) (?:"(.*)"|\(has no name\)): \((.*?)\)\s+(\d+)x(\d+)\S*\s+\+?(-?\d+)\+?(-?\d+)\s*$/;

/** Parses `xwininfo -root -tree` into every window it lists, at any depth. */
export function parseWindowTree(text: string): X11Window[] {
  const windows: X11Window[] = [];
  for (const line of text.split('\n')) {
    const m = TREE_LINE.exec(line);
    if (!m) continue;
    windows.push({
      id: Number.parseInt(m[1]!.slice(2), 16),
      name: m[2],
      width: Number(m[4]),
      height: Number(m[5]),
      x: Number(m[6]),
      y: Number(m[7]),
    });
  }
  return windows;
}

/** Parses `xwininfo -id ID` (or `-root`, `-name NAME`). */
export function parseWindowState(text: string): X11WindowState | undefined {
  const head = /xwininfo: Window id: (0x[0-9a-fA-F]+)(?: "(.*)")?/.exec(text);
  const field = (label: string): string | undefined =>
    new RegExp(`^\\s*${label}:\\s*(.+?)\\s*$`, 'm').exec(text)?.[1];
  const width = field('Width');
  const height = field('Height');
  if (!head || width === undefined || height === undefined) return undefined;
  return {
    id: Number.parseInt(head[1]!.slice(2), 16),
    name: head[2],
    width: Number(width),
    height: Number(height),
    x: Number(field('Absolute upper-left X') ?? 0),
    y: Number(field('Absolute upper-left Y') ?? 0),
    mapState: field('Map State') ?? 'IsViewable',
  };
}

/**
 * Windows a name refers to: exact WM_NAME matches if there are any, otherwise
 * case-insensitive substring matches ("firefox" finds "Page — Mozilla Firefox").
 * Tiny windows (toolkits' hidden helpers, 1x1 and 10x10) are left out.
 */
export function matchWindowsByName(windows: readonly X11Window[], name: string): X11Window[] {
  const real = windows.filter((w) => w.name !== undefined && w.width > 10 && w.height > 10);
  const exact = real.filter((w) => w.name === name);
  if (exact.length) return exact;
  const lower = name.toLowerCase();
  return real.filter((w) => w.name!.toLowerCase().includes(lower));
}

export function describeWindow(w: Pick<X11Window, 'id' | 'name' | 'width' | 'height'>): string {
  return `${formatWindowId(w.id)} "${w.name ?? ''}" ${w.width}x${w.height}`;
}
