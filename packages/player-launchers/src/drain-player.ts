import type { LaunchedPlayer, PlayerLauncher } from '@pixelpass/core';

/**
 * `view --record … --player none`: no window, but something must take the
 * stream for the recording to get it. Reads the local URL to its end, like a
 * player would; exits when the stream ends or breaks, so the viewer's restart
 * logic reconnects it, as it does for mpv.
 */
export class DrainPlayer implements PlayerLauncher {
  readonly id = 'none';

  async launch(url: string): Promise<LaunchedPlayer> {
    const abort = new AbortController();
    const exited = (async (): Promise<number | null> => {
      try {
        const res = await fetch(url, { signal: abort.signal });
        if (!res.ok || !res.body) return 1;
        for await (const _chunk of res.body) {
          /* the viewer's recorder has it already */
        }
        return 0;
      } catch {
        return abort.signal.aborted ? null : 1;
      }
    })();
    return {
      pid: undefined,
      exited,
      stop: async () => {
        abort.abort();
        await exited;
      },
    };
  }
}
