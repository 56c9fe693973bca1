/** What the prober found out about VA-API on this machine (gathered by VaapiEncoder). */
export interface RenderNode {
  /** /dev/dri/renderD128 */
  readonly path: string;
  /** PCI vendor id from sysfs, e.g. "0x8086"; undefined when not a PCI device. */
  readonly vendorId?: string | undefined;
  /** Kernel driver bound to the device: i915, xe, amdgpu, radeon, nvidia, nouveau... */
  readonly kernelDriver?: string | undefined;
  readonly accessible: boolean;
}

export interface VaFacts {
  /** The `va` plugin (gstreamer1.0-plugins-bad) loads. */
  readonly vaPlugin: boolean;
  /** H.264 encoder elements registered by va / vaapi. */
  readonly encoderElements: readonly string[];
  readonly renderNodes: readonly RenderNode[];
  /** libva driver names installed (from *_drv_video.so): iHD, i965, radeonsi, nvidia... */
  readonly vaDrivers: readonly string[];
  /** Every variant's test encode failed; the first failure. */
  readonly testFailure?: { readonly element: string; readonly message: string } | undefined;
}

export interface VaUnavailable {
  readonly reason: string;
  readonly provider?: string | undefined;
}

export type GpuVendor = 'intel' | 'amd' | 'nvidia' | 'other';

const INTEL_PACKAGES = 'intel-media-va-driver-non-free or intel-media-va-driver (Broadwell and newer) or i965-va-driver (older Intel GPUs)';
const AMD_PACKAGES = 'mesa-va-drivers';
const NVIDIA_NOTE = "NVIDIA's VA driver (nvidia-vaapi-driver) only decodes; use --encoder nvenc";
const ANY_GPU_PACKAGES = `the VA driver for your GPU (Intel: ${INTEL_PACKAGES}; AMD: ${AMD_PACKAGES}; ${NVIDIA_NOTE})`;

export function vendorOf(node: RenderNode): GpuVendor {
  const id = node.vendorId?.toLowerCase();
  if (id === '0x8086' || node.kernelDriver === 'i915' || node.kernelDriver === 'xe') return 'intel';
  if (id === '0x1002' || id === '0x1022' || node.kernelDriver === 'amdgpu' || node.kernelDriver === 'radeon') return 'amd';
  if (id === '0x10de' || node.kernelDriver === 'nvidia' || node.kernelDriver === 'nouveau') return 'nvidia';
  return 'other';
}

/** libva driver names that can serve a vendor's GPU. */
const VENDOR_VA_DRIVERS: Record<Exclude<GpuVendor, 'other'>, readonly string[]> = {
  intel: ['iHD', 'i965'],
  amd: ['radeonsi', 'r600'],
  nvidia: ['nvidia', 'nouveau'],
};

function name(node: RenderNode): string {
  return node.path.replace(/^\/dev\/dri\//, '');
}

/** Turns the facts into a one-line reason naming what is missing and which package provides it. */
export function vaapiUnavailable(f: VaFacts): VaUnavailable {
  if (f.encoderElements.length > 0 && f.testFailure) {
    const usable = f.renderNodes.find((n) => n.accessible);
    const vendor = usable ? vendorOf(usable) : 'other';
    return {
      reason: `${f.testFailure.element} is registered but a test encode failed (${f.testFailure.message}); the VA driver is broken or not the packaged one`,
      provider: vendor === 'intel' ? INTEL_PACKAGES : vendor === 'amd' ? AMD_PACKAGES : ANY_GPU_PACKAGES,
    };
  }
  if (!f.vaPlugin) {
    return { reason: 'the GStreamer va plugin (vah264enc) is missing', provider: 'gstreamer1.0-plugins-bad' };
  }
  const prefix = 'vah264enc is not registered';
  if (f.renderNodes.length === 0) {
    return {
      reason: `${prefix}: no VA render device (/dev/dri/renderD* does not exist: no GPU, or its kernel driver is not loaded)`,
      provider: ANY_GPU_PACKAGES,
    };
  }
  const accessible = f.renderNodes.filter((n) => n.accessible);
  if (accessible.length === 0) {
    const paths = f.renderNodes.map((n) => n.path).join(', ');
    return {
      reason: `${prefix}: cannot open ${paths} (permission denied); add your user to the "render" group (sudo usermod -aG render $USER) and log in again`,
    };
  }
  const vendors = accessible.map(vendorOf);
  if (vendors.every((v) => v === 'nvidia')) {
    return { reason: `${prefix}: the GPU on ${accessible.map(name).join(', ')} is NVIDIA; ${NVIDIA_NOTE}` };
  }
  for (const node of accessible) {
    const vendor = vendorOf(node);
    if (vendor !== 'intel' && vendor !== 'amd') continue;
    const installed = VENDOR_VA_DRIVERS[vendor].filter((d) => f.vaDrivers.includes(d));
    const packages = vendor === 'intel' ? INTEL_PACKAGES : AMD_PACKAGES;
    const gpu = vendor === 'intel' ? 'Intel' : 'AMD';
    if (installed.length === 0) {
      return { reason: `${prefix}: no VA driver for the ${gpu} GPU on ${name(node)} is installed`, provider: packages };
    }
    const hint =
      vendor === 'intel' && installed.includes('iHD') && !installed.includes('i965')
        ? 'the GPU may lack H.264 encode, or the free intel-media-va-driver build lacks this encoder'
        : 'the GPU may lack H.264 encode, or the driver is too old';
    return {
      reason: `${prefix}: the ${installed.join('/')} VA driver on ${name(node)} offers no H.264 encoder (${hint})`,
      provider: vendor === 'intel' ? 'intel-media-va-driver-non-free' : AMD_PACKAGES,
    };
  }
  const node = accessible[0]!;
  return {
    reason: `${prefix}: the GPU on ${name(node)} (vendor ${node.vendorId ?? 'unknown'}, kernel driver ${node.kernelDriver ?? 'unknown'}) offers no VA H.264 encoder`,
    provider: ANY_GPU_PACKAGES,
  };
}
