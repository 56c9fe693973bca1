import { PixelpassError, StreamRefused, type Logger, type ViewerEnd } from '@pixelpass/core';
import { buildViewer } from './composition.js';
import type { ViewOptions } from './options.js';
import { TICKET_ENV } from './ticket-input.js';
import type { Shutdown } from './shutdown.js';
import type { TerminalLine } from './terminal-line.js';
import { ViewerStatusDisplay } from './viewer-status.js';

/** The host refused this viewer, or watching could not go on: exit 1 with the host's reason. */
export class ViewingEnded extends PixelpassError {}

/** What the person watching is told when watching ends, and whether that is a failure. */
export function describeViewerEnd(end: ViewerEnd): { readonly line: string | undefined; readonly failure: boolean } {
  switch (end.kind) {
    case 'stopped':
      return { line: undefined, failure: false };
    case 'player-closed':
      return { line: 'the player was closed; stopping', failure: false };
    case 'host-stopped':
      return { line: 'the host stopped sharing', failure: false };
    case 'refused':
      return { line: end.refusal.message, failure: true };
    case 'unreachable':
      return { line: end.message, failure: true };
  }
}

/**
 * `pixelpass view <ticket>`, the terminal side: connects (with a spinner),
 * prints the local URL, shows the status line, and says why watching ended.
 */
export async function runView(o: ViewOptions, ui: { readonly line: TerminalLine; readonly log: Logger }, shutdown: Shutdown): Promise<void> {
  const { line, log } = ui;
  const { session, player } = buildViewer(o, log);
  shutdown.add(() => session.close());
  if (o.ticketWasInArgv) log.warn(`a ticket given as an argument is visible to other users of this machine until pixelpass starts; use \`pixelpass view -\`, --ticket-file or $${TICKET_ENV}`);
  // A player that cannot run here (VLC as root, VLC without its MPEG-TS plugins) is said now, not after it quit.
  const problem = (await player.readiness?.())?.find((c) => c.status === 'fail');
  if (problem) throw new ViewingEnded(`${problem.detail ?? problem.label}${problem.install && !problem.install.startsWith('nothing') ? `; install ${problem.install}` : ''}`);

  line.spin('connecting to the host…');
  const peer = await session.connect().finally(() => line.clear());
  log.info(`connected to host ${peer.shortId} (${peer.path().kind} path)`);
  let host;
  try {
    host = await session.hostInfo();
  } catch (err) {
    // A wrong secret is known before any player starts.
    if (err instanceof StreamRefused) throw new ViewingEnded(err.refusal.message);
    throw err;
  }
  const url = await session.serve();
  process.stdout.write(`${url}\n`);
  if (host) log.info(`watching ${host.name}'s screen`);
  const status = new ViewerStatusDisplay(session, line, log);
  status.start();
  shutdown.add(() => status.stop());
  const end = await session.watch(url, `pixelpass — ${host?.name ?? peer.shortId}`, shutdown.signal);
  status.stop();
  const told = describeViewerEnd(end);
  if (told.failure) throw new ViewingEnded(told.line!);
  if (told.line) log.info(told.line);
}
