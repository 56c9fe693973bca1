import type { CaptureRequest, CaptureSession, CaptureSource, ReadinessCheck } from '@pixelpass/core';
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

/** A live synthetic screen: `videotestsrc`, for demos, tests and benchmarks. */
export class TestCaptureSource implements CaptureSource {
  readonly id = 'test';
  readonly options: TestPatternOptions;

  constructor(options: Partial<TestPatternOptions> = {}) {
    this.options = { ...DEFAULT_TEST_PATTERN, ...options };
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
