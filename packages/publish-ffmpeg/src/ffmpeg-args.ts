import { scrubSecrets, type PublishTarget } from '@pixelpass/core';

/*
 * The ffmpeg command that publishes the hub's MPEG-TS, and what its messages
 * mean. Pure: the process itself is in ffmpeg-publisher.ts.
 */

/**
 * `ffmpeg -f mpegts -i pipe:0 -c copy` to the target: MPEG-TS again for SRT
 * (what MediaMTX and SRS take: the same H.264 and AAC, re-multiplexed, never
 * re-encoded), FLV for RTMP. Reading the input is what lets ffmpeg connect (it
 * needs the stream's parameters first), so probing is kept short: the hub
 * starts every subscriber at PAT/PMT and a keyframe. `-progress pipe:1`
 * reports once a second from the moment the output is open: the server took
 * the stream.
 */
export function publishArgs(target: Pick<PublishTarget, 'url' | 'protocol'>): string[] {
  const input = ['-f', 'mpegts', '-probesize', '1000000', '-analyzeduration', '1000000', '-i', 'pipe:0'];
  const copy = ['-map', '0:v', '-map', '0:a?', '-c', 'copy'];
  const progress = ['-progress', 'pipe:1', '-stats_period', '1'];
  const output = target.protocol === 'srt' ? ['-f', 'mpegts'] : ['-f', 'flv', '-flvflags', 'no_duration_filesize'];
  return ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', ...input, ...copy, ...progress, ...output, target.url];
}

/** ffmpeg's `-progress` block ends with this line; the first one means the output is open. */
export const isProgressEnd = (line: string): boolean => line.startsWith('progress=');

/** Lines ffmpeg prints after the real error (it then fails to finish the file): they say nothing new. */
const AFTERMATH = /^(Error writing trailer|Error closing file|Conversion failed|av_interleaved_write_frame\(\)|Error muxing a packet|Cannot open connection)/;
/** A server's own refusal (RTMP): better than ffmpeg's errno summary. */
const SERVER_SAYS = /Server error|rejected|Unauthorized|forbidden|not found|already publishing/i;

const MAX_REASON = 200;

/**
 * Why a publish process ended, in one line without a credential: the server's
 * own refusal when it said one, else ffmpeg's error for the URL, put in words
 * for the common cases (refused, no SRT answer, connection broken).
 */
export function failureReason(
  stderr: readonly string[],
  target: Pick<PublishTarget, 'url' | 'redacted' | 'secrets' | 'protocol'>,
  connected: boolean,
  exit: { readonly code: number | null | undefined; readonly signal: string | null | undefined },
): string {
  const lines = stderr
    .map((l) => scrubSecrets(l, target).replace(/^\[[\w\s.-]+ @ 0x[0-9a-f]+\]\s*/, '').trim())
    .filter((l) => l !== '');
  const prefix = `${target.redacted}: `;
  const summary = [...lines].reverse().find((l) => l.startsWith(prefix))?.slice(prefix.length);
  const server = lines.find((l) => SERVER_SAYS.test(l));
  const first = lines.find((l) => !AFTERMATH.test(l) && !l.startsWith(prefix));
  // Only aftermath lines: their errno part is the news.
  const aftermath = lines.at(-1)?.split(': ').at(-1);
  const error = server ?? summary ?? first ?? aftermath;
  if (!error) {
    if (exit.signal) return `ffmpeg was killed by ${exit.signal}`;
    return connected ? `the stream ended (ffmpeg exited with code ${exit.code ?? '?'})` : `ffmpeg exited with code ${exit.code ?? '?'}`;
  }
  if (/connection refused/i.test(error)) return 'connection refused (is the server running and listening there?)';
  if (target.protocol === 'srt' && /Input\/output error/i.test(error)) {
    return connected
      ? 'the SRT connection broke (the server went away or stopped reading)'
      : 'no SRT listener answered, or it refused the stream (stream id, passphrase)';
  }
  if (/Broken pipe|Connection reset|End of file/i.test(error)) return `the server closed the connection (${error})`;
  return error.length > MAX_REASON ? `${error.slice(0, MAX_REASON - 1)}…` : error;
}

/** The output protocols in `ffmpeg -protocols`. */
export function outputProtocols(text: string): Set<string> {
  const out = new Set<string>();
  let inOutput = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (/^Output:/.test(line)) inOutput = true;
    else if (/^Input:/.test(line)) inOutput = false;
    else if (inOutput && /^[a-z0-9_]+$/.test(line)) out.add(line);
  }
  return out;
}
