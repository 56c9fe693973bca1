import { NotImplementedYet, type EncodeSettings, type Encoder, type ProbeResult } from '@pixelpass/core';

/** VA-API H.264 (vah264enc). Probing and the real fragment land with the encoders issue. */
export class VaapiEncoder implements Encoder {
  readonly id = 'vaapi';
  async probe(): Promise<ProbeResult> {
    return { usable: false, reason: 'VA-API encoding is not implemented yet', provider: 'gstreamer1.0-plugins-bad' };
  }
  fragment(_s: EncodeSettings): string {
    throw new NotImplementedYet('the VA-API encoder is not implemented yet; use --encoder x264');
  }
}
