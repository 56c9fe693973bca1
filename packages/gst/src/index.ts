export { GST_TOOLS_PACKAGE, packageForElement } from './gst-packages.js';
export {
  GST_INSPECT_TIMEOUT_MS,
  GST_INSPECT_TIMEOUT_REASON,
  elementExists,
  inspectElement,
  parsePluginFeatures,
  pluginFeatures,
  type ElementPresence,
  type PluginFeatures,
} from './gst-inspect.js';
export { gstFailureSummary, testEncode, testEncodeArgs, type TestEncodeOptions, type TestEncodeOutcome } from './test-encode.js';
export { PROBE_SETTINGS, gopFrames } from './encode-settings.js';
export { gstCommands, type GstCommands } from './gst-commands.js';
export {
  HARDWARE_TEST_ENCODE_TIMEOUT_MS,
  SOFTWARE_TEST_ENCODE_TIMEOUT_MS,
  findWorkingVariant,
  probeSoftwareEncoder,
  type SoftwareEncoderSpec,
  type TestFailure,
  type VariantSearch,
} from './encoder-probes.js';
