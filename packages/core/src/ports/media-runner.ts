import type { Diagnosable } from './readiness.js';
import type { PipelineSpec } from '../pipeline.js';

export interface RunningMedia {
  /** MPEG-TS as it leaves the process, in arbitrary chunk sizes. */
  readonly output: AsyncIterable<Uint8Array>;
  /** Resolves when the process is gone; `reason` is empty on a clean stop. */
  readonly exited: Promise<{ readonly code: number | null; readonly reason: string }>;
  readonly pid: number | undefined;
  /** Ends the process (EOS, then a kill after a grace period). Idempotent. */
  stop(): Promise<void>;
}

/** Runs one composed pipeline as one process. */
export interface MediaRunner extends Partial<Diagnosable> {
  start(spec: PipelineSpec): Promise<RunningMedia>;
}
