import type { HubTotals, ViewerStats } from '@pixelpass/core';

/**
 * What a viewer's accounting misses by: bytes sent should be exactly the bytes
 * published while it was joined, plus the cached GOP it started from and the
 * PAT/PMT copies injected, minus what it skipped and what was still queued when
 * it left. 0 for a departed viewer means every byte is accounted for.
 */
export function accountingGap(v: ViewerStats): number {
  return v.bytesPublished + v.bytesReplayed + v.bytesInjected - v.bytesSkipped - v.bytesDiscarded - v.bytesSent;
}

/**
 * The host's exit summary, one key=value line for the stream and one per
 * viewer, so that scripts (the soak test) can check the accounting.
 */
export function formatSummary(totals: HubTotals, ledger: readonly ViewerStats[], rssBytes: number): string[] {
  const lines = [
    `summary published=${totals.bytesPublished} sent=${totals.bytesSent} keyframes=${totals.keyframes} ` +
      `viewers=${ledger.length} skips=${totals.skips} drops=${totals.drops} rss_kb=${Math.round(rssBytes / 1024)}`,
  ];
  for (const v of ledger) {
    const gap = accountingGap(v) - v.queuedBytes;
    lines.push(
      `summary viewer=${v.label}#${v.id} sent=${v.bytesSent} published=${v.bytesPublished} replayed=${v.bytesReplayed} ` +
        `injected=${v.bytesInjected} skipped=${v.bytesSkipped} discarded=${v.bytesDiscarded} queued=${v.queuedBytes} ` +
        `balanced=${gap === 0 ? 'yes' : `no(${gap})`}`,
    );
  }
  return lines;
}
