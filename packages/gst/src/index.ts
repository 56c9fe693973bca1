export { GST_TOOLS_PACKAGE, packageForElement } from './gst-packages.js';
export { GST_INSPECT_TIMEOUT_REASON, elementExists, type ElementPresence, type PluginFeatures } from './gst-inspect.js';
export { type TestEncodeOutcome } from './test-encode.js';
export { PROBE_SETTINGS, gopFrames } from './encode-settings.js';
export { gstCommands, type GstCommands } from './gst-commands.js';
export { findWorkingVariant, probeSoftwareEncoder } from './encoder-probes.js';
export { elementReadiness } from './readiness.js';
