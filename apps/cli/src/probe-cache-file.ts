import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  parseProbeCache,
  probeCacheKey,
  readPrivateFile,
  withCachedProbe,
  writePrivateFile,
  type CachedProbe,
  type ProbeCache,
} from '@pixelpass/core';

export interface FileProbeCacheOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Skip reading (doctor --reprobe); results are still written. */
  readonly fresh?: boolean;
}

/**
 * Encoder probe results in $XDG_CACHE_HOME/pixelpass/encoders.json, valid for
 * this boot only (drivers and devices change across reboots) and dropped when
 * GStreamer's registry is rebuilt or a VA/CUDA selection variable changes.
 * A cache that cannot be read or written just means probing again.
 */
export class FileProbeCache implements ProbeCache {
  private readonly env: NodeJS.ProcessEnv;
  private readonly fresh: boolean;
  private writes: Promise<void> = Promise.resolve();
  readonly path: string;

  constructor(options: FileProbeCacheOptions = {}) {
    this.env = options.env ?? process.env;
    this.fresh = options.fresh ?? false;
    this.path = join(cacheHome(this.env), 'pixelpass', 'encoders.json');
  }

  async get(encoderId: string): Promise<CachedProbe | undefined> {
    if (this.fresh) return undefined;
    const key = await this.key();
    if (!key) return undefined;
    const text = await readPrivateFile(dirname(this.path), basename(this.path));
    return parseProbeCache(text, key).encoders[encoderId];
  }

  put(encoderId: string, probe: CachedProbe): Promise<void> {
    // One write at a time: `doctor` probes every encoder at once, and concurrent
    // read-merge-write cycles would drop each other's entries.
    const next = this.writes.then(() => this.write(encoderId, probe));
    this.writes = next;
    return next;
  }

  private async write(encoderId: string, probe: CachedProbe): Promise<void> {
    // The key is computed again: probing may have rebuilt the GStreamer registry.
    const key = await this.key();
    if (!key) return;
    try {
      const text = await readPrivateFile(dirname(this.path), basename(this.path));
      const doc = withCachedProbe(parseProbeCache(text, key), encoderId, probe);
      // A cache someone else could write would let them pick our encoder: kept like the other state.
      await writePrivateFile(dirname(this.path), basename(this.path), `${JSON.stringify(doc, null, 2)}\n`);
    } catch {
      // Read-only home, full disk or an unsafe directory: the next start probes again, nothing else is lost.
    }
  }

  private async key(): Promise<string | undefined> {
    const bootId = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined);
    if (!bootId) return undefined;
    return probeCacheKey({ bootId, registryStamp: await registryStamp(this.env), env: this.env });
  }
}

function cacheHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
}

/** Newest mtime of GStreamer's registry files: they are rebuilt when plugins or VA drivers change. */
async function registryStamp(env: NodeJS.ProcessEnv): Promise<string> {
  const files = env.GST_REGISTRY
    ? [env.GST_REGISTRY]
    : await readdir(join(cacheHome(env), 'gstreamer-1.0'))
        .then((names) => names.filter((n) => n.startsWith('registry.')).map((n) => join(cacheHome(env), 'gstreamer-1.0', n)))
        .catch(() => [] as string[]);
  let newest = 0;
  for (const f of files) newest = Math.max(newest, await stat(f).then((s) => s.mtimeMs, () => 0));
  return String(Math.round(newest));
}
