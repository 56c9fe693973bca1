export { GstLaunchRunner } from './gst-launch-runner.js';
