import { access, constants, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
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
import { vaapiUnavailable, type RenderNode, type VaFacts } from './va-diagnosis.js';
import { parseVariantId, rankVaapiElements, vaapiFragment, vaapiVariants, variantId, type VaapiVariant } from './vaapi-fragment.js';

export interface VaapiEncoderOptions {
  readonly cache?: ProbeCache;
  /** Where render nodes live; tests point it elsewhere. */
  readonly driDir?: string;
}

/** Settings used for the test encode; the real run uses the user's. */
const PROBE_SETTINGS: EncodeSettings = { fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 };

/**
 * VA-API H.264 (Intel, AMD): `vah264enc` from the va plugin, legacy
 * `vaapih264enc` as second choice. The probe runs a real test encode because
 * an element can register and still fail to encode (wrong or unpackaged driver).
 */
export class VaapiEncoder implements Encoder {
  readonly id = 'vaapi';
  private variant: VaapiVariant | undefined;
  private readonly cache: ProbeCache;
  private readonly driDir: string;

  constructor(options: VaapiEncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
    this.driDir = options.driDir ?? '/dev/dri';
  }

  async probe(): Promise<ProbeResult> {
    const { result, variant } = await probeThroughCache(this.cache, this.id, () => this.probeNow(), {
      toId: variantId,
      fromId: parseVariantId,
    });
    this.variant = variant;
    return result;
  }

  fragment(s: EncodeSettings): string {
    if (!this.variant) throw new PipelineFailed('the VA-API encoder was not probed successfully before use');
    return vaapiFragment(this.variant, s);
  }

  private async probeNow(): Promise<{ result: ProbeResult; variant?: VaapiVariant; transient?: boolean }> {
    const [va, legacy] = await Promise.all([pluginFeatures('va'), pluginFeatures('vaapi')]);
    if (va === 'timeout' || legacy === 'timeout') {
      return { result: { usable: false, reason: 'gst-inspect-1.0 did not answer within 30 s' }, transient: true };
    }
    const elements = rankVaapiElements([...(va ?? []), ...(legacy ?? [])]);
    let testFailure: VaFacts['testFailure'];
    const hung = new Set<string>();
    for (const variant of vaapiVariants(elements)) {
      // A hang is the driver's, not the variant's: other variants of that element would hang too.
      if (hung.has(variant.element)) continue;
      const outcome = await testEncode(vaapiFragment(variant, PROBE_SETTINGS));
      if (outcome.ok) {
        const rc = variant.rateControl === 'cbr' ? 'CBR' : 'driver rate control';
        const upload = variant.upload === 'postproc' ? 'GPU colour conversion' : 'CPU colour conversion';
        return { result: { usable: true, detail: `${variant.element}, ${rc}, ${upload}` }, variant };
      }
      if (outcome.hung) hung.add(variant.element);
      testFailure ??= { element: variant.element, message: outcome.message };
    }
    const facts: VaFacts = {
      vaPlugin: va !== undefined,
      encoderElements: elements,
      renderNodes: await renderNodes(this.driDir),
      vaDrivers: await installedVaDrivers(),
      testFailure,
    };
    const why = vaapiUnavailable(facts);
    return { result: { usable: false, reason: why.reason, provider: why.provider } };
  }
}

/** Feature names of a GStreamer plugin, undefined when the plugin does not load. */
async function pluginFeatures(plugin: string): Promise<string[] | undefined | 'timeout'> {
  // stdin ignored: with an open stdin pipe, gst-inspect hangs while rebuilding a cold registry.
  const r = await execa('gst-inspect-1.0', [plugin], { reject: false, timeout: 30_000, stdin: 'ignore' });
  if (r.timedOut) return 'timeout';
  if (r.exitCode !== 0) return undefined;
  const names: string[] = [];
  for (const line of String(r.stdout).split('\n')) {
    const m = line.match(/^\s+([a-zA-Z0-9_]+):\s/);
    if (m && !/^(Name|Description|Filename|Version|License|Source|Binary|Origin|Documentation)/.test(m[1]!)) names.push(m[1]!);
  }
  return names;
}

/** Three frames at 320x240 take well under a second on any working driver. */
const TEST_ENCODE_TIMEOUT_MS = 10_000;

async function testEncode(fragment: string): Promise<{ ok: true } | { ok: false; message: string; hung?: boolean }> {
  const r = await execa('gst-launch-1.0', testEncodeArgs(fragment), {
    reject: false,
    timeout: TEST_ENCODE_TIMEOUT_MS,
    encoding: 'buffer',
    stdin: 'ignore',
  });
  const bytes = (r.stdout as Uint8Array | undefined)?.byteLength ?? 0;
  if (r.exitCode === 0 && bytes > 0) return { ok: true };
  if (r.timedOut) return { ok: false, message: `the test encode hung (no end after ${TEST_ENCODE_TIMEOUT_MS / 1000} s)`, hung: true };
  if (r.exitCode === 0) return { ok: false, message: 'the encoder produced no output' };
  const stderr = Buffer.from((r.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');
  return { ok: false, message: gstFailureSummary(stderr, r.exitCode) };
}

async function renderNodes(driDir: string): Promise<RenderNode[]> {
  let entries: string[];
  try {
    entries = (await readdir(driDir)).filter((e) => /^renderD\d+$/.test(e)).sort();
  } catch {
    return [];
  }
  return Promise.all(
    entries.map(async (entry): Promise<RenderNode> => {
      const path = join(driDir, entry);
      const sys = `/sys/class/drm/${entry}/device`;
      const vendorId = await readFile(`${sys}/vendor`, 'utf8').then((t) => t.trim(), () => undefined);
      const kernelDriver = await readlink(`${sys}/driver`).then((l) => basename(l), () => undefined);
      const accessible = await access(path, constants.R_OK | constants.W_OK).then(() => true, () => false);
      return { path, vendorId, kernelDriver, accessible };
    }),
  );
}

/** libva driver names (iHD, radeonsi...) found where libva looks for them. */
async function installedVaDrivers(): Promise<string[]> {
  const dirs = process.env.LIBVA_DRIVERS_PATH
    ? process.env.LIBVA_DRIVERS_PATH.split(':')
    : ['/usr/lib/x86_64-linux-gnu/dri', '/usr/lib/aarch64-linux-gnu/dri', '/usr/lib/i386-linux-gnu/dri', '/usr/lib64/dri', '/usr/lib/dri', '/usr/local/lib/dri'];
  const found = new Set<string>();
  for (const dir of dirs) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const f of files) {
      const m = f.match(/^(.+)_drv_video\.so$/);
      if (m) found.add(m[1]!);
    }
  }
  return [...found].sort();
}
