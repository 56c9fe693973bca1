import { PixelpassError, UsageError } from './errors.js';
import type { ProbeResult } from './ports/encoder.js';

/**
 * `--encoder auto` order: GPU encoders first (they leave the CPU to the
 * desktop), x264 before openh264 (better picture per bit at the same CPU).
 * Ids not listed here keep their given order after these.
 */
export const ENCODER_PREFERENCE: readonly string[] = ['vaapi', 'nvenc', 'x264', 'openh264'];

/** The requested encoder, or every candidate, cannot encode here: exit 1 with the reason. */
export class EncoderUnavailable extends PixelpassError {}

export interface ProbedEncoder {
  readonly id: string;
  readonly result: ProbeResult;
}

export interface SkippedEncoder {
  readonly id: string;
  readonly reason: string;
  readonly provider?: string | undefined;
}

export interface EncoderChoice {
  readonly chosen: string;
  readonly detail: string;
  /** Better encoders that were probed and could not be used, best first. */
  readonly skipped: readonly SkippedEncoder[];
}

function unknownEncoder(requested: string, known: readonly string[]): UsageError {
  return new UsageError(`unknown encoder "${requested}"; choose one of: auto, ${known.join(', ')}`);
}

/** Which encoders to probe, in order: every known one for auto, else just the requested one. */
export function encoderProbeOrder(requested: string, known: readonly string[]): string[] {
  if (requested !== 'auto') {
    if (!known.includes(requested)) throw unknownEncoder(requested, known);
    return [requested];
  }
  const rank = (id: string): number => {
    const i = ENCODER_PREFERENCE.indexOf(id);
    return i === -1 ? ENCODER_PREFERENCE.length : i;
  };
  // Array.prototype.sort is stable, so unlisted ids keep their given order.
  return [...known].sort((a, b) => rank(a) - rank(b));
}

function withInstall(reason: string, provider: string | undefined): string {
  return provider ? `${reason}; install ${provider}` : reason;
}

/**
 * Decides from probe results (in probing order) which encoder to use. An
 * explicit request that cannot be met is an error rather than a silent
 * fallback: the user asked for that encoder.
 */
export function chooseEncoder(probed: readonly ProbedEncoder[], requested: string): EncoderChoice {
  if (requested !== 'auto') {
    const entry = probed.find((p) => p.id === requested);
    if (!entry) throw unknownEncoder(requested, probed.map((p) => p.id));
    if (!entry.result.usable) {
      throw new EncoderUnavailable(
        `the ${requested} encoder cannot be used: ${withInstall(entry.result.reason, entry.result.provider)}`,
      );
    }
    return { chosen: requested, detail: entry.result.detail, skipped: [] };
  }
  const skipped: SkippedEncoder[] = [];
  for (const { id, result } of probed) {
    if (result.usable) return { chosen: id, detail: result.detail, skipped };
    skipped.push({ id, reason: result.reason, provider: result.provider });
  }
  const why = skipped.map((s) => `${s.id}: ${withInstall(s.reason, s.provider)}`).join(' | ');
  throw new EncoderUnavailable(`no usable H.264 encoder${why ? ` (${why})` : ''}`);
}

/**
 * The one short line a host prints at start: what encodes, and a pointer to
 * `doctor` when better encoders were skipped (their reasons are long).
 */
export function summarizeEncoderChoice(choice: EncoderChoice): string {
  const head = `encoder: ${choice.chosen} (${choice.detail})`;
  if (choice.skipped.length === 0) return head;
  return `${head} — ${choice.skipped.map((s) => s.id).join(' and ')} cannot be used here; \`pixelpass doctor\` says why`;
}

/** The whole choice with every skipped encoder's reason (`-v`, and the tests). */
export function describeEncoderChoice(choice: EncoderChoice): string {
  const head = `encoder: ${choice.chosen} (${choice.detail})`;
  if (choice.skipped.length === 0) return head;
  const skipped = choice.skipped.map((s) => `${s.id} skipped: ${withInstall(s.reason, s.provider)}`);
  return `${head}; ${skipped.join('; ')}`;
}

/**
 * Probes in order and decides. With auto, probing stops at the first usable
 * encoder: a worse one's test encode would only cost start-up time.
 */
export async function resolveEncoderChoice(
  requested: string,
  known: readonly string[],
  probe: (id: string) => Promise<ProbeResult>,
): Promise<EncoderChoice> {
  const probed: ProbedEncoder[] = [];
  for (const id of encoderProbeOrder(requested, known)) {
    const result = await probe(id);
    probed.push({ id, result });
    if (result.usable) break;
  }
  return chooseEncoder(probed, requested);
}
