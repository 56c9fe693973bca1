import type { AudioSession, AudioSource } from '@pixelpass/core';
import { Pactl, isUnavailable } from './pactl.js';
import { gstString, ownedName } from './pulse-model.js';

/** System audio: what the default sink plays, from its monitor source. */
export class PulseSystemAudio implements AudioSource {
  readonly id = 'system';

  constructor(private readonly pactl: Pactl = new Pactl()) {}

  async open(): Promise<AudioSession | { readonly unavailable: string }> {
    let sink: string | undefined;
    try {
      sink = (await this.pactl.info()).defaultSink;
    } catch (err) {
      // No sound server or no pactl: the share goes on with video only.
      if (isUnavailable(err)) return { unavailable: err.message };
      throw err;
    }
    if (!sink) return { unavailable: 'the sound server has no default output (sink) to capture' };
    const client = ownedName(process.pid, 'capture');
    return {
      audio: {
        launch: `pulsesrc device=${gstString(`${sink}.monitor`)} client-name=${client} do-timestamp=true`,
        env: this.pactl.env,
      },
      description: `system audio (${sink}.monitor)`,
      close: async () => undefined,
    };
  }
}
