import { describe, expect, it } from 'vitest';
import { parseProbeCache, probeCacheKey, probeThroughCache, withCachedProbe } from './encoder-probe.js';

describe('probe cache document', () => {
  const key = probeCacheKey({ bootId: 'b1\n', registryStamp: '123', env: { LIBVA_DRIVER_NAME: 'iHD' } });
  const stored = withCachedProbe(parseProbeCache(undefined, key), 'vaapi', {
    result: { usable: true, detail: 'vah264enc' },
    variant: 'vah264enc|vapostproc|cbr',
  });
  const text = JSON.stringify(stored);
  const cases: Array<[string, string | undefined, string, string[]]> = [
    ['round trip', text, key, ['vaapi']],
    ['another boot', text, probeCacheKey({ bootId: 'b2', registryStamp: '123', env: { LIBVA_DRIVER_NAME: 'iHD' } }), []],
    ['another driver', text, probeCacheKey({ bootId: 'b1', registryStamp: '123', env: {} }), []],
    ['registry rebuilt', text, probeCacheKey({ bootId: 'b1', registryStamp: '124', env: { LIBVA_DRIVER_NAME: 'iHD' } }), []],
    ['garbage', '{not json', key, []],
    ['missing file', undefined, key, []],
    ['malformed entry dropped', JSON.stringify({ version: 1, key, encoders: { x264: { result: { usable: 'yes' } } } }), key, []],
  ];
  it.each(cases)('%s', (_name, input, k, ids) => {
    expect(Object.keys(parseProbeCache(input, k).encoders)).toEqual(ids);
  });
  it('keeps the variant', () => {
    expect(parseProbeCache(text, key).encoders.vaapi?.variant).toBe('vah264enc|vapostproc|cbr');
  });
});

describe('probeThroughCache', () => {
  const usable = { usable: true as const, detail: 'ok' };
  const memory = () => {
    const store = new Map<string, import('./encoder-probe.js').CachedProbe>();
    return { store, cache: { get: async (id: string) => store.get(id), put: async (id: string, p: import('./encoder-probe.js').CachedProbe) => void store.set(id, p) } };
  };
  const codec = { toId: (v: number) => `v${v}`, fromId: (id: string) => (/^v\d+$/.test(id) ? Number(id.slice(1)) : undefined) };

  it('probes once, then serves the cache with the variant', async () => {
    const { cache } = memory();
    let runs = 0;
    const run = async () => (runs++, { result: usable, variant: 7 });
    expect(await probeThroughCache(cache, 'e', run, codec)).toEqual({ result: usable, variant: 7 });
    expect(await probeThroughCache(cache, 'e', run, codec)).toEqual({ result: usable, variant: 7 });
    expect(runs).toBe(1);
  });

  it('does not keep a transient answer', async () => {
    const { cache, store } = memory();
    await probeThroughCache(cache, 'e', async () => ({ result: { usable: false as const, reason: 'timeout' }, transient: true }));
    expect(store.size).toBe(0);
  });

  it('probes again when a cached usable variant no longer parses', async () => {
    const { cache, store } = memory();
    store.set('e', { result: usable, variant: 'old-format' });
    let runs = 0;
    const r = await probeThroughCache(cache, 'e', async () => (runs++, { result: usable, variant: 3 }), codec);
    expect(runs).toBe(1);
    expect(r.variant).toBe(3);
    expect(store.get('e')?.variant).toBe('v3');
  });
});
