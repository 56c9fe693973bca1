import type { ProbeResult } from './ports/encoder.js';

/** A probe result as kept between runs, with the adapter's settled variant (e.g. which element). */
export interface CachedProbe {
  readonly result: ProbeResult;
  readonly variant?: string | undefined;
}

/** Where probe results live between runs; the CLI backs it with a per-boot file. */
export interface ProbeCache {
  get(encoderId: string): Promise<CachedProbe | undefined>;
  put(encoderId: string, probe: CachedProbe): Promise<void>;
}

export const noProbeCache: ProbeCache = {
  get: async () => undefined,
  put: async () => {},
};

/** What an adapter's own probe found; `transient` answers (timeouts) are not kept. */
export interface FreshProbe<V> {
  readonly result: ProbeResult;
  readonly variant?: V | undefined;
  readonly transient?: boolean | undefined;
}

/** How an adapter names its variants in the cache. */
export interface VariantCodec<V> {
  toId(variant: V): string;
  fromId(id: string): V | undefined;
}

/**
 * Serves a probe from the per-boot cache, or runs it and keeps the answer. A
 * cached "usable" whose variant no longer parses (the adapter changed) is probed again.
 */
export async function probeThroughCache<V>(
  cache: ProbeCache,
  encoderId: string,
  run: () => Promise<FreshProbe<V>>,
  codec?: VariantCodec<V>,
): Promise<{ result: ProbeResult; variant?: V | undefined }> {
  const cached = await cache.get(encoderId);
  if (cached) {
    if (!codec) return { result: cached.result };
    const variant = cached.variant ? codec.fromId(cached.variant) : undefined;
    if (!cached.result.usable || variant) return { result: cached.result, variant };
  }
  const fresh = await run();
  // A timeout says nothing about this boot's hardware (e.g. a cold GStreamer registry): do not keep it.
  if (!fresh.transient) {
    await cache.put(encoderId, { result: fresh.result, variant: fresh.variant && codec?.toId(fresh.variant) });
  }
  return { result: fresh.result, variant: fresh.variant };
}

export interface ProbeCacheDocument {
  readonly version: 1;
  readonly key: string;
  readonly encoders: Readonly<Record<string, CachedProbe>>;
}

/** Inputs that change what an encoder probe would say without a reboot. */
export interface ProbeCacheKeyParts {
  readonly bootId: string;
  /** mtime of GStreamer's registry: it is rebuilt when plugins or (for va) drivers change. */
  readonly registryStamp: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Environment variables that pick a VA driver or device and so change a probe. */
export const PROBE_ENV_VARS: readonly string[] = ['LIBVA_DRIVER_NAME', 'LIBVA_DRIVERS_PATH', 'GST_VA_ALL_DRIVERS', 'GST_VAAPI_ALL_DRIVERS', 'GST_PLUGIN_PATH', 'CUDA_VISIBLE_DEVICES'];

export function probeCacheKey(parts: ProbeCacheKeyParts): string {
  const env = PROBE_ENV_VARS.map((k) => `${k}=${parts.env[k] ?? ''}`).join(';');
  return `${parts.bootId.trim()}|${parts.registryStamp}|${env}`;
}

function isProbeResult(v: unknown): v is ProbeResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  if (r.usable === true) return typeof r.detail === 'string';
  if (r.usable === false) return typeof r.reason === 'string' && (r.provider === undefined || typeof r.provider === 'string');
  return false;
}

/** Parses a cache file; anything stale, foreign or malformed gives an empty document for `key`. */
export function parseProbeCache(text: string | undefined, key: string): ProbeCacheDocument {
  const empty: ProbeCacheDocument = { version: 1, key, encoders: {} };
  if (!text) return empty;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return empty;
  }
  if (typeof raw !== 'object' || raw === null) return empty;
  const doc = raw as Record<string, unknown>;
  if (doc.version !== 1 || doc.key !== key || typeof doc.encoders !== 'object' || doc.encoders === null) return empty;
  const encoders: Record<string, CachedProbe> = {};
  for (const [id, entry] of Object.entries(doc.encoders as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    if (!isProbeResult(e.result)) continue;
    if (e.variant !== undefined && typeof e.variant !== 'string') continue;
    encoders[id] = { result: e.result, variant: e.variant };
  }
  return { version: 1, key, encoders };
}

export function withCachedProbe(doc: ProbeCacheDocument, id: string, probe: CachedProbe): ProbeCacheDocument {
  return { ...doc, encoders: { ...doc.encoders, [id]: probe } };
}
