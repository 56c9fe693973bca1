import { access, readdir } from 'node:fs/promises';
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
import {
  NVENC_VARIANTS,
  nvencFragment,
  nvencUnavailable,
  nvencVariantId,
  parseNvencVariantId,
  type NvencVariant,
} from './nvenc-fragment.js';

/** What the machine says about the NVIDIA driver: read only when no variant works, to say why. */
export interface NvidiaHost {
  /** /proc/driver/nvidia/version exists: the proprietary kernel driver is loaded. */
  driverLoaded(): Promise<boolean>;
  /** libnvidia-encode.so.1 is installed. */
  encodeLibrary(): Promise<boolean>;
}

export interface NvencEncoderOptions {
  readonly cache?: ProbeCache;
  /** The GStreamer tools the probe asks; tests pass fakes. */
  readonly gst?: GstCommands;
  /** The NVIDIA driver facts; defaults to this machine's. */
  readonly host?: NvidiaHost;
}

const thisMachine: NvidiaHost = {
  driverLoaded: () => exists('/proc/driver/nvidia/version'),
  encodeLibrary: () => hasLibrary('libnvidia-encode.so.1'),
};

/**
 * NVIDIA NVENC (nvh264enc from nvcodec): for NVIDIA users, whose VA-API driver
 * only decodes. Probed with a real test encode like VA-API.
 */
export class NvencEncoder implements Encoder {
  readonly id = 'nvenc';
  private variant: NvencVariant | undefined;
  private readonly cache: ProbeCache;
  private readonly gst: GstCommands;
  private readonly host: NvidiaHost;

  constructor(options: NvencEncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
    this.gst = options.gst ?? gstCommands;
    this.host = options.host ?? thisMachine;
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
    const features = await this.gst.pluginFeatures('nvcodec');
    if (features === 'timeout') return { result: { usable: false, reason: GST_INSPECT_TIMEOUT_REASON }, transient: true };
    const elements = NVENC_VARIANTS.map((v) => v.element).filter((e, i, all) => all.indexOf(e) === i && (features ?? []).includes(e));
    const search = await findWorkingVariant(
      NVENC_VARIANTS.filter((v) => elements.includes(v.element)),
      (v) => nvencFragment(v, PROBE_SETTINGS),
      this.gst,
    );
    if (search.found) {
      const variant = search.found;
      const tuning = variant.tuning === 'low-latency' ? 'low-latency preset, CBR' : 'driver defaults';
      return { result: { usable: true, detail: `${variant.element}, ${tuning}` }, variant };
    }
    const why = nvencUnavailable({
      nvcodecPlugin: features !== undefined,
      encoderElements: elements,
      nvidiaDriverLoaded: await this.host.driverLoaded(),
      encodeLibrary: await this.host.encodeLibrary(),
      testFailure: search.testFailure,
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
