import { Cancelled, errorMessage, UsageError, type Logger } from '@pixelpass/core';
import { ApprovalPrompt, openApprovalInput } from './approval-prompt.js';
import { copyTicket } from './clipboard.js';
import { buildHost } from './composition.js';
import { formatSummary } from './host-summary.js';
import { HostStatusDisplay } from './host-status.js';
import type { HostOptions } from './options.js';
import { startPolicyTrace } from './policy-trace.js';
import { removeSecretFile, writeSecretFile } from './secret-file.js';
import type { Shutdown } from './shutdown.js';
import type { TerminalLine } from './terminal-line.js';

/**
 * `pixelpass host`, the terminal side: asks (approval), shows (ticket, status
 * line, events), and stops the session on a signal. The session does the work.
 */
export async function runHost(
  o: HostOptions,
  ui: { readonly line: TerminalLine; readonly log: Logger & { debug(message: string): void } },
  shutdown: Shutdown,
): Promise<void> {
  const { line, log } = ui;
  // Before anything is shared: with --approve and nobody to ask, refuse to start.
  const approval = o.approve ? new ApprovalPrompt(openApprovalInput(), { timeoutMs: 60_000, write: (t) => line.print(t) }) : undefined;
  if (approval) shutdown.add(() => approval.close());
  const { session, capture, sharing } = await buildHost(o, log, approval ? (s, id) => approval.approve(s, id) : undefined);
  // Added first, so it runs last: after capture stopped and every viewer left.
  shutdown.add(async () => {
    await new Promise((r) => setTimeout(r, 50)); // let the last writes settle
    for (const l of formatSummary(session.totals(), session.ledger(), process.memoryUsage.rss())) log.debug(l);
  });
  shutdown.add(() => session.close());
  if (sharing) log.info(`sharing ${sharing}`);

  // Going online can take seconds (relay, discovery): show that something happens.
  line.spin(o.relay ? 'bringing the endpoint online (relays: up to 5 s)…' : 'starting the endpoint…');
  const ticket = await Promise.race([session.open(), shutdown.requested.then(() => undefined)]).finally(() => line.clear());
  if (ticket === undefined) throw new Cancelled('stopped before the ticket was ready');
  if (o.ticketFile) {
    const file = o.ticketFile;
    await writeSecretFile(file, `${ticket}\n`).catch((err: unknown) => {
      throw new UsageError(`cannot write the ticket file ${file}: ${errorMessage(err)}`);
    });
    shutdown.add(() => removeSecretFile(file));
    log.info(`ticket written to ${file}`);
  } else {
    process.stdout.write(`${ticket}\n`);
  }
  if (o.copyTicket) shutdown.add(await copyTicket(ticket, log));
  log.info(`hosting ${capture.id} capture; waiting for viewers (up to ${o.maxViewers})`);
  for (const t of o.publish) log.info(`publishing to ${t.redacted}`);

  shutdown.add(startPolicyTrace(session, process.env.PIXELPASS_POLICY_TRACE, log));
  const status = new HostStatusDisplay(session, line, log, { maxViewers: o.maxViewers });
  status.start();
  shutdown.add(() => status.stop());
  await Promise.race([shutdown.requested, session.serving]);
}
