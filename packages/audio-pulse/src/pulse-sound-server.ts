import { errorMessage, findOnPath, type PlayingApp, type ReadinessCheck, type RepairReport, type SoundServer } from '@pixelpass/core';
import { elementReadiness } from '@pixelpass/gst';
import { Pactl } from './pactl.js';
import { PulseAppList } from './pulse-app-list.js';
import { describeApp } from './pulse-model.js';
import { PulseRepair } from './pulse-repair.js';

/** The PulseAudio / pipewire-pulse server, through pactl: who plays now, repair, and `doctor`. */
export class PulseSoundServer implements SoundServer {
  constructor(
    private readonly pactl: Pactl = new Pactl(),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async playingApps(): Promise<readonly PlayingApp[]> {
    return (await new PulseAppList(this.pactl).list()).map((app) => ({ name: app.name, label: describeApp(app) }));
  }

  repair(): Promise<RepairReport> {
    return new PulseRepair(this.pactl).run();
  }

  /** Sound is advice: a share without it still works. Installed but not running is said as such. */
  async readiness(): Promise<ReadinessCheck[]> {
    const server = async (): Promise<ReadinessCheck> => {
      if (!findOnPath('pactl', this.env)) {
        return { label: 'sound server (pactl)', status: 'fail', need: 'advice', detail: 'needed to share sound', install: 'pulseaudio-utils' };
      }
      try {
        const info = await this.pactl.run(['info']);
        return { label: 'sound server', status: 'ok', need: 'advice', detail: /^Server Name:\s*(.+)$/m.exec(info)?.[1] };
      } catch (err) {
        const installed = ['pipewire-pulse', 'pulseaudio'].find((c) => findOnPath(c, this.env));
        return installed
          ? {
              label: 'sound server',
              status: 'fail',
              need: 'advice',
              detail: `${installed} is installed, not running; needed to share sound`,
              install: `nothing: start it (systemctl --user start ${installed})`,
            }
          : { label: 'sound server', status: 'fail', need: 'advice', detail: `none running (${errorMessage(err).split('\n')[0]}); needed to share sound`, install: 'pipewire-pulse (or pulseaudio)' };
      }
    };
    const [s, elements] = await Promise.all([server(), elementReadiness(['pulsesrc'], 'advice', 'sound')]);
    return [s, ...elements];
  }
}
