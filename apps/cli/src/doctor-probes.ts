import type { ReadinessCheck } from '@pixelpass/core';
import { clipboardProvider, findClipboardTool } from './clipboard.js';
import { CAPTURE_ADAPTERS, ENCODER_ADAPTERS, mediaRunner, PLAYER_ADAPTERS, publisher, soundServer, transportFor, type CaptureKind } from './composition.js';
import { defaultHostOptions } from './flags.js';
import { FileProbeCache } from './probe-cache-file.js';
import { sessionKind } from './session.js';

export interface DoctorOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Ignore cached encoder probes. */
  readonly reprobe?: boolean;
  /** The relays to check, as `--relay` / PIXELPASS_RELAY gives them (n0's by default). */
  readonly relay?: boolean | readonly string[];
}

async function encoders(reprobe: boolean): Promise<ReadinessCheck[]> {
  const cache = new FileProbeCache({ fresh: reprobe });
  return Promise.all(
    Object.entries(ENCODER_ADAPTERS).map(async ([id, make]): Promise<ReadinessCheck> => {
      const probe = await make(cache)
        .probe()
        .catch((err: unknown) => ({ usable: false as const, reason: (err as Error).message, provider: undefined }));
      const anyOf = { group: 'encoder', option: id };
      return probe.usable
        ? { label: `encoder ${id}`, status: 'ok', need: 'host', detail: probe.detail, anyOf }
        : { label: `encoder ${id}`, status: 'fail', need: 'host', detail: probe.reason, install: probe.provider, anyOf };
    }),
  );
}

function clipboard(env: NodeJS.ProcessEnv): ReadinessCheck {
  if (sessionKind(env) === 'none') return { label: 'clipboard: no graphical session, tickets are printed only', status: 'info', need: 'advice' };
  const tool = findClipboardTool(env);
  return { label: 'clipboard tool', status: tool ? 'ok' : 'fail', need: 'advice', detail: tool?.command, install: clipboardProvider(env) };
}

/**
 * Every adapter of this session says what it needs (through its port's
 * `readiness`); the results come back in display order.
 */
export async function runDoctorProbes(o: DoctorOptions = {}): Promise<ReadinessCheck[]> {
  const env = o.env ?? process.env;
  const session = sessionKind(env);
  const host = defaultHostOptions();
  const sources: CaptureKind[] = session === 'wayland' ? ['wayland'] : session === 'x11' ? ['x11'] : ['test'];
  const captures = sources.map((kind) => CAPTURE_ADAPTERS[kind](host).readiness?.() ?? Promise.resolve([]));
  // An X display next to Wayland (XWayland) can be shared as X11 too.
  if (session === 'wayland' && env.DISPLAY) {
    captures.push((CAPTURE_ADAPTERS.x11(host).readiness?.() ?? Promise.resolve([])).then((r) => r.map((c) => ({ ...c, need: 'advice' as const }))));
  }
  const none: ReadinessCheck = { label: 'no graphical session: only the test source can be shared', status: 'info', need: 'advice' };
  const players = (['mpv', 'vlc'] as const).map((id) => PLAYER_ADAPTERS[id]({ playerArgs: [] }).readiness?.() ?? Promise.resolve([]));
  const groups = await Promise.all([
    mediaRunner().readiness?.() ?? [],
    ...captures,
    encoders(o.reprobe ?? false),
    session === 'none' ? [none] : [],
    soundServer().readiness?.() ?? [],
    ...players,
    [clipboard(env)],
    publisher().readiness?.() ?? [],
    transportFor({ relay: o.relay ?? true }).readiness?.() ?? [],
  ]);
  return groups.flat();
}
