import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { socketAnswers, type ReadinessCheck } from '@pixelpass/core';
import { elementReadiness } from '@pixelpass/gst';
import { SOURCE_TYPE_BITS, describeSourceTypes, type PortalCapabilities } from './portal-protocol.js';
import { pipewireAccess } from './portal-bus.js';

const SCREENCAST_IMPL = 'org.freedesktop.impl.portal.ScreenCast';

export interface PortalFile {
  /** The file's name without `.portal`, e.g. "wlr", "gnome", "kde". */
  readonly name: string;
  readonly text: string;
}

/** A portals.conf(5) file: `[preferred]` with `default=` and per-interface lists. */
export interface PortalsConf {
  /** Where it was found, for the doctor line. */
  readonly path: string;
  readonly text: string;
}

/** Which backend xdg-desktop-portal will route ScreenCast to, and why. */
export interface BackendChoice {
  readonly backend: string | undefined;
  readonly how: string;
}

function iniValues(text: string, section: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let inSection = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      inSection = header[1] === section;
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (inSection && kv) out.set(kv[1]!.trim(), kv[2]!.split(';').map((v) => v.trim()).filter(Boolean));
  }
  return out;
}

/** XDG_CURRENT_DESKTOP as the frontend reads it: ':'-separated, lower case. */
export function currentDesktops(currentDesktop: string | undefined): string[] {
  return (currentDesktop ?? '')
    .split(':')
    .map((d) => d.trim().toLowerCase())
    .filter((d) => /^[a-z0-9_-]+$/.test(d));
}

/**
 * The backend that serves ScreenCast on this desktop, chosen as
 * xdg-desktop-portal does (src/portal-impl.c, find_portal_implementation):
 * a portals.conf(5) names it (per interface, else `default`; `none` means
 * none, `*` any); else the first backend whose UseIn lists one of the desktops
 * (the only way before 1.18, deprecated since); else xdg-desktop-portal-gtk as
 * the last resort.
 */
export function screencastBackend(files: readonly PortalFile[], currentDesktop: string | undefined, conf?: PortalsConf): BackendChoice {
  const impls = files
    .map((f) => {
      const portal = iniValues(f.text, 'portal');
      return {
        name: f.name,
        dbusName: portal.get('DBusName')?.[0] ?? '',
        interfaces: portal.get('Interfaces') ?? [],
        useIn: (portal.get('UseIn') ?? []).map((d) => d.toLowerCase()),
      };
    })
    .filter((i) => i.interfaces.includes(SCREENCAST_IMPL))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (conf) {
    const preferred = iniValues(conf.text, 'preferred');
    const own = preferred.get(SCREENCAST_IMPL);
    const fallback = preferred.get('default');
    if ((own ?? fallback ?? []).includes('none')) return { backend: undefined, how: `${conf.path} says none` };
    const desktops = currentDesktops(currentDesktop);
    // `*`: the first that supports it, those whose UseIn lists the desktop first.
    const any = [...impls].sort((a, b) => Number(b.useIn.some((d) => desktops.includes(d))) - Number(a.useIn.some((d) => desktops.includes(d))))[0];
    for (const list of [own, fallback]) {
      for (const name of list ?? []) {
        const impl = name === '*' ? any : impls.find((i) => i.name === name);
        if (impl) return { backend: impl.name, how: `from ${conf.path}` };
      }
    }
  }
  for (const desktop of currentDesktops(currentDesktop)) {
    const impl = impls.find((i) => i.useIn.includes(desktop));
    if (impl) return { backend: impl.name, how: `its UseIn lists ${desktop}` };
  }
  const gtk = impls.find((i) => i.dbusName === 'org.freedesktop.impl.portal.desktop.gtk');
  if (gtk) return { backend: gtk.name, how: 'last resort' };
  return { backend: undefined, how: 'none installed lists this desktop' };
}

/**
 * Where xdg-desktop-portal (1.18+) looks for portals.conf, in order; with
 * XDG_DESKTOP_PORTAL_DIR set, only there. In each directory
 * `<desktop>-portals.conf` for each desktop comes before `portals.conf`.
 */
export function portalsConfCandidates(env: NodeJS.ProcessEnv, home: string): string[] {
  const desktops = currentDesktops(env.XDG_CURRENT_DESKTOP);
  const inDir = (dir: string): string[] => [...desktops.map((d) => join(dir, `${d}-portals.conf`)), join(dir, 'portals.conf')];
  if (env.XDG_DESKTOP_PORTAL_DIR) return inDir(env.XDG_DESKTOP_PORTAL_DIR);
  const list = (v: string | undefined, fallback: string): string[] => (v || fallback).split(':').filter(Boolean);
  const dirs = [
    join(env.XDG_CONFIG_HOME || join(home, '.config'), 'xdg-desktop-portal'),
    ...list(env.XDG_CONFIG_DIRS, '/etc/xdg').map((d) => join(d, 'xdg-desktop-portal')),
    '/etc/xdg-desktop-portal',
    join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'xdg-desktop-portal'),
    ...list(env.XDG_DATA_DIRS, '/usr/local/share:/usr/share').map((d) => join(d, 'xdg-desktop-portal')),
    '/usr/share/xdg-desktop-portal',
  ];
  return [...new Set(dirs)].flatMap(inDir);
}

/** The package with the ScreenCast backend for a desktop, for the install hint. */
export function backendPackageFor(currentDesktop: string | undefined): string {
  const d = (currentDesktop ?? '').toLowerCase();
  if (d.includes('gnome')) return 'xdg-desktop-portal-gnome';
  if (d.includes('kde')) return 'xdg-desktop-portal-kde';
  if (d.includes('hyprland')) return 'xdg-desktop-portal-hyprland';
  if (/sway|wlroots|wayfire|river|labwc/.test(d)) return 'xdg-desktop-portal-wlr';
  if (d.includes('cosmic')) return 'xdg-desktop-portal-cosmic';
  return 'the portal backend for your desktop (xdg-desktop-portal-gnome, -kde or -wlr)';
}

/** What the running portal offers, in one line: versions, sources, restore. */
export function describeCapabilities(caps: PortalCapabilities): string {
  const restore = caps.version >= 4 ? 'remembers the choice' : 'asks every time (no restore tokens before version 4)';
  const windows = (caps.availableSourceTypes & SOURCE_TYPE_BITS.window) !== 0;
  const monitors = (caps.availableSourceTypes & SOURCE_TYPE_BITS.monitor) !== 0;
  const offers =
    caps.availableSourceTypes === 0
      ? 'sources unknown'
      : monitors && windows
        ? 'monitors and windows'
        : monitors
          ? 'monitors only, no --window'
          : `${describeSourceTypes(caps.availableSourceTypes)} only`;
  return `ScreenCast v${caps.version}: ${offers}; ${restore}`;
}

async function portalFiles(dir: string): Promise<PortalFile[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names.filter((n) => n.endsWith('.portal')).map(async (n) => ({ name: n.slice(0, -'.portal'.length), text: await readFile(join(dir, n), 'utf8').catch(() => '') })),
  );
}

/** The first candidate that exists and has a [preferred] section, as the frontend takes it. */
async function firstPortalsConf(paths: readonly string[]): Promise<PortalsConf | undefined> {
  for (const path of paths) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined && iniValues(text, 'preferred').size > 0) return { path, text };
  }
  return undefined;
}

/** `doctor` for Wayland capture: PipeWire, the portal and its backend for this desktop, how PipeWire is reached, pipewiresrc. */
export async function waylandReadiness(env: NodeJS.ProcessEnv, liveCapabilities: () => Promise<PortalCapabilities>): Promise<ReadinessCheck[]> {
  const pipewire = async (): Promise<ReadinessCheck> => {
    // Where libpipewire looks: PIPEWIRE_RUNTIME_DIR, then XDG_RUNTIME_DIR; empty values count as unset.
    const dir = env.PIPEWIRE_RUNTIME_DIR || env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
    const remote = env.PIPEWIRE_REMOTE || 'pipewire-0';
    const up = await socketAnswers({ path: remote.startsWith('/') ? remote : `${dir}/${remote}` });
    return { label: 'PipeWire', status: up ? 'ok' : 'fail', need: 'host', install: 'pipewire (and start it: systemctl --user start pipewire)' };
  };
  const backend = async (): Promise<ReadinessCheck> => {
    const desktop = env.XDG_CURRENT_DESKTOP;
    // Where the frontend reads backends from (XDG_DESKTOP_PORTAL_DIR overrides it, as for the frontend).
    const files = await portalFiles(env.XDG_DESKTOP_PORTAL_DIR || '/usr/share/xdg-desktop-portal/portals');
    const choice = screencastBackend(files, desktop, await firstPortalsConf(portalsConfCandidates(env, homedir())));
    return choice.backend
      ? { label: `ScreenCast backend for ${desktop || 'this desktop'}`, status: 'ok', need: 'advice', detail: `${choice.backend}: ${choice.how}` }
      : {
          label: `ScreenCast backend for ${desktop || 'this desktop (XDG_CURRENT_DESKTOP is not set)'}`,
          status: 'fail',
          need: 'advice',
          detail: choice.how,
          install: backendPackageFor(desktop),
        };
  };
  const portal = async (): Promise<ReadinessCheck> => {
    try {
      return { label: 'screen-cast portal', status: 'ok', need: 'host', detail: describeCapabilities(await liveCapabilities()) };
    } catch (err) {
      return {
        label: 'screen-cast portal',
        status: 'fail',
        need: 'host',
        detail: (err as Error).message.split(';')[0]!.slice(0, 120),
        install: `xdg-desktop-portal and ${backendPackageFor(env.XDG_CURRENT_DESKTOP)}`,
      };
    }
  };
  const access = pipewireAccess();
  const reach: ReadinessCheck =
    access.kind === 'portal-fd'
      ? { label: "Wayland capture: the portal's PipeWire descriptor", status: 'ok', need: 'host', detail: 'usocket' }
      : { label: 'Wayland capture: direct PipeWire connection', status: 'ok', need: 'host', detail: access.why };
  const [p, b, q, elements] = await Promise.all([pipewire(), backend(), portal(), elementReadiness(['pipewiresrc'], 'host', 'captures the wayland screen')]);
  return [p, q, b, reach, ...elements];
}
