import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EncoderUnavailable, UsageError, type Logger } from '@pixelpass/core';
import { ENCODER_ADAPTERS } from './container.js';
import { selectEncoder } from './encoder-select.js';
import { FileProbeCache } from './probe-cache-file.js';

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
}

/** Real adapters, real gst-inspect/gst-launch: this machine has no VA device and no NVIDIA GPU. */
describe('selectEncoder on this machine', () => {
  const dirs: string[] = [];
  const tempCache = async (): Promise<FileProbeCache> => {
    const dir = await mkdtemp(join(tmpdir(), 'pixelpass-probe-'));
    dirs.push(dir);
    return new FileProbeCache({ env: { ...process.env, XDG_CACHE_HOME: dir } });
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('auto picks x264 and says once why vaapi and nvenc were skipped', async () => {
    const log = recordingLog();
    const encoder = await selectEncoder('auto', ENCODER_ADAPTERS, log, await tempCache());
    expect(encoder.id).toBe('x264');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^encoder: x264 \(x264enc, software\); vaapi skipped: vah264enc is not registered: no VA render device .*; nvenc skipped: nvh264enc is not registered/);
  });

  it('--encoder vaapi fails with a runtime error naming element, device and driver packages', async () => {
    const err = await selectEncoder('vaapi', ENCODER_ADAPTERS, recordingLog(), await tempCache()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncoderUnavailable);
    expect((err as EncoderUnavailable).kind).toBe('runtime');
    expect((err as Error).message).toMatch(/^the vaapi encoder cannot be used: vah264enc is not registered: no VA render device \(\/dev\/dri\/renderD\*.*install the VA driver for your GPU \(Intel: intel-media-va-driver-non-free.*AMD: mesa-va-drivers/);
  });

  it('--encoder openh264 works here', async () => {
    expect((await selectEncoder('openh264', ENCODER_ADAPTERS, recordingLog(), await tempCache())).id).toBe('openh264');
  });

  it('an unknown encoder is a usage error', async () => {
    await expect(selectEncoder('h265', ENCODER_ADAPTERS, recordingLog(), await tempCache())).rejects.toThrow(UsageError);
  });

  it('writes the per-boot cache and answers from it on the next start', async () => {
    const cache = await tempCache();
    await selectEncoder('auto', ENCODER_ADAPTERS, recordingLog(), cache);
    const doc = JSON.parse(await readFile(cache.path, 'utf8')) as { key: string; encoders: Record<string, unknown> };
    expect(doc.key).toContain((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
    expect(Object.keys(doc.encoders).sort()).toEqual(['nvenc', 'vaapi', 'x264']);
    expect(await cache.get('x264')).toEqual({ result: { usable: true, detail: 'x264enc, software' } });
  });

  it('keeps every entry when encoders are probed at once (doctor)', async () => {
    const cache = await tempCache();
    await Promise.all(Object.values(ENCODER_ADAPTERS).map((make) => make(cache).probe()));
    const doc = JSON.parse(await readFile(cache.path, 'utf8')) as { encoders: Record<string, unknown> };
    expect(Object.keys(doc.encoders).sort()).toEqual(['nvenc', 'openh264', 'vaapi', 'x264']);
  });

  it('fresh ignores what is cached but still writes', async () => {
    const cache = await tempCache();
    await cache.put('x264', { result: { usable: false, reason: 'stale' } });
    const fresh = new FileProbeCache({ env: { ...process.env, XDG_CACHE_HOME: join(cache.path, '..', '..') }, fresh: true });
    expect(await fresh.get('x264')).toBeUndefined();
    expect((await selectEncoder('x264', ENCODER_ADAPTERS, recordingLog(), fresh)).id).toBe('x264');
    expect(await cache.get('x264')).toEqual({ result: { usable: true, detail: 'x264enc, software' } });
  });
});
