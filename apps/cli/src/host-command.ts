import { Cancelled, redactTicket, UsageError, type Logger } from '@pixelpass/core';
import { ApprovalPrompt, openApprovalInput } from './approval-prompt.js';
import { copyTicket } from './clipboard.js';
import { buildHost, type EndpointIdentity } from './composition.js';
import { describeFileError } from './file-errors.js';
import { formatSummary } from './host-summary.js';
import { HostStatusDisplay } from './host-status.js';
import { HostJsonReport, type EventSink } from './json-events.js';
import { ipv4Port, keptBindAddress, KeptTicketStore, newKeptTicket, type KeptTicket } from './kept-ticket.js';
import type { HostOptions } from './options.js';
import { startPolicyTrace } from './policy-trace.js';
import { fileTargetProblem, removeSecretFile, writeSecretFile } from './secret-file.js';
import type { Shutdown } from './shutdown.js';
import type { TerminalLine } from './terminal-line.js';

export interface CommandUi {
  readonly line: TerminalLine;
  readonly log: Logger & { debug(message: string): void };
  readonly events: EventSink;
}

/** `--keep-ticket` / `--new-ticket`: the kept identity to use this run, if any (and what was done with the old one, said). */
async function ticketIdentity(o: HostOptions, log: Logger): Promise<{ kept: KeptTicket; store: KeptTicketStore } | undefined> {
  if (o.ticketIdentity === 'fresh') return undefined;
  const store = new KeptTicketStore();
  if (o.ticketIdentity === 'forget' || o.ticketIdentity === 'renew') {
    const had = await store.forget();
    if (o.ticketIdentity === 'forget') log.info(had ? `forgot the kept ticket (${store.path}); the old ticket no longer works` : 'there was no kept ticket to forget');
    else if (had) log.info('made a new kept ticket; the old one no longer works');
  }
  if (o.ticketIdentity === 'forget') return undefined;
  const loaded = o.ticketIdentity === 'keep' ? await store.load() : undefined;
  return { kept: loaded ?? newKeptTicket(), store };
}

/**
 * `pixelpass host`, the terminal side: asks (approval), shows (ticket, status
 * line, events), and stops the session on a signal. The session does the work.
 */
export async function runHost(o: HostOptions, ui: CommandUi, shutdown: Shutdown): Promise<void> {
  const { line, log, events } = ui;
  // Bad places for the ticket are said before anything starts.
  if (o.ticketFile) {
    const problem = await fileTargetProblem(o.ticketFile);
    if (problem) throw new UsageError(`--ticket-file ${o.ticketFile}: ${problem}`);
  }
  // Before anything is shared: with --approve and nobody to ask, refuse to start.
  const approval = o.approve ? new ApprovalPrompt(openApprovalInput(), { timeoutMs: 60_000, write: (t) => line.print(t) }) : undefined;
  if (approval) shutdown.add(() => approval.close());
  const keeping = await ticketIdentity(o, log);
  const identity: EndpointIdentity | undefined = keeping && {
    endpointKey: keeping.kept.endpointKey,
    secret: keeping.kept.secret,
    preferBindAddr: keeping.kept.port ? keptBindAddress(o.bindAddr, keeping.kept.port) : undefined,
  };
  const { session, capture, sharing } = await buildHost(o, log, approval ? (s, id) => approval.approve(s, id) : undefined, identity);
  // Added first, so it runs last: after capture stopped and every viewer left.
  shutdown.add(async () => {
    if (!session.endpoint) return; // it never started: nothing to account for
    await new Promise((r) => setTimeout(r, 50)); // let the last writes settle
    for (const l of formatSummary(session.totals(), session.ledger(), process.memoryUsage.rss())) log.debug(l);
  });
  shutdown.add(() => session.close());
  if (sharing) log.info(`sharing ${sharing}`);

  // Going online can take seconds (relay, discovery): say what it waits for.
  const waitLine = 'reaching a relay, so viewers anywhere can connect (up to 5 s; --relay off skips this)…';
  if (o.relay !== false && !line.live) log.info(waitLine);
  line.spin(o.relay !== false ? waitLine : 'starting the endpoint…');
  const ticket = await Promise.race([session.open(), shutdown.requested.then(() => undefined)]).finally(() => line.clear());
  if (ticket === undefined) throw new Cancelled('stopped before the ticket was ready');
  const endpoint = session.endpoint;
  if (endpoint?.relayReached === false) {
    log.warn('no relay answered within 5 s (offline, or a firewall): the ticket has direct addresses only; --relay off starts at once');
  }
  if (keeping) {
    const port = ipv4Port(endpoint?.localAddresses ?? []);
    if (keeping.kept.port && port !== keeping.kept.port) {
      log.warn(`port ${keeping.kept.port} of the kept ticket is taken: its direct addresses no longer reach this host (relays still do)`);
    }
    await keeping.store.save({ ...keeping.kept, port: port ?? keeping.kept.port });
    log.info(`the ticket is kept in ${keeping.store.path}: the same ticket works next run (--new-ticket makes a new one)`);
  }
  if (o.ticketFile) {
    const file = o.ticketFile;
    await writeSecretFile(file, `${ticket}\n`).catch((err: unknown) => {
      throw new UsageError(`cannot write the ticket file ${file}: ${describeFileError(err)}`);
    });
    shutdown.add(() => removeSecretFile(file));
    log.info(`ticket written to ${file}`);
  } else {
    process.stdout.write(`${ticket}\n`);
  }
  events.emit({
    event: 'ticket',
    output: o.ticketFile ? 'file' : 'stdout',
    ...(o.ticketFile ? { file: o.ticketFile } : {}),
    ticket: redactTicket(ticket),
    kept: keeping !== undefined,
    relay: endpoint?.relayReached ?? null,
  });
  if (o.copyTicket) shutdown.add(await copyTicket(ticket, log));
  log.info(`hosting ${capture.id} capture; waiting for viewers (up to ${o.maxViewers})`);
  for (const t of o.publish) log.info(`publishing to ${t.redacted}`);

  shutdown.add(startPolicyTrace(session, process.env.PIXELPASS_POLICY_TRACE, log));
  const status = events.enabled ? new HostJsonReport(session, events, o.maxViewers) : new HostStatusDisplay(session, line, log, { maxViewers: o.maxViewers });
  status.start();
  shutdown.add(() => status.stop());
  const why = await Promise.race([shutdown.requested.then((signal) => `stopped (${signal})`), session.serving.then(() => 'the endpoint closed')]);
  events.emit({ event: 'ended', reason: why });
}
