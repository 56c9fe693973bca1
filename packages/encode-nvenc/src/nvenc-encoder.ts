import { access, readdir } from 'node:fs/promises';
import { execa } from 'execa';
import {
  PipelineFailed,
  gstFailureSummary,
  noProbeCache,
  probeThroughCache,
  testEncodeArgs,
  type EncodeSettings,
  type Encoder,
  type ProbeCache,
  type ProbeResult,
} from '@pixelpass/core';
import {
  NVENC_VARIANTS,
  nvencFragment,
  nvencUnavailable,
  nvencVariantId,
  parseNvencVariantId,
  type NvencVariant,
} from './nvenc-fragment.js';

export interface NvencEncoderOptions {
  readonly cache?: ProbeCache;
}

const PROBE_SETTINGS: EncodeSettings = { fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 };

/**
 * NVIDIA NVENC (nvh264enc from nvcodec): for NVIDIA users, whose VA-API driver
 * only decodes. Probed with a real test encode like VA-API.
 */
export class NvencEncoder implements Encoder {
  readonly id = 'nvenc';
  private variant: NvencVariant | undefined;
  private readonly cache: ProbeCache;

  constructor(options: NvencEncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
  }

  async probe(): Promise<ProbeResult> {
    const { result, variant } = await probeThroughCache(this.cache, this.id, () => this.probeNow(), {
      toId: nvencVariantId,
      fromId: parseNvencVariantId,
    });
    this.variant = variant;
    return result;
  }

  fragment(s: EncodeSettings): string {
    if (!this.variant) throw new PipelineFailed('the NVENC encoder was not probed successfully before use');
    return nvencFragment(this.variant, s);
  }

  private async probeNow(): Promise<{ result: ProbeResult; variant?: NvencVariant; transient?: boolean }> {
    // stdin ignored: with an open stdin pipe, gst-inspect hangs while rebuilding a cold registry.
    const plugin = await execa('gst-inspect-1.0', ['nvcodec'], { reject: false, timeout: 30_000, stdin: 'ignore' });
    if (plugin.timedOut) return { result: { usable: false, reason: 'gst-inspect-1.0 did not answer within 30 s' }, transient: true };
    const features = plugin.exitCode === 0 ? String(plugin.stdout) : '';
    const elements = NVENC_VARIANTS.map((v) => v.element).filter((e, i, all) => all.indexOf(e) === i && new RegExp(`^\\s+${e}:`, 'm').test(features));
    let testFailure: { element: string; message: string } | undefined;
    const hung = new Set<string>();
    for (const variant of NVENC_VARIANTS.filter((v) => elements.includes(v.element))) {
      // A hang is the driver's, not the variant's: other variants of that element would hang too.
      if (hung.has(variant.element)) continue;
      const outcome = await testEncode(nvencFragment(variant, PROBE_SETTINGS));
      if (outcome.ok) {
        const tuning = variant.tuning === 'low-latency' ? 'low-latency preset, CBR' : 'driver defaults';
        return { result: { usable: true, detail: `${variant.element}, ${tuning}` }, variant };
      }
      if (outcome.hung) hung.add(variant.element);
      testFailure ??= { element: variant.element, message: outcome.message };
    }
    const why = nvencUnavailable({
      nvcodecPlugin: plugin.exitCode === 0,
      encoderElements: elements,
      nvidiaDriverLoaded: await exists('/proc/driver/nvidia/version'),
      encodeLibrary: await hasLibrary('libnvidia-encode.so.1'),
      testFailure,
    });
    return { result: { usable: false, reason: why.reason, provider: why.provider } };
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function hasLibrary(file: string): Promise<boolean> {
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/lib/x86_64-linux-gnu/nvidia/current']) {
    const files = await readdir(dir).catch(() => [] as string[]);
    if (files.includes(file)) return true;
  }
  return false;
}

/** Three frames at 320x240 take well under a second on any working driver. */
const TEST_ENCODE_TIMEOUT_MS = 10_000;

async function testEncode(fragment: string): Promise<{ ok: true } | { ok: false; message: string; hung?: boolean }> {
  const r = await execa('gst-launch-1.0', testEncodeArgs(fragment), { reject: false, timeout: TEST_ENCODE_TIMEOUT_MS, encoding: 'buffer', stdin: 'ignore' });
  const bytes = (r.stdout as Uint8Array | undefined)?.byteLength ?? 0;
  if (r.exitCode === 0 && bytes > 0) return { ok: true };
  if (r.timedOut) return { ok: false, message: `the test encode hung (no end after ${TEST_ENCODE_TIMEOUT_MS / 1000} s)`, hung: true };
  if (r.exitCode === 0) return { ok: false, message: 'the encoder produced no output' };
  return { ok: false, message: gstFailureSummary(Buffer.from((r.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8'), r.exitCode) };
}
