import type { Need, ReadinessCheck } from '@pixelpass/core';
import { inspectElement } from './gst-inspect.js';
import { GST_TOOLS_PACKAGE, packageForElement } from './gst-packages.js';

/** One `doctor` line per GStreamer element an adapter needs, with the package that provides it. */
export async function elementReadiness(elements: readonly string[], need: Need, why?: string): Promise<ReadinessCheck[]> {
  return Promise.all(
    elements.map(async (element): Promise<ReadinessCheck> => {
      const presence = await inspectElement(element);
      if (presence === 'no-gst-inspect') {
        return { label: `GStreamer element ${element}`, status: 'fail', need, detail: 'gst-inspect-1.0 is missing, cannot ask', install: GST_TOOLS_PACKAGE };
      }
      return {
        label: `GStreamer element ${element}`,
        status: presence === 'present' ? 'ok' : 'fail',
        need,
        detail: presence === 'timeout' ? 'gst-inspect-1.0 did not answer' : why,
        install: packageForElement(element),
      };
    }),
  );
}
