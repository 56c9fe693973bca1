import type { AudioSource } from '@pixelpass/core';

/** System audio (the default sink's monitor). Lands with the audio issue. */
export class PulseSystemAudio implements AudioSource {
  readonly id = 'system';
  async open() {
    return { unavailable: 'system audio capture is not implemented yet' } as const;
  }
}
