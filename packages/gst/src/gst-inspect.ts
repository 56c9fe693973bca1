import { execa } from 'execa';
import { MissingDependency, isCommandMissing } from '@pixelpass/core';
import { GST_TOOLS_PACKAGE } from './gst-packages.js';

/** How long gst-inspect-1.0 may take: rebuilding a cold registry can take many seconds. */
export const GST_INSPECT_TIMEOUT_MS = 30_000;

/** A probe's reason when gst-inspect-1.0 timed out (transient: not cached). */
export const GST_INSPECT_TIMEOUT_REASON = `gst-inspect-1.0 did not answer within ${GST_INSPECT_TIMEOUT_MS / 1000} s`;

/** What gst-inspect-1.0 said about one element. */
export type ElementPresence = 'present' | 'absent' | 'timeout' | 'no-gst-inspect';

/** A plugin's feature (element) names; undefined when the plugin does not load; 'timeout' when gst-inspect did not answer. */
export type PluginFeatures = readonly string[] | undefined | 'timeout';

function inspect(args: readonly string[]) {
  // stdin ignored: with an open stdin pipe, gst-inspect hangs while rebuilding a cold registry.
  return execa('gst-inspect-1.0', args, { reject: false, timeout: GST_INSPECT_TIMEOUT_MS, stdin: 'ignore' });
}

const known = new Map<string, Promise<ElementPresence>>();

/**
 * Whether gst-inspect-1.0 knows `element`, memoised per process. A timeout is
 * not memoised: it says nothing about the element (e.g. a cold registry).
 */
export function inspectElement(element: string): Promise<ElementPresence> {
  let p = known.get(element);
  if (!p) {
    // Without --atleast-version, --exists also demands plugin version >= GStreamer's
    // own (1.22), which fails for plugins versioned apart, e.g. pipewiresrc 0.3.65.
    p = inspect(['--exists', '--atleast-version=0.0.0', element]).then((r): ElementPresence => {
      if (isCommandMissing(r)) return 'no-gst-inspect';
      if (r.timedOut) return 'timeout';
      return r.exitCode === 0 ? 'present' : 'absent';
    });
    known.set(element, p);
    void p.then((presence) => {
      if (presence === 'timeout' && known.get(element) === p) known.delete(element);
    });
  }
  return p;
}

/** True when gst-inspect-1.0 knows the element (memoised per process); MissingDependency without gst-inspect-1.0. */
export async function elementExists(element: string): Promise<boolean> {
  const presence = await inspectElement(element);
  if (presence === 'no-gst-inspect') throw new MissingDependency('gst-inspect-1.0', GST_TOOLS_PACKAGE);
  return presence === 'present';
}

/** Feature names listed by `gst-inspect-1.0 <plugin>`, without the plugin's own header fields. */
export function parsePluginFeatures(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = line.match(/^\s+([a-zA-Z0-9_]+):\s/);
    if (m && !/^(Name|Description|Filename|Version|License|Source|Binary|Origin|Documentation)/.test(m[1]!)) names.push(m[1]!);
  }
  return names;
}

/** Feature names of a GStreamer plugin (e.g. "va", "nvcodec"), undefined when the plugin does not load. */
export async function pluginFeatures(plugin: string): Promise<PluginFeatures> {
  const r = await inspect([plugin]);
  if (r.timedOut) return 'timeout';
  if (r.exitCode !== 0) return undefined;
  return parsePluginFeatures(String(r.stdout));
}
