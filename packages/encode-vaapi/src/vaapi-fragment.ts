import type { EncodeSettings } from '@pixelpass/core';
import { gopFrames } from '@pixelpass/gst';

/**
 * One way to drive a VA encoder. The probe tries these in order and keeps the
 * first whose test encode works: drivers differ in which rate-control modes
 * they offer and whether GPU-side colour conversion negotiates.
 */
export interface VaapiVariant {
  /** vah264enc, vah264lpenc, varenderD129h264enc (second GPU), or legacy vaapih264enc. */
  readonly element: string;
  /** GPU colour conversion + upload before the encoder, or let the encoder upload system memory. */
  readonly upload: 'postproc' | 'none';
  /** cbr keeps the stream inside the asked bitrate; 'driver' leaves the driver's default mode. */
  readonly rateControl: 'cbr' | 'driver';
}

export function isLegacyElement(element: string): boolean {
  return element.startsWith('vaapi');
}

/** The postproc element living on the same device as `element`. */
export function postprocFor(element: string): string {
  if (isLegacyElement(element)) return 'vaapipostproc';
  return element.replace(/h264(lp)?enc$/, 'postproc');
}

/** Elements from the va plugin first (maintained, GStreamer ≥ 1.22), legacy gstreamer-vaapi last. */
export function rankVaapiElements(elements: readonly string[]): string[] {
  const rank = (e: string): number => {
    if (e === 'vah264enc') return 0;
    if (e === 'vah264lpenc') return 1;
    if (/^varenderD\d+h264enc$/.test(e)) return 2;
    if (/^varenderD\d+h264lpenc$/.test(e)) return 3;
    if (e === 'vaapih264enc') return 4;
    return 5;
  };
  return [...elements].filter((e) => rank(e) < 5).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function vaapiVariants(elements: readonly string[]): VaapiVariant[] {
  return rankVaapiElements(elements).flatMap((element): VaapiVariant[] => [
    { element, upload: 'postproc', rateControl: 'cbr' },
    { element, upload: 'none', rateControl: 'cbr' },
    { element, upload: 'none', rateControl: 'driver' },
  ]);
}

export function variantId(v: VaapiVariant): string {
  return `${v.element}|${v.upload}|${v.rateControl}`;
}

export function parseVariantId(id: string): VaapiVariant | undefined {
  const [element, upload, rateControl] = id.split('|');
  if (!element || !/^va[a-zA-Z0-9]*h264(lp)?enc$/.test(element)) return undefined;
  if (upload !== 'postproc' && upload !== 'none') return undefined;
  if (rateControl !== 'cbr' && rateControl !== 'driver') return undefined;
  return { element, upload, rateControl };
}

/**
 * gst-launch fragment: raw video in, H.264 out. Low latency = no B-frames (no
 * reordering delay) and a short IDR interval so joining viewers start fast.
 */
export function vaapiFragment(v: VaapiVariant, s: EncodeSettings): string {
  const keyInt = gopFrames(s.fps, s.keyframeIntervalSec, s.keyframesOnRequestOnly);
  const parts: string[] = [];
  if (isLegacyElement(v.element)) {
    if (v.upload === 'postproc') parts.push('vaapipostproc', 'video/x-raw(memory:VASurface),format=NV12');
    const rc = v.rateControl === 'cbr' ? ' rate-control=cbr' : '';
    parts.push(`${v.element}${rc} bitrate=${s.bitrateKbps} keyframe-period=${keyInt} max-bframes=0`);
  } else {
    if (v.upload === 'postproc') parts.push(postprocFor(v.element), 'video/x-raw(memory:VAMemory),format=NV12');
    const rc = v.rateControl === 'cbr' ? ' rate-control=cbr' : '';
    parts.push(`${v.element}${rc} bitrate=${s.bitrateKbps} key-int-max=${keyInt} b-frames=0`);
  }
  return parts.join(' ! ');
}
