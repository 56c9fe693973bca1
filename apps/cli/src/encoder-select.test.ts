import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EncoderUnavailable, UsageError, probeThroughCache, type Encoder, type Logger, type ProbeCache, type ProbeResult } from '@pixelpass/core';
import { selectEncoder } from './composition.js';
import { FileProbeCache } from './probe-cache-file.js';

function recordingLog(): Logger & { lines: string[]; debug(m: string): void } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m), debug: (m: string) => void lines.push(m) };
}

/** Encoders whose probe answers are given, cached like the real adapters' (through probeThroughCache). */
function fakeEncoders(answers: Record<string, ProbeResult>, probes: string[] = []): Record<string, (cache: ProbeCache) => Encoder> {
  return Object.fromEntries(
    Object.entries(answers).map(([id, result]) => [
      id,
      (cache: ProbeCache): Encoder => ({
        id,
        probe: async () =>
          (
            await probeThroughCache(cache, id, async () => {
              probes.push(id);
              return { result };
            })
          ).result,
        fragment: () => `${id}enc`,
      }),
    ]),
  );
}

const noGpu = {
  vaapi: { usable: false, reason: 'vah264enc is not registered: no VA render device', provider: 'mesa-va-drivers' },
  nvenc: { usable: false, reason: 'nvh264enc is not registered: no NVIDIA driver is loaded', provider: 'nvidia-driver' },
  x264: { usable: true, detail: 'x264enc, software' },
  openh264: { usable: true, detail: 'openh264enc, software' },
} satisfies Record<string, ProbeResult>;

describe('selectEncoder', () => {
  const dirs: string[] = [];
  const tempCache = async (): Promise<FileProbeCache> => {
    const dir = await mkdtemp(join(tmpdir(), 'pixelpass-probe-'));
    dirs.push(dir);
    return new FileProbeCache({ env: { ...process.env, XDG_CACHE_HOME: dir } });
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('auto without a GPU encoder picks x264 and says once why vaapi and nvenc were skipped', async () => {
    const log = recordingLog();
    const encoder = await selectEncoder('auto', log, await tempCache(), fakeEncoders(noGpu));
    expect(encoder.id).toBe('x264');
    expect(log.lines).toEqual([
      'encoder: x264 (x264enc, software) — vaapi and nvenc cannot be used here; `pixelpass doctor` says why',
      'encoder: x264 (x264enc, software); vaapi skipped: vah264enc is not registered: no VA render device; install mesa-va-drivers; nvenc skipped: nvh264enc is not registered: no NVIDIA driver is loaded; install nvidia-driver',
    ]);
  });

  it('auto with a working GPU encoder takes it and probes nothing after it', async () => {
    const probes: string[] = [];
    const encoder = await selectEncoder('auto', recordingLog(), await tempCache(), fakeEncoders({ ...noGpu, vaapi: { usable: true, detail: 'vah264enc, CBR' } }, probes));
    expect(encoder.id).toBe('vaapi');
    expect(probes).toEqual(['vaapi']);
  });

  it('an encoder asked for by name that cannot work is a runtime error naming why and what to install', async () => {
    const err = await selectEncoder('vaapi', recordingLog(), await tempCache(), fakeEncoders(noGpu)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncoderUnavailable);
    expect((err as EncoderUnavailable).kind).toBe('runtime');
    expect((err as Error).message).toBe('the vaapi encoder cannot be used: vah264enc is not registered: no VA render device; install mesa-va-drivers');
  });

  it('an unknown encoder is a usage error', async () => {
    await expect(selectEncoder('h265', recordingLog(), await tempCache(), fakeEncoders(noGpu))).rejects.toThrow(UsageError);
  });

  it('writes the per-boot cache and answers from it on the next start', async () => {
    const cache = await tempCache();
    const probes: string[] = [];
    await selectEncoder('auto', recordingLog(), cache, fakeEncoders(noGpu, probes));
    const doc = JSON.parse(await readFile(cache.path, 'utf8')) as { key: string; encoders: Record<string, unknown> };
    expect(doc.key).toContain((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
    expect(Object.keys(doc.encoders).sort()).toEqual(['nvenc', 'vaapi', 'x264']);
    await selectEncoder('auto', recordingLog(), cache, fakeEncoders(noGpu, probes));
    expect(probes).toEqual(['vaapi', 'nvenc', 'x264']);
  });

  it('keeps every entry when encoders are probed at once (doctor)', async () => {
    const cache = await tempCache();
    await Promise.all(Object.values(fakeEncoders(noGpu)).map((make) => make(cache).probe()));
    const doc = JSON.parse(await readFile(cache.path, 'utf8')) as { encoders: Record<string, unknown> };
    expect(Object.keys(doc.encoders).sort()).toEqual(['nvenc', 'openh264', 'vaapi', 'x264']);
  });

  it('fresh ignores what is cached but still writes', async () => {
    const cache = await tempCache();
    await cache.put('x264', { result: { usable: false, reason: 'stale' } });
    const fresh = new FileProbeCache({ env: { ...process.env, XDG_CACHE_HOME: join(cache.path, '..', '..') }, fresh: true });
    expect(await fresh.get('x264')).toBeUndefined();
    expect((await selectEncoder('x264', recordingLog(), fresh, fakeEncoders(noGpu))).id).toBe('x264');
    expect(await cache.get('x264')).toEqual({ result: { usable: true, detail: 'x264enc, software' } });
  });
});
