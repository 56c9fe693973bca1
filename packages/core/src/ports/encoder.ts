export interface EncodeSettings {
  readonly fps: number;
  /** Target video bitrate in kbit/s. */
  readonly bitrateKbps: number;
  /** Keyframe interval in seconds; short so that joining viewers start fast. */
  readonly keyframeIntervalSec: number;
  /**
   * Keyframes only when asked for (the media process forces them, on the same
   * frame in every rendition of a ladder): the encoder makes none of its own,
   * not at an interval nor at a scene change, or renditions would not align.
   */
  readonly keyframesOnRequestOnly?: boolean;
}

export type ProbeResult =
  | { readonly usable: true; readonly detail: string }
  | { readonly usable: false; readonly reason: string; readonly provider?: string };

export interface Encoder {
  /** "x264", "vaapi", "nvenc", "openh264". */
  readonly id: string;
  /** Checks the element exists and can encode here; may run a one-frame test encode. */
  probe(): Promise<ProbeResult>;
  /**
   * gst-launch fragment taking raw video (any format `videoconvert` produces)
   * and producing H.264 byte-stream. The pipeline adds `h264parse` after it.
   */
  fragment(settings: EncodeSettings): string;
}
