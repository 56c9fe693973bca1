import { describeEncoderChoice, resolveEncoderChoice, type Encoder, type Logger, type ProbeCache } from '@pixelpass/core';
import { FileProbeCache } from './probe-cache-file.js';

/**
 * Picks the encoder: the requested one (must work, else exit 1 naming what is
 * missing), or with auto the first usable in preference order, saying once on
 * stderr which one and why the better ones were skipped.
 */
export async function selectEncoder(
  requested: string,
  adapters: Record<string, (cache: ProbeCache) => Encoder>,
  log: Logger,
  cache: ProbeCache = new FileProbeCache(),
): Promise<Encoder> {
  const made = new Map<string, Encoder>();
  const encoder = (id: string): Encoder => {
    let e = made.get(id);
    if (!e) made.set(id, (e = adapters[id]!(cache)));
    return e;
  };
  const choice = await resolveEncoderChoice(requested, Object.keys(adapters), (id) => encoder(id).probe());
  log.info(describeEncoderChoice(choice));
  return encoder(choice.chosen);
}
