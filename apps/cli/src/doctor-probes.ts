import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { execa } from 'execa';
import { elementExists, GST_TOOLS_PACKAGE, packageForElement } from '@pixelpass/media-gst';
import { IrohTransport } from '@pixelpass/transport-iroh';
import { pipewireAccess } from '@pixelpass/capture-wayland';
import { clipboardProvider, findClipboardTool } from './clipboard.js';
import { ENCODER_ADAPTERS } from './composition.js';
import { AUDIO_ELEMENTS, PIPELINE_ELEMENTS, SOURCE_ELEMENTS, xServerAddress, type CheckResult, type Need } from './doctor.js';
import { findOnPath } from './path-lookup.js';
import { checkVlcPlugins, describeMissingPlugins, PLAYERS } from './player-check.js';
import { FileProbeCache } from './probe-cache-file.js';
import { sessionKind } from './session.js';

/** Relays iroh's default (n0) configuration uses; resolving one is our "online" test. */
const N0_RELAYS = ['use1-1.relay.n0.iroh.link', 'euc1-1.relay.n0.iroh.link', 'aps1-1.relay.n0.iroh.link'];

function timeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((r) => (timer = setTimeout(() => r(fallback), ms)))]).finally(() => clearTimeout(timer));
}

async function gstLaunch(): Promise<CheckResult> {
  const r = await execa('gst-launch-1.0', ['--version'], { reject: false, timeout: 10_000 });
  const ok = r.exitCode === 0;
  const version = /GStreamer\s+([\d.]+)/.exec(String(r.stdout))?.[1];
  return { label: 'gst-launch-1.0', status: ok ? 'ok' : 'fail', need: 'host', detail: ok ? `GStreamer ${version ?? '?'}` : undefined, install: GST_TOOLS_PACKAGE };
}

async function element(name: string, need: Need, why?: string): Promise<CheckResult> {
  const present = await elementExists(name).catch(() => false);
  return {
    label: `GStreamer element ${name}`,
    status: present ? 'ok' : 'fail',
    need,
    detail: why,
    install: packageForElement(name),
  };
}

async function encoders(reprobe: boolean): Promise<CheckResult[]> {
  const cache = new FileProbeCache({ fresh: reprobe });
  return Promise.all(
    Object.entries(ENCODER_ADAPTERS).map(async ([id, make]): Promise<CheckResult> => {
      const probe = await make(cache)
        .probe()
        .catch((err: unknown) => ({ usable: false as const, reason: (err as Error).message, provider: undefined }));
      return probe.usable
        ? { label: `encoder ${id}`, status: 'ok', need: 'host', detail: probe.detail, anyOf: { group: 'encoder', option: id } }
        : { label: `encoder ${id}`, status: 'fail', need: 'host', detail: probe.reason, install: probe.provider, anyOf: { group: 'encoder', option: id } };
    }),
  );
}

function socketAnswers(target: { path: string } | { host: string; port: number }, ms = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function xServer(display: string): Promise<CheckResult> {
  const address = xServerAddress(display);
  const up = address ? await socketAnswers(address) : false;
  return { label: `X server on ${display}`, status: up ? 'ok' : 'fail', need: 'host', install: up ? undefined : 'nothing: start the X session, or fix DISPLAY' };
}

async function pipewire(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  // Where libpipewire looks: PIPEWIRE_RUNTIME_DIR, then XDG_RUNTIME_DIR; empty values count as unset.
  const dir = env.PIPEWIRE_RUNTIME_DIR || env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  const remote = env.PIPEWIRE_REMOTE || 'pipewire-0';
  const up = await socketAnswers({ path: remote.startsWith('/') ? remote : `${dir}/${remote}` });
  return { label: 'PipeWire', status: up ? 'ok' : 'fail', need: 'host', install: 'pipewire (and start it: systemctl --user start pipewire)' };
}

async function portal(): Promise<CheckResult> {
  const r = await execa(
    'dbus-send',
    ['--session', '--print-reply', '--reply-timeout=5000', '--dest=org.freedesktop.portal.Desktop', '/org/freedesktop/portal/desktop', 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.portal.ScreenCast', 'string:version'],
    { reject: false, timeout: 10_000 },
  );
  if ((r as { code?: string }).code === 'ENOENT') return { label: 'screen-cast portal', status: 'fail', need: 'host', detail: 'dbus-send missing, cannot ask', install: 'dbus-bin' };
  const version = /uint32\s+(\d+)/.exec(String(r.stdout))?.[1];
  return {
    label: 'screen-cast portal',
    status: r.exitCode === 0 ? 'ok' : 'fail',
    need: 'host',
    detail: r.exitCode === 0 ? `ScreenCast v${version ?? '?'}` : String(r.stderr).split('\n')[0]?.slice(0, 100),
    install: 'xdg-desktop-portal and the backend for your desktop (xdg-desktop-portal-gnome, -kde or -wlr)',
  };
}

/** How a Wayland screen cast reaches PipeWire here: the portal's descriptor (usocket) or a direct connection. */
function waylandPipeWireAccess(): CheckResult {
  const access = pipewireAccess();
  return access.kind === 'portal-fd'
    ? { label: "Wayland capture: the portal's PipeWire descriptor", status: 'ok', need: 'host', detail: 'usocket' }
    : { label: 'Wayland capture: direct PipeWire connection', status: 'ok', need: 'host', detail: access.why };
}

async function soundServer(): Promise<CheckResult> {
  const r = await execa('pactl', ['info'], { reject: false, timeout: 5000 });
  if ((r as { code?: string }).code === 'ENOENT') {
    return { label: 'sound server (pactl)', status: 'fail', need: 'advice', detail: 'needed to share sound', install: 'pulseaudio-utils' };
  }
  const name = /^Server Name:\s*(.+)$/m.exec(String(r.stdout))?.[1];
  return r.exitCode === 0
    ? { label: 'sound server', status: 'ok', need: 'advice', detail: name }
    : { label: 'sound server', status: 'fail', need: 'advice', detail: 'none running; needed to share sound', install: 'pipewire-pulse (or pulseaudio)' };
}

async function players(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const p of PLAYERS) {
    const path = findOnPath(p.command, env);
    out.push({ label: p.label, status: path ? 'ok' : 'fail', need: 'view', detail: path, install: p.provider, anyOf: { group: 'player', option: p.id } });
    if (p.id === 'vlc' && path) {
      const missing = await checkVlcPlugins(env);
      out.push({
        label: 'VLC plugins (MPEG-TS demuxer, FFmpeg decoder)',
        status: missing.length ? 'fail' : 'ok',
        need: 'view',
        detail: missing.length ? describeMissingPlugins(missing).replace(/; install .*/, '') : undefined,
        install: [...new Set(missing.map((m) => m.provider))].join(' '),
        anyOf: { group: 'player', option: 'vlc' },
      });
    }
  }
  return out;
}

function clipboard(env: NodeJS.ProcessEnv): CheckResult {
  if (sessionKind(env) === 'none') return { label: 'clipboard: no graphical session, tickets are printed only', status: 'info', need: 'advice' };
  const tool = findClipboardTool(env);
  return { label: 'clipboard tool', status: tool ? 'ok' : 'fail', need: 'advice', detail: tool?.command, install: clipboardProvider(env) };
}

async function irohBind(): Promise<CheckResult> {
  const started = Date.now();
  const transport = new IrohTransport({ relay: false });
  try {
    const listener = await timeout(transport.listen(), 10_000, undefined);
    if (!listener) return { label: 'iroh endpoint binds', status: 'fail', need: 'both', detail: 'timed out', install: 'nothing: check UDP sockets are allowed' };
    await listener.close();
    return { label: 'iroh endpoint binds', status: 'ok', need: 'both', detail: `${Date.now() - started} ms` };
  } catch (err) {
    return { label: 'iroh endpoint binds', status: 'fail', need: 'both', detail: (err as Error).message, install: 'nothing: check UDP sockets are allowed' };
  } finally {
    await transport.close();
  }
}

/** Online means a relay name resolves; then the relay must answer HTTPS (iroh's own reachability probe path). */
async function relay(): Promise<CheckResult> {
  const resolved = await timeout(
    Promise.any(N0_RELAYS.map((h) => lookup(h).then(() => h))).catch(() => undefined),
    2000,
    undefined,
  );
  if (!resolved) return { label: 'offline: relay not checked', status: 'info', need: 'advice' };
  const started = Date.now();
  const reached = await fetch(`https://${resolved}/ping`, { signal: AbortSignal.timeout(4000) }).then(
    (r) => r.ok,
    () => false,
  );
  return reached
    ? { label: `relay ${resolved} reachable`, status: 'ok', need: 'advice', detail: `${Date.now() - started} ms` }
    : { label: `relay ${resolved} unreachable`, status: 'fail', need: 'advice', detail: 'only direct connections will work', install: 'nothing: allow outgoing HTTPS/UDP' };
}

export interface DoctorOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Ignore cached encoder probes. */
  readonly reprobe?: boolean;
}

/** Runs every probe (concurrently) and returns the results in display order. */
export async function runDoctorProbes(o: DoctorOptions = {}): Promise<CheckResult[]> {
  const env = o.env ?? process.env;
  const session = sessionKind(env);
  const sessionChecks: Array<Promise<CheckResult>> =
    session === 'wayland'
      ? [pipewire(env), portal(), Promise.resolve(waylandPipeWireAccess())]
      : session === 'x11'
        ? [xServer(env.DISPLAY!)]
        : [Promise.resolve<CheckResult>({ label: 'no graphical session: only the test source can be shared', status: 'info', need: 'advice' })];
  // An X display next to Wayland (XWayland) can be shared as X11 too.
  if (session === 'wayland' && env.DISPLAY) sessionChecks.push(xServer(env.DISPLAY).then((r) => ({ ...r, need: 'advice' })));
  const groups = await Promise.all([
    gstLaunch().then((r) => [r]),
    Promise.all([
      ...PIPELINE_ELEMENTS.map((e) => element(e, 'host')),
      ...SOURCE_ELEMENTS[session].map((e) => element(e, 'host', `captures the ${session === 'none' ? 'test source' : session + ' screen'}`)),
      ...AUDIO_ELEMENTS.map((e) => element(e, 'advice', 'sound')),
    ]),
    encoders(o.reprobe ?? false),
    Promise.all(sessionChecks),
    soundServer().then((r) => [r]),
    players(env),
    Promise.resolve([clipboard(env)]),
    irohBind().then((r) => [r]),
    relay().then((r) => [r]),
  ]);
  return groups.flat();
}
