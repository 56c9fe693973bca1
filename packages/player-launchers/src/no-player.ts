import type { LaunchedPlayer, PlayerLauncher } from '@pixelpass/core';

/** `--player none`: start nothing; the CLI prints the URL for any player. */
export class NoPlayer implements PlayerLauncher {
  readonly id = 'none';
  async launch(): Promise<LaunchedPlayer> {
    return { pid: undefined, exited: new Promise(() => undefined), stop: async () => undefined };
  }
}
