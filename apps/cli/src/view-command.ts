import { inject, injectable } from 'tsyringe';
import {
  LocalStreamServer,
  LOGGER,
  parseTicket,
  PLAYER_LAUNCHER,
  TRANSPORT,
  tunnelRequest,
  ViewerLink,
  type Logger,
  type PlayerLauncher,
  type Transport,
} from '@pixelpass/core';
import { LiveLine } from './live-line.js';
import type { ViewOptions } from './options.js';
import { checkVlcPlugins, describeMissingPlugins } from './player-check.js';
import { ViewerStatusDisplay } from './viewer-status-display.js';
import type { Shutdown } from './shutdown.js';

/** `pixelpass view <ticket>`: connects, serves a local URL for players, launches one. */
@injectable()
export class ViewCommand {
  constructor(
    @inject(TRANSPORT) private readonly transport: Transport,
    @inject(PLAYER_LAUNCHER) private readonly player: PlayerLauncher,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  async run(o: ViewOptions, shutdown: Shutdown): Promise<void> {
    const ticket = parseTicket(o.ticket);
    this.transport.validateAddress(ticket.address);
    // Logs go above a live status line on a terminal; plain lines elsewhere.
    const live = new LiveLine(this.log);
    shutdown.add(() => live.clear());
    const link = new ViewerLink(this.transport, ticket.address, live);
    shutdown.add(() => link.close());
    live.spin('connecting to the host…');
    const connection = await link.connect();
    live.clear();
    this.log.info(`connected to host ${connection.peer.shortId} (${connection.peer.path().kind} path)`);

    const server = new LocalStreamServer({
      openUpstream: () => link.openStream(),
      upstreamRequest: tunnelRequest(ticket.secret),
      log: live,
    });
    const url = await server.listen();
    shutdown.add(() => server.close());
    shutdown.add(() =>
      this.log.info(
        `summary received=${server.stats.bytesReceived} streams=${server.stats.streamsOpened} reconnects=${link.reconnects}`,
      ),
    );
    process.stdout.write(`${url}\n`);
    const status = new ViewerStatusDisplay(live, link, server);
    status.start();
    shutdown.add(() => status.stop());

    if (this.player.id === 'vlc') {
      const missing = await checkVlcPlugins();
      if (missing.length) live.warn(`${describeMissingPlugins(missing)}; VLC may show nothing`);
    }

    const host = await link.hostInfo(ticket.secret);
    if (host) this.log.info(`watching ${host.name}`);
    const title = `pixelpass — ${host?.name ?? connection.peer.shortId}`;
    let restarts = 0;
    for (;;) {
      const launched = await this.player.launch(url, { title });
      const started = Date.now();
      shutdown.add(() => launched.stop());
      if (this.player.id !== 'none' && restarts === 0) {
        this.log.info(`${this.player.id} started; close it or press Ctrl-C to stop`);
      }
      const why = await Promise.race([shutdown.requested, launched.exited.then(() => 'player closed')]);
      if (why !== 'player closed') return;
      const restart = shouldRestartPlayer(server.lastEnd, Date.now(), Date.now() - started, restarts);
      if (!restart) {
        this.log.info('the player was closed; stopping');
        return;
      }
      restarts = Date.now() - started > 30_000 ? 1 : restarts + 1;
      this.log.warn(`the stream ${server.lastEnd?.kind === 'host-ended' ? 'ended' : 'broke'}; starting ${this.player.id} again`);
    }
  }
}

/**
 * A player that quits right after its stream ended or broke did not choose to
 * quit: start it again (the link redials with backoff), a bounded number of times
 * in a row. A player the user closed, or one the host cannot be reached for, stays closed.
 */
export function shouldRestartPlayer(
  lastEnd: { readonly kind: string; readonly at: number } | undefined,
  now: number,
  ranForMs: number,
  restartsInARow: number,
): boolean {
  if (!lastEnd || (lastEnd.kind !== 'broken' && lastEnd.kind !== 'host-ended')) return false;
  if (now - lastEnd.at > 5000) return false;
  if (ranForMs < 1000 && restartsInARow >= 3) return false;
  return restartsInARow < 10;
}
