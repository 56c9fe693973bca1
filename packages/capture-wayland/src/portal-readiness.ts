import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { socketAnswers, type ReadinessCheck } from '@pixelpass/core';
import { elementReadiness } from '@pixelpass/gst';
import { describeSourceTypes, type PortalCapabilities } from './portal-protocol.js';
import { pipewireAccess } from './portal-bus.js';

const SCREENCAST_IMPL = 'org.freedesktop.impl.portal.ScreenCast';

export interface PortalFile {
  /** The file's name without `.portal`, e.g. "wlr", "gnome", "kde". */
  readonly name: string;
  readonly text: string;
}

/**
 * The portal backends that serve ScreenCast on this desktop, as
 * xdg-desktop-portal (1.16) picks them: a backend's .portal file lists the
 * interface and has the desktop (XDG_CURRENT_DESKTOP, ':'-separated) in UseIn.
 */
export function screencastBackends(files: readonly PortalFile[], currentDesktop: string | undefined): string[] {
  const desktops = (currentDesktop ?? '').split(':').map((d) => d.trim().toLowerCase()).filter(Boolean);
  return files
    .filter((f) => {
      const field = (key: string): string[] =>
        (new RegExp(`^${key}=(.*)$`, 'm').exec(f.text)?.[1] ?? '').split(';').map((v) => v.trim()).filter(Boolean);
      return field('Interfaces').includes(SCREENCAST_IMPL) && field('UseIn').some((d) => desktops.includes(d.toLowerCase()));
    })
    .map((f) => f.name);
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
  return `ScreenCast v${caps.version}: ${describeSourceTypes(caps.availableSourceTypes)}; ${restore}`;
}

async function portalFiles(dir: string): Promise<PortalFile[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names.filter((n) => n.endsWith('.portal')).map(async (n) => ({ name: n.slice(0, -'.portal'.length), text: await readFile(join(dir, n), 'utf8').catch(() => '') })),
  );
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
    const found = screencastBackends(await portalFiles(env.PIXELPASS_PORTALS_DIR || '/usr/share/xdg-desktop-portal/portals'), desktop);
    return found.length
      ? { label: `ScreenCast backend for ${desktop}`, status: 'ok', need: 'advice', detail: found.join(', ') }
      : {
          label: `ScreenCast backend for ${desktop || 'this desktop (XDG_CURRENT_DESKTOP is not set)'}`,
          status: 'fail',
          need: 'advice',
          detail: 'none installed lists this desktop',
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
