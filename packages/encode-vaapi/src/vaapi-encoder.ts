import { access, constants, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  PipelineFailed,
  noProbeCache,
  probeThroughCache,
  type EncodeSettings,
  type Encoder,
  type ProbeCache,
  type ProbeResult,
} from '@pixelpass/core';
import { GST_INSPECT_TIMEOUT_REASON, PROBE_SETTINGS, findWorkingVariant, gstCommands, type GstCommands } from '@pixelpass/gst';
import { vaapiUnavailable, type RenderNode, type VaFacts } from './va-diagnosis.js';
import { parseVariantId, rankVaapiElements, vaapiFragment, vaapiVariants, variantId, type VaapiVariant } from './vaapi-fragment.js';

/** What the machine says about VA-API besides GStreamer: read only when no variant works, to say why. */
export interface VaHost {
  renderNodes(): Promise<readonly RenderNode[]>;
  /** libva driver names installed (iHD, radeonsi...). */
  vaDrivers(): Promise<readonly string[]>;
}

export interface VaapiEncoderOptions {
  readonly cache?: ProbeCache;
  /** Where render nodes live; tests point it elsewhere. */
  readonly driDir?: string;
  /** The GStreamer tools the probe asks; tests pass fakes. */
  readonly gst?: GstCommands;
  /** Render nodes and VA drivers; defaults to this machine's (render nodes under `driDir`). */
  readonly host?: VaHost;
}

/**
 * VA-API H.264 (Intel, AMD): `vah264enc` from the va plugin, legacy
 * `vaapih264enc` as second choice. The probe runs a real test encode because
 * an element can register and still fail to encode (wrong or unpackaged driver).
 */
export class VaapiEncoder implements Encoder {
  readonly id = 'vaapi';
  private variant: VaapiVariant | undefined;
  private readonly cache: ProbeCache;
  private readonly gst: GstCommands;
  private readonly host: VaHost;

  constructor(options: VaapiEncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
    this.gst = options.gst ?? gstCommands;
    const driDir = options.driDir ?? '/dev/dri';
    this.host = options.host ?? { renderNodes: () => renderNodes(driDir), vaDrivers: installedVaDrivers };
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
    const [va, legacy] = await Promise.all([this.gst.pluginFeatures('va'), this.gst.pluginFeatures('vaapi')]);
    if (va === 'timeout' || legacy === 'timeout') {
      return { result: { usable: false, reason: GST_INSPECT_TIMEOUT_REASON }, transient: true };
    }
    const elements = rankVaapiElements([...(va ?? []), ...(legacy ?? [])]);
    const search = await findWorkingVariant(vaapiVariants(elements), (v) => vaapiFragment(v, PROBE_SETTINGS), this.gst);
    if (search.found) {
      const variant = search.found;
      const rc = variant.rateControl === 'cbr' ? 'CBR' : 'driver rate control';
      const upload = variant.upload === 'postproc' ? 'GPU colour conversion' : 'CPU colour conversion';
      return { result: { usable: true, detail: `${variant.element}, ${rc}, ${upload}` }, variant };
    }
    const facts: VaFacts = {
      vaPlugin: va !== undefined,
      encoderElements: elements,
      renderNodes: await this.host.renderNodes(),
      vaDrivers: await this.host.vaDrivers(),
      testFailure: search.testFailure,
    };
    const why = vaapiUnavailable(facts);
    return { result: { usable: false, reason: why.reason, provider: why.provider } };
  }
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
