import { UsageError, type CaptureRequest, type CaptureSession, type CaptureSource, type ReadinessCheck } from '@pixelpass/core';
import { elementReadiness } from '@pixelpass/gst';

export interface TestPatternOptions {
  readonly width: number;
  readonly height: number;
  /** videotestsrc pattern name, e.g. "smpte", "ball". */
  readonly pattern: string;
  /** Burn the running time into the frame (for eyeballing latency). */
  readonly timeOverlay: boolean;
}

export const DEFAULT_TEST_PATTERN: TestPatternOptions = {
  width: 1280,
  height: 720,
  pattern: 'smpte',
  timeOverlay: true,
};

/** videotestsrc's `pattern` values (GStreamer 1.22; the enum has only grown); its numbers work too. */
export const VIDEOTESTSRC_PATTERNS = [
  'smpte', 'snow', 'black', 'white', 'red', 'green', 'blue', 'checkers-1', 'checkers-2', 'checkers-4', 'checkers-8',
  'circular', 'blink', 'smpte75', 'zone-plate', 'gamut', 'chroma-zone-plate', 'solid-color', 'ball', 'smpte100',
  'bar', 'pinwheel', 'spokes', 'gradient', 'colors', 'smpte-rp-219',
] as const;

/** A bad name is said at start, not when the first viewer makes gst-launch fail. */
export function checkPattern(pattern: string): void {
  const n = Number(pattern);
  if ((VIDEOTESTSRC_PATTERNS as readonly string[]).includes(pattern)) return;
  if (/^\d+$/.test(pattern) && n < VIDEOTESTSRC_PATTERNS.length) return;
  throw new UsageError(`--test-pattern "${pattern}" is not a test pattern; use one of: ${VIDEOTESTSRC_PATTERNS.join(', ')}`);
}

/** A live synthetic screen: `videotestsrc`, for demos, tests and benchmarks. */
export class TestCaptureSource implements CaptureSource {
  readonly id = 'test';
  readonly options: TestPatternOptions;

  constructor(options: Partial<TestPatternOptions> = {}) {
    this.options = { ...DEFAULT_TEST_PATTERN, ...options };
  }

  async check(): Promise<string> {
    checkPattern(this.options.pattern);
    return `test pattern ${this.options.pattern} ${this.options.width}x${this.options.height}`;
  }

  readiness(): Promise<ReadinessCheck[]> {
    return elementReadiness(['videotestsrc', 'timeoverlay'], 'host', 'the test source');
  }

  async open(request: CaptureRequest): Promise<CaptureSession> {
    const { width, height, pattern, timeOverlay } = this.options;
    const parts = [
      `videotestsrc is-live=true pattern=${pattern}`,
      `video/x-raw,width=${width},height=${height},framerate=${request.fps}/1`,
    ];
    if (timeOverlay) parts.push('timeoverlay font-desc="Sans 24" halignment=right valignment=bottom');
    return {
      video: { launch: parts.join(' ! ') },
      paced: true,
      geometry: { width, height },
      description: `test pattern ${pattern} ${width}x${height}`,
      close: async () => undefined,
    };
  }
}
