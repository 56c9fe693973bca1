/**
 * Ctrl-C before pixelpass has started anything (Node loading its modules takes
 * a few hundred ms) is a clean stop like any other, exit 0 as documented, not
 * a death by signal (130). Installed first thing; a command that starts
 * something installs its own handlers (Shutdown) and releases these.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const exitNow = (): void => process.exit(0);

export function installEarlyExit(): void {
  for (const s of SIGNALS) process.on(s, exitNow);
}

export function releaseEarlyExit(): void {
  for (const s of SIGNALS) process.off(s, exitNow);
}
