import { access, constants, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import {
  PipelineFailed,
  gstFailureSummary,
  noProbeCache,
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
    const cached = await this.cache.get(this.id);
    if (cached) {
      const variant = cached.variant ? parseVariantId(cached.variant) : undefined;
      if (!cached.result.usable || variant) {
        this.variant = variant;
        return cached.result;
      }
    }
    const { result, variant } = await this.probeNow();
    this.variant = variant;
    await this.cache.put(this.id, { result, variant: variant && variantId(variant) });
    return result;
  }

  fragment(s: EncodeSettings): string {
    if (!this.variant) throw new PipelineFailed('the VA-API encoder was not probed successfully before use');
    return vaapiFragment(this.variant, s);
  }

  private async probeNow(): Promise<{ result: ProbeResult; variant?: VaapiVariant }> {
    const [va, legacy] = await Promise.all([pluginFeatures('va'), pluginFeatures('vaapi')]);
    const elements = rankVaapiElements([...(va ?? []), ...(legacy ?? [])]);
    let testFailure: VaFacts['testFailure'];
    for (const variant of vaapiVariants(elements)) {
      const outcome = await testEncode(vaapiFragment(variant, PROBE_SETTINGS));
      if (outcome.ok) {
        const rc = variant.rateControl === 'cbr' ? 'CBR' : 'driver rate control';
        const upload = variant.upload === 'postproc' ? 'GPU colour conversion' : 'CPU colour conversion';
        return { result: { usable: true, detail: `${variant.element}, ${rc}, ${upload}` }, variant };
      }
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

/** Feature names of a GStreamer plugin, or undefined when the plugin does not load. */
async function pluginFeatures(plugin: string): Promise<string[] | undefined> {
  const r = await execa('gst-inspect-1.0', [plugin], { reject: false, timeout: 15_000 });
  if (r.exitCode !== 0) return undefined;
  const names: string[] = [];
  for (const line of String(r.stdout).split('\n')) {
    const m = line.match(/^\s+([a-zA-Z0-9_]+):\s/);
    if (m && !/^(Name|Description|Filename|Version|License|Source|Binary|Origin|Documentation)/.test(m[1]!)) names.push(m[1]!);
  }
  return names;
}

async function testEncode(fragment: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const r = await execa('gst-launch-1.0', testEncodeArgs(fragment), {
    reject: false,
    timeout: 15_000,
    encoding: 'buffer',
    stdin: 'ignore',
  });
  const bytes = (r.stdout as Uint8Array | undefined)?.byteLength ?? 0;
  if (r.exitCode === 0 && bytes > 0) return { ok: true };
  const stderr = Buffer.from((r.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');
  if (r.exitCode === 0) return { ok: false, message: 'the encoder produced no output' };
  if (r.timedOut) return { ok: false, message: 'the test encode hung for 15 s' };
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
