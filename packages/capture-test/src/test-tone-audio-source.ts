import type { AudioSession, AudioSource } from '@pixelpass/core';

/** A live sine tone: the test source's audio. */
export class TestToneAudioSource implements AudioSource {
  readonly id = 'test';

  constructor(private readonly frequencyHz = 440) {}

  async open(): Promise<AudioSession> {
    return {
      audio: { launch: `audiotestsrc is-live=true wave=sine freq=${this.frequencyHz} volume=0.3` },
      description: `test tone ${this.frequencyHz} Hz`,
      close: async () => undefined,
    };
  }
}
