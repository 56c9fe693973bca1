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

    const launched = await this.player.launch(url, { title: `pixelpass — ${connection.peer.shortId}` });
    shutdown.add(() => launched.stop());
    if (this.player.id !== 'none') this.log.info(`${this.player.id} started; close it or press Ctrl-C to stop`);
    const playerClosed = launched.exited.then(() => 'player closed');
    const why = await Promise.race([shutdown.requested, playerClosed]);
    if (why === 'player closed') this.log.info('the player was closed; stopping');
  }
}
