import type { PlayingApp, RepairReport, SoundServer } from '@pixelpass/core';
import { PulseAppList } from './pulse-app-list.js';
import { describeApp } from './pulse-model.js';
import { PulseRepair } from './pulse-repair.js';

/** The PulseAudio / pipewire-pulse server, through pactl: who plays now, and repair. */
export class PulseSoundServer implements SoundServer {
  async playingApps(): Promise<readonly PlayingApp[]> {
    return (await new PulseAppList().list()).map((app) => ({ name: app.name, label: describeApp(app) }));
  }

  repair(): Promise<RepairReport> {
    return new PulseRepair().run();
  }
}
