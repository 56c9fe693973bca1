import { inspectElement, pluginFeatures, type ElementPresence, type PluginFeatures } from './gst-inspect.js';
import { testEncode, type TestEncodeOptions, type TestEncodeOutcome } from './test-encode.js';

/**
 * The GStreamer command-line tools an encoder probe asks. Encoders take one so
 * their probe logic can be tested with fake answers; `gstCommands` runs the real ones.
 */
export interface GstCommands {
  inspectElement(element: string): Promise<ElementPresence>;
  pluginFeatures(plugin: string): Promise<PluginFeatures>;
  testEncode(fragment: string, options: TestEncodeOptions): Promise<TestEncodeOutcome>;
}

/** gst-inspect-1.0 and gst-launch-1.0 on this machine. */
export const gstCommands: GstCommands = { inspectElement, pluginFeatures, testEncode };
