import { execa } from 'execa';
import { MissingDependency, isCommandMissing, type LaunchedPlayer } from '@pixelpass/core';

/**
 * Starts a player in its own process group so that a Ctrl-C meant for pixelpass
 * does not hit it mid-frame; pixelpass still stops it on exit, since its URL
 * dies with the viewer.
 */
export async function launchDetached(
  command: string,
  args: readonly string[],
  provider: string,
  /** Runs once the player is gone (its playlist file is removed). */
  cleanup: () => Promise<void> = async () => undefined,
): Promise<LaunchedPlayer> {
  const child = execa(command, args, { detached: true, stdio: 'ignore', reject: false, cleanup: false });
  const spawned = await Promise.race([
    new Promise<'ok'>((resolve) => child.once('spawn', () => resolve('ok'))),
    child.then((r) => (isCommandMissing(r) ? 'missing' : 'ok')),
  ]);
  if (spawned === 'missing') {
    await cleanup();
    throw new MissingDependency(command, provider);
  }
  const exited = child.then(async (r) => {
    await cleanup();
    return r.exitCode ?? null;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 2000);
    await exited;
    clearTimeout(timer);
  };
  process.once('exit', () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  return { pid: child.pid, exited, stop };
}
