import type { FreshProbe } from '@pixelpass/core';
import { gstCommands, type GstCommands } from './gst-commands.js';
import { GST_INSPECT_TIMEOUT_REASON } from './gst-inspect.js';
import { GST_TOOLS_PACKAGE } from './gst-packages.js';

/** A software encoder's test encode is cheap (tens of ms); 30 s only trips on a stalled system. */
export const SOFTWARE_TEST_ENCODE_TIMEOUT_MS = 30_000;

/** Three frames at 320x240 take well under a second on any working driver. */
export const HARDWARE_TEST_ENCODE_TIMEOUT_MS = 10_000;

export interface SoftwareEncoderSpec {
  /** The GStreamer element, e.g. "x264enc". */
  readonly element: string;
  /** The Debian package that provides it, named when it is missing. */
  readonly provider: string;
  /** The adapter's fragment at PROBE_SETTINGS. */
  readonly fragment: string;
}

/**
 * Probe for a software encoder: the element exists, and a test encode of the
 * adapter's own fragment works (catches a broken library or a property the
 * installed version rejects). Timeouts are transient: not kept in the cache.
 */
export async function probeSoftwareEncoder(spec: SoftwareEncoderSpec, gst: GstCommands = gstCommands): Promise<FreshProbe<never>> {
  const presence = await gst.inspectElement(spec.element);
  if (presence === 'timeout') {
    return { result: { usable: false, reason: GST_INSPECT_TIMEOUT_REASON }, transient: true };
  }
  if (presence === 'no-gst-inspect') {
    return { result: { usable: false, reason: 'gst-inspect-1.0 is missing', provider: GST_TOOLS_PACKAGE }, transient: false };
  }
  if (presence === 'absent') {
    return { result: { usable: false, reason: `GStreamer element ${spec.element} not found`, provider: spec.provider }, transient: false };
  }
  const outcome = await gst.testEncode(spec.fragment, { timeoutMs: SOFTWARE_TEST_ENCODE_TIMEOUT_MS });
  if (outcome.ok) return { result: { usable: true, detail: `${spec.element}, software` }, transient: false };
  if (outcome.hung) {
    return {
      result: { usable: false, reason: `${spec.element} test encode did not finish within ${SOFTWARE_TEST_ENCODE_TIMEOUT_MS / 1000} s` },
      transient: true,
    };
  }
  const why = outcome.noOutput ? 'no output' : outcome.message;
  return { result: { usable: false, reason: `${spec.element} test encode failed (${why})` }, transient: false };
}

export interface TestFailure {
  readonly element: string;
  readonly message: string;
}

export type VariantSearch<V> = { readonly found: V } | { readonly found?: undefined; readonly testFailure: TestFailure | undefined };

/**
 * Test-encodes each variant in order and returns the first that works, or the
 * first failure. A hang is the driver's, not the variant's: once an element
 * hangs, its other variants are skipped (they would hang too).
 */
export async function findWorkingVariant<V extends { readonly element: string }>(
  variants: readonly V[],
  fragment: (variant: V) => string,
  gst: GstCommands = gstCommands,
): Promise<VariantSearch<V>> {
  let testFailure: TestFailure | undefined;
  const hung = new Set<string>();
  for (const variant of variants) {
    if (hung.has(variant.element)) continue;
    const outcome = await gst.testEncode(fragment(variant), { timeoutMs: HARDWARE_TEST_ENCODE_TIMEOUT_MS });
    if (outcome.ok) return { found: variant };
    if (outcome.hung) hung.add(variant.element);
    testFailure ??= { element: variant.element, message: outcome.message };
  }
  return { testFailure };
}
