export { GstLaunchRunner, type GstLaunchOptions } from './gst-launch-runner.js';
export { elementExists, assertElements } from './gst-inspect.js';
export { packageForElement, GST_TOOLS_PACKAGE } from './gst-packages.js';
export { launchArgs } from './launch-args.js';
