export { GstLaunchRunner, type GstLaunchOptions } from './gst-launch-runner.js';
export { assertElements } from './gst-inspect.js';
// Moved to @pixelpass/gst; re-exported so the CLI's imports keep working.
export { elementExists, packageForElement, GST_TOOLS_PACKAGE } from '@pixelpass/gst';
export { launchArgs } from './launch-args.js';
