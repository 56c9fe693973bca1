import { Pactl } from './pactl.js';
import { playingApps, type PlayingApp } from './pulse-model.js';

/** The applications playing audio right now (`pixelpass app-list`), for picking an `--app` name. */
export class PulseAppList {
  constructor(private readonly pactl: Pactl = new Pactl()) {}

  async list(): Promise<PlayingApp[]> {
    const [sinks, inputs] = await Promise.all([this.pactl.sinks(), this.pactl.sinkInputs()]);
    return playingApps(inputs, sinks);
  }
}
