/**
 * The process's signal handlers, installed first thing and never removed.
 * Ctrl-C before pixelpass has started anything (Node loading its modules takes
 * a few hundred ms) is a clean stop, exit 0 as documented, not a death by
 * signal (130); once a command has started something, its Shutdown takes the
 * signals. Never swapping the listeners matters: removing Node's last listener
 * drops a signal that arrived but was not yet dispatched.
 */
export type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const SIGNALS: readonly SignalName[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let delegate: ((signal: SignalName) => void) | undefined;

export function installSignalHandlers(): void {
  for (const s of SIGNALS) process.on(s, () => (delegate ? delegate(s) : process.exit(0)));
}

/** From now on signals go to `handler` (a command's Shutdown). */
export function takeSignals(handler: (signal: SignalName) => void): void {
  delegate = handler;
}
