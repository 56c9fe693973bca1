import { execa } from 'execa';
import { MissingDependency, isCommandMissing, pipelineElements } from '@pixelpass/core';
import { GST_TOOLS_PACKAGE, packageForElement } from './gst-packages.js';

const known = new Map<string, Promise<boolean>>();

/** True when gst-inspect-1.0 knows the element (memoised per process). */
export function elementExists(element: string): Promise<boolean> {
  let p = known.get(element);
  if (!p) {
    // Without --atleast-version, --exists also demands plugin version >= GStreamer's
    // own (1.22), which fails for plugins versioned apart, e.g. pipewiresrc 0.3.65.
    p = execa('gst-inspect-1.0', ['--exists', '--atleast-version=0.0.0', element], { reject: false, timeout: 15_000 }).then((r) => {
      if (isCommandMissing(r)) {
        throw new MissingDependency('gst-inspect-1.0', GST_TOOLS_PACKAGE);
      }
      return r.exitCode === 0;
    });
    known.set(element, p);
  }
  return p;
}

/** Throws MissingDependency naming the first element of `description` that is not installed. */
export async function assertElements(description: string): Promise<void> {
  const elements = pipelineElements(description);
  const present = await Promise.all(elements.map((e) => elementExists(e)));
  const missing = elements.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    const first = missing[0]!;
    throw new MissingDependency(`GStreamer element "${first}"`, packageForElement(first));
  }
}
