import {
  PixelpassError,
  redactTicket,
  refusalIsFinal,
  StreamRecorder,
  StreamRefused,
  TransportFailed,
  type Refusal,
  type ViewerEnd,
} from '@pixelpass/core';
import { buildViewer, CONNECT_TIMEOUT_MS } from './composition.js';
import type { CommandUi } from './host-command.js';
import { pathFields, refusalJson, viewerSnapshotJson } from './json-events.js';
import type { ViewOptions } from './options.js';
import { openRecordingFile } from './recording-file.js';
import { TICKET_ENV } from './ticket-input.js';
import type { Shutdown } from './shutdown.js';
import { ViewerStatusDisplay } from './viewer-status.js';

/** The host refused this viewer, or watching could not go on: exit 1 with the host's reason. */
export class ViewingEnded extends PixelpassError {}

/** The line for a refusal: a wrong secret names the ticket (the public part) and says what to do. */
export function refusalLine(refusal: Refusal, ticket: string): string {
  if (refusal.code === 'wrong-ticket') {
    return `the ticket ${redactTicket(ticket)} is not valid for this host (wrong secret): ask the host for its current ticket`;
  }
  return refusal.message;
}

/** What the person watching is told when watching ends, and whether that is a failure. */
export function describeViewerEnd(end: ViewerEnd, ticket = ''): { readonly line: string | undefined; readonly failure: boolean } {
  switch (end.kind) {
    case 'stopped':
      return { line: undefined, failure: false };
    case 'player-closed':
      return { line: 'the player was closed; stopping', failure: false };
    case 'host-stopped':
      return { line: 'the host stopped sharing', failure: false };
    case 'refused':
      return { line: refusalLine(end.refusal, ticket), failure: true };
    case 'unreachable':
      return { line: end.message, failure: true };
  }
}

/**
 * While the first connection is tried: after a few seconds without an answer,
 * say so once (nothing may be there), then count down to giving up.
 */
export function connectProgress(elapsedMs: number, timeoutMs: number): { readonly spinner: string; readonly notice: boolean } {
  const left = Math.max(0, Math.ceil((timeoutMs - elapsedMs) / 1000));
  if (elapsedMs < 3000) return { spinner: 'connecting to the host…', notice: false };
  return { spinner: `connecting to the host… no answer yet; giving up in ${left} s`, notice: true };
}

export const NO_ANSWER_NOTICE = 'no answer from the host yet: it may have stopped sharing (an old ticket), or be offline; still trying';

export function noAnswerLine(timeoutMs: number): string {
  return `nothing answered for ${Math.round(timeoutMs / 1000)} s: the host has stopped sharing (an old ticket?), is offline, or cannot be reached from here`;
}

/**
 * `pixelpass view <ticket>`, the terminal side: connects (with a countdown),
 * prints the local URL, shows the status line, and says why watching ended.
 */
export async function runView(o: ViewOptions, ui: CommandUi, shutdown: Shutdown): Promise<void> {
  const { line, log, events } = ui;
  const recorder = o.record ? new StreamRecorder(await openRecordingFile(o.record)) : undefined;
  const { session, player } = buildViewer(o, log, recorder);
  shutdown.add(() => session.close());
  if (o.ticketWasInArgv) log.warn(`a ticket given as an argument is visible to other users of this machine until pixelpass starts; use \`pixelpass view -\`, --ticket-file or $${TICKET_ENV}`);
  // A player that cannot run here (VLC as root, VLC without its MPEG-TS plugins) is said now, not after it quit.
  const problem = (await player.readiness?.())?.find((c) => c.status === 'fail');
  if (problem) throw new ViewingEnded(`${problem.detail ?? problem.label}${problem.install && !problem.install.startsWith('nothing') ? `; install ${problem.install}` : ''}`);

  const started = Date.now();
  let noticed = false;
  const progress = (): void => {
    const p = connectProgress(Date.now() - started, CONNECT_TIMEOUT_MS);
    line.spin(p.spinner);
    if (p.notice && !noticed) {
      noticed = true;
      log.info(NO_ANSWER_NOTICE);
      events.emit({ event: 'no-answer-yet', givingUpInSec: Math.round((CONNECT_TIMEOUT_MS - (Date.now() - started)) / 1000) });
    }
  };
  progress();
  const ticker = setInterval(progress, 1000);
  const peer = await Promise.race([session.connect(), shutdown.requested.then(() => undefined)])
    .catch((err: unknown) => {
      // The dial gave up: a dead ticket, said in words.
      if (err instanceof TransportFailed && Date.now() - started >= CONNECT_TIMEOUT_MS - 1000) throw new ViewingEnded(noAnswerLine(CONNECT_TIMEOUT_MS));
      throw err;
    })
    .finally(() => {
      clearInterval(ticker);
      line.clear();
    });
  if (peer === undefined) return;
  log.info(`connected to host ${peer.shortId} (${peer.path().kind} path)`);
  events.emit({ event: 'connected', host: peer.shortId, ...pathFields(peer.path()) });
  let host;
  try {
    host = await session.hostInfo();
  } catch (err) {
    // A wrong secret is known before any player starts.
    if (err instanceof StreamRefused) {
      events.emit(refusalJson(err.refusal));
      throw new ViewingEnded(refusalLine(err.refusal, o.ticket));
    }
    throw err;
  }
  session.on('approval-pending', () => events.emit({ event: 'approval-pending' }));
  session.on('refused', (refusal) => {
    events.emit(refusalJson(refusal));
    // Without a player nothing else would say it; with one, watching ends with this line.
    if (o.player === 'none' && !o.record && !refusalIsFinal(refusal)) log.warn(`a player was turned away: ${refusal.message}`);
  });
  session.on('player-started', (id) => events.emit({ event: 'player-started', player: id }));
  const url = await session.serve();
  process.stdout.write(`${url}\n`);
  if (host) log.info(`watching ${host.name}'s screen`);
  events.emit({ event: 'watching', ...(host ? { name: host.name } : {}), url: 'stdout', ...(o.record ? { record: o.record } : {}) });
  if (o.record) log.info(`recording to ${o.record}`);
  let status: { stop(): void };
  if (events.enabled) {
    let prev = session.snapshot();
    const timer = setInterval(() => {
      const next = session.snapshot();
      for (const e of viewerSnapshotJson(prev, next)) events.emit(e);
      prev = next;
    }, 1000);
    timer.unref();
    status = { stop: () => clearInterval(timer) };
  } else {
    const display = new ViewerStatusDisplay(session, line, log);
    display.start();
    status = display;
  }
  shutdown.add(() => status.stop());
  const end = await session.watch(url, `pixelpass — ${host?.name ?? peer.shortId}`, shutdown.signal);
  status.stop();
  const told = describeViewerEnd(end, o.ticket);
  if (recorder) {
    await recorder.close();
    log.info(`recorded ${recorder.bytesWritten} bytes to ${o.record}`);
  }
  events.emit({
    event: 'ended',
    reason: end.kind,
    ...(told.line ? { message: told.line } : {}),
    ...(end.kind === 'refused' ? { code: end.refusal.code ?? 'unknown' } : {}),
    ...(recorder ? { recordedBytes: recorder.bytesWritten } : {}),
  });
  if (told.failure) throw new ViewingEnded(told.line!);
  if (told.line) log.info(told.line);
}
