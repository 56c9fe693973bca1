import type { PipelineFragment, VideoGeometry } from './ports/capture.js';
import { RENDITION_PID_BASE } from './rendition-splitter.js';

/** The element a keyframe request is sent to (see MediaControl.requestKeyframe). */
export const KEYUNIT_ELEMENT = 'keyunit';

export interface RenditionEncode {
  readonly fragment: string;
  /** Scale to this size first (lower rungs); undefined: the top size. */
  readonly size?: VideoGeometry | undefined;
  /** Capture size unknown: fit into this box instead (a smaller picture passes through). */
  readonly bound?: VideoGeometry | undefined;
}

/** Sound's bitrate (AAC) unless the settings say otherwise, kbit/s. */
export const SOUND_KBPS = 96;
/** MPEG-TS packet headers, PES headers and PSI over the encoders' bitrates. */
export const TS_OVERHEAD = 1.08;

/** mpegtsmux's pad for rendition r's video: the pad name sets the PID (see RenditionSplitter). */
export const renditionPad = (r: number): string => `sink_${RENDITION_PID_BASE + r}`;
const SOUND_PAD = 'sink_80';

export interface PipelineParts {
  readonly video: PipelineFragment;
  readonly audio?: PipelineFragment | undefined;
  /**
   * One encode per rendition, best first (Encoder port fragments: raw video
   * in, H.264 out), with the size each is scaled to when it is smaller than
   * the top one. One entry: no ladder.
   */
  readonly encoders: readonly RenditionEncode[];
  readonly fps: number;
  /** The video source keeps its own rate: no videorate (see CaptureSession.paced). */
  readonly paced?: boolean | undefined;
  /**
   * Native capture size, when known: odd sizes get cropped to even, large ones
   * scaled. Unknown (Wayland: the portal's size is logical, not pixels): the
   * caps fit whatever arrives, see `fitCaps`.
   */
  readonly geometry?: VideoGeometry | undefined;
  readonly maxWidth?: number | undefined;
  readonly maxHeight?: number | undefined;
  readonly audioBitrateKbps?: number;
}

/** What one gst-launch-1.0 process needs: its description, fds and environment. */
export interface PipelineSpec {
  readonly description: string;
  readonly inheritFds: readonly number[];
  readonly env: Readonly<Record<string, string>>;
}

/** The size a share is sent at: the capture cropped to even, then scaled to the limits. */
export function topSize(geometry: VideoGeometry, maxWidth?: number, maxHeight?: number): VideoGeometry {
  return outputSize({ width: geometry.width - (geometry.width % 2), height: geometry.height - (geometry.height % 2) }, maxWidth, maxHeight);
}

/** Output size: native size scaled down to fit the limits, aspect kept, both even. */
export function outputSize(
  native: VideoGeometry,
  maxWidth?: number,
  maxHeight?: number,
): VideoGeometry {
  const scale = Math.min(
    1,
    maxWidth ? maxWidth / native.width : 1,
    maxHeight ? maxHeight / native.height : 1,
  );
  const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);
  return { width: even(native.width * scale), height: even(native.height * scale) };
}

/** Largest width/height the caps allow when there is no limit. */
const UNLIMITED = 16384;

/**
 * Caps after a videoscale for a source of unknown size: videoscale fixates to
 * the input size when it fits, else to the largest size within the limits that
 * keeps the aspect; the step 2 keeps both sides even (H.264 4:2:0 needs it;
 * x264enc falls back to 4:4:4 on odd sizes). Equal caps make videoscale pass
 * buffers through untouched.
 */
export function fitCaps(maxWidth?: number, maxHeight?: number): string {
  const bound = (n: number | undefined): number => Math.max(2, Math.floor((n ?? UNLIMITED) / 2) * 2);
  return `video/x-raw,width=[2,${bound(maxWidth)},2],height=[2,${bound(maxHeight)},2],pixel-aspect-ratio=1/1`;
}

export function composePipeline(parts: PipelineParts): PipelineSpec {
  const video: string[] = [
    parts.video.launch,
    // Leaky: when the encoder falls behind, drop old frames rather than add latency.
    'queue max-size-buffers=3 max-size-time=0 max-size-bytes=0 leaky=downstream',
  ];
  let caps = `video/x-raw,framerate=${parts.fps}/1`;
  if (parts.geometry) {
    const size = outputSize(parts.geometry, parts.maxWidth, parts.maxHeight);
    const cropRight = parts.geometry.width % 2;
    const cropBottom = parts.geometry.height % 2;
    if (cropRight || cropBottom) video.push(`videocrop right=${cropRight} bottom=${cropBottom}`);
    if (size.width !== parts.geometry.width - cropRight || size.height !== parts.geometry.height - cropBottom) {
      video.push('videoscale');
      caps += `,width=${size.width},height=${size.height},pixel-aspect-ratio=1/1`;
    }
  } else {
    // Without limits videoscale only acts on an odd size: nearest-neighbour then
    // drops one column or row and keeps text sharp, where bilinear would blur
    // the whole picture for a 1-pixel change.
    const limited = parts.maxWidth !== undefined || parts.maxHeight !== undefined;
    video.push(limited ? 'videoscale' : 'videoscale method=nearest-neighbour', fitCaps(parts.maxWidth, parts.maxHeight));
  }
  // videorate (only for sources that are not paced) duplicates frames when a compositor only sends damage, so the
  // stream keeps its rate and joining viewers get frames at once. skip-to-first:
  // when the first frame comes late (a wlroots compositor on a still screen sends
  // none until it changes), start there instead of filling the wait with a burst
  // of copies of it stamped in the past.
  // `keyunit` is where a keyframe is asked for (MediaControl): one point before
  // every encoder, so a forced keyframe lands on the same frame in all of them.
  video.push('videoconvert', ...(parts.paced ? [] : ['videorate skip-to-first=true']), caps, `identity name=${KEYUNIT_ELEMENT} silent=true`);
  const tail = (r: number): string[] => ['h264parse config-interval=-1', 'video/x-h264,stream-format=byte-stream,alignment=au', 'queue', `mux.${renditionPad(r)}`];
  const named = (fragment: string, r: number): string => fragment.replace(/^(\S+)/, `$1 name=venc${r}`);
  const branches: string[] = [];
  if (parts.encoders.length === 1) {
    branches.push([...video, named(parts.encoders[0]!.fragment, 0), ...tail(0)].join(' ! '));
  } else {
    // One capture, one tee, an encode per rung: same frames, same clock, keyframes
    // forced at `keyunit` land on the same frame in every rendition.
    branches.push([...video, 'tee name=renditions'].join(' ! '));
    parts.encoders.forEach((e, r) => {
      const scale = e.size
        ? ['videoscale', `video/x-raw,width=${e.size.width},height=${e.size.height},pixel-aspect-ratio=1/1`]
        : e.bound
          ? ['videoscale', fitCaps(e.bound.width, e.bound.height)]
          : [];
      branches.push(['renditions.', 'queue max-size-buffers=2 max-size-time=0 max-size-bytes=0', ...scale, named(e.fragment, r), ...tail(r)].join(' ! '));
    });
  }
  if (parts.audio) {
    const kbps = parts.audioBitrateKbps ?? SOUND_KBPS;
    branches.push(
      [
        parts.audio.launch,
        'queue max-size-time=200000000 leaky=downstream',
        'audioconvert',
        'audioresample',
        'audio/x-raw,rate=48000,channels=2',
        `avenc_aac bitrate=${kbps * 1000}`,
        'aacparse',
        'queue',
        `mux.${SOUND_PAD}`,
      ].join(' ! '),
    );
  }
  // No `alignment`: packing 7 packets per buffer held each frame's tail back ~80 ms.
  // With sound, the PCR rides on it: one shared clock, whichever video rendition a viewer gets.
  const pcr = parts.audio ? ` prog-map="program_map,PCR_1=(string)${SOUND_PAD}"` : '';
  branches.push(`mpegtsmux name=mux${pcr} ! fdsink fd=1 sync=false`);

  return {
    description: branches.join('  '),
    inheritFds: [...(parts.video.inheritFds ?? []), ...(parts.audio?.inheritFds ?? [])],
    env: { ...parts.video.env, ...parts.audio?.env },
  };
}

/** Elements a composed description uses, for dependency checks and `doctor`. */
export function pipelineElements(description: string): string[] {
  const names = new Set<string>();
  for (const segment of description.split(/!|\s{2,}/)) {
    const first = segment.trim().split(/\s+/)[0] ?? '';
    if (/^[a-z][a-z0-9_-]*$/.test(first) && !first.includes('/')) names.add(first);
  }
  return [...names];
}

/**
 * The GStreamer elements every share needs beyond its capture and encoder
 * elements, for `doctor`: read off a composed pipeline, so the list cannot
 * drift from what composePipeline builds. `audio` is what sound adds.
 */
export function pipelineRequirements(): { readonly video: readonly string[]; readonly audio: readonly string[] } {
  const probe = (audio: boolean): string[] =>
    pipelineElements(
      composePipeline({
        video: { launch: 'capturesrc' },
        ...(audio ? { audio: { launch: 'soundsrc' } } : {}),
        encoders: [{ fragment: 'h264encoder' }, { fragment: 'h264encoder', size: { width: 640, height: 360 } }],
        fps: 30,
        // An odd size above the limit, so the crop and the scaler are in.
        geometry: { width: 1921, height: 1081 },
        maxWidth: 1280,
      }).description,
    ).filter((e) => !['capturesrc', 'soundsrc', 'h264encoder'].includes(e));
  const video = probe(false);
  return { video, audio: probe(true).filter((e) => !video.includes(e)) };
}
