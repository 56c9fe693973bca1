/** The viewer's live status, pure side: a snapshot, its one-line form, and what changed. */
export interface ViewerSnapshot {
  readonly connected: boolean;
  readonly path: 'direct' | 'relay' | 'unknown';
  readonly rttMs: number | null;
  readonly bytesReceived: number;
  readonly players: number;
  readonly reconnects: number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Rate from two byte counts `ms` apart, e.g. "2.1 Mbit/s". */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return '—';
  const bits = (bytes * 8 * 1000) / ms;
  if (bits < 1000) return `${Math.round(bits)} bit/s`;
  if (bits < 1_000_000) return `${Math.round(bits / 1000)} kbit/s`;
  return `${(bits / 1_000_000).toFixed(1)} Mbit/s`;
}

export function formatViewerStatus(s: ViewerSnapshot, rate?: string): string {
  const parts = [
    s.connected ? '● connected' : '○ reconnecting',
    `${s.path} path`,
    `RTT ${s.rttMs === null ? '—' : `${Math.round(s.rttMs)} ms`}`,
    `${formatBytes(s.bytesReceived)} received${rate ? ` (${rate})` : ''}`,
    s.players === 1 ? '1 player' : `${s.players} players`,
  ];
  return parts.join(' · ');
}

/** Lines for a log (no terminal): only discrete changes, never the byte counter. */
export function statusEvents(prev: ViewerSnapshot | undefined, next: ViewerSnapshot): string[] {
  const out: string[] = [];
  if (!prev || prev.connected !== next.connected) out.push(next.connected ? 'status: connected' : 'status: connection lost, reconnecting');
  if (prev && prev.path !== next.path && next.path !== 'unknown') out.push(`status: now on a ${next.path} path`);
  if (prev && next.players !== prev.players) out.push(`status: ${next.players === 1 ? '1 player' : `${next.players} players`} watching`);
  if (prev && prev.bytesReceived === 0 && next.bytesReceived > 0) out.push('status: first bytes of the stream arrived');
  return out;
}
