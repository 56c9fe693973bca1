import { openSync, writeSync, closeSync } from 'node:fs';
import type { HostSession, Logger } from '@pixelpass/core';

/**
 * PIXELPASS_POLICY_TRACE=<file>: every rendition decision's input and outcome,
 * one JSON line each, for replaying real links in the policy's unit tests. The
 * file is created new (never overwritten, never through a symlink), 0600.
 */
export function startPolicyTrace(session: Pick<HostSession, 'on' | 'off'>, path: string | undefined, log: Logger): () => void {
  if (!path) return () => undefined;
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    log.warn(`PIXELPASS_POLICY_TRACE: cannot create ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); not recording`);
    return () => undefined;
  }
  let ladder = '';
  const record = (label: string, o: { now: number; queueDelayMs: number; transitMs: number; rateBps: number | undefined }, rendition: number, ladderBps: readonly number[]): void => {
    const l = JSON.stringify(ladderBps.map(Math.round));
    // Full precision: a replay must see what the policy saw (a rounded 350.2 ms is not above 350).
    const line = { t: o.now, viewer: label, q: o.queueDelayMs, transit: o.transitMs, rate: o.rateBps ?? null, r: rendition, ...(l !== ladder && { ladder: JSON.parse(l) as number[] }) };
    ladder = l;
    writeSync(fd, `${JSON.stringify(line)}\n`);
  };
  session.on('viewer-observed', record);
  log.info(`recording rendition decisions to ${path}`);
  return () => {
    session.off('viewer-observed', record);
    closeSync(fd);
  };
}
