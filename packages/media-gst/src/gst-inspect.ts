import { MissingDependency, pipelineElements } from '@pixelpass/core';
import { elementExists, packageForElement } from '@pixelpass/gst';

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
