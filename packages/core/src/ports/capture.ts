import type { Diagnosable } from './readiness.js';
/**
 * A piece of a gst-launch-1.0 description plus what the process needs to run it.
 * Fragments are composed into one pipeline by `composePipeline`.
 */
export interface PipelineFragment {
  /** gst-launch syntax producing raw video (or audio) on its last element's src pad. */
  readonly launch: string;
  /** Open file descriptors the gst-launch process must inherit (e.g. a PipeWire remote). */
  readonly inheritFds?: readonly number[];
  /** Extra environment for the gst-launch process. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface VideoGeometry {
  readonly width: number;
  readonly height: number;
}

export interface CaptureRequest {
  readonly fps: number;
  /** Largest size to send; the pipeline scales down (keeping aspect) above it. */
  readonly maxWidth?: number;
  readonly maxHeight?: number;
}

/** One running capture: the fragment to put into the pipeline and how to end it. */
export interface CaptureSession {
  readonly video: PipelineFragment;
  /** Native size when the source knows it (used for messages and even-size cropping). */
  readonly geometry?: VideoGeometry;
  /**
   * The source itself delivers frames at the asked rate (ximagesrc, videotestsrc),
   * so no videorate is needed; it costs about a frame of latency. Sources that send
   * only on damage (compositors) leave this unset.
   */
  readonly paced?: boolean;
  /** Human description for logs, e.g. "X11 :1 monitor DP-1 1920x1080". */
  readonly description: string;
  /** Resolves when the source ended by itself (window closed, portal session closed). */
  readonly ended?: Promise<string>;
  /**
   * Once the pipeline has produced output, a pause in it longer than this ends the
   * run as "source gone": for sources that resend frames on a still screen
   * (pipewiresrc keepalive-time), silence means the producer went away without
   * saying so (compositor died, shared output removed, portal backend crashed).
   */
  readonly stallTimeoutMs?: number;
  /** Logged once when the pipeline has produced nothing this long after start. */
  readonly firstFrameNotice?: { readonly afterMs: number; readonly message: string };
  /** Releases what the session holds (portal session, fds). Idempotent. */
  close(): Promise<void>;
}

/** One monitor a source can share on its own (a menu offers them). */
export interface ShareMonitor {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly primary: boolean;
}

export interface CaptureSource extends Partial<Diagnosable> {
  /** Short id used on the command line: "test", "x11", "wayland". */
  readonly id: string;
  /**
   * Validates the settings (display reachable, monitor or window exists, portal
   * present) before a ticket is handed out, so bad flags fail at once rather
   * than when the first viewer arrives. Returns a description for the log.
   */
  check?(signal?: AbortSignal): Promise<string>;
  /** The monitors that can be shared one by one, where the source can tell (X11). */
  monitors?(): Promise<readonly ShareMonitor[]>;
  /**
   * Starts capturing (on Wayland: the desktop's share dialog). `signal` cancels
   * it at any step: a pending dialog is closed and whatever was opened released.
   */
  open(request: CaptureRequest, signal: AbortSignal): Promise<CaptureSession>;
}
