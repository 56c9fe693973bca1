import { MissingDependency, UsageError, type Encoder, type Logger } from '@pixelpass/core';

/** Picks the encoder: the requested one (must work), or the first usable in order. */
export async function selectEncoder(
  requested: string,
  adapters: Record<string, () => Encoder>,
  log: Logger,
): Promise<Encoder> {
  if (requested !== 'auto') {
    const make = adapters[requested];
    if (!make) throw new UsageError(`unknown encoder "${requested}"; choose one of: auto, ${Object.keys(adapters).join(', ')}`);
    const encoder = make();
    const probe = await encoder.probe();
    if (!probe.usable) throw new MissingDependency(`the ${requested} encoder`, probe.provider ?? 'its driver', probe.reason);
    return encoder;
  }
  const skipped: string[] = [];
  for (const [id, make] of Object.entries(adapters)) {
    const encoder = make();
    const probe = await encoder.probe();
    if (probe.usable) {
      log.info(`encoder: ${id} (${probe.detail})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`);
      return encoder;
    }
    skipped.push(`${id}: ${probe.reason}`);
  }
  throw new MissingDependency('an H.264 encoder', 'gstreamer1.0-plugins-ugly (x264enc)', skipped.join('; '));
}
