export { GstMediaRunner } from './gst-media-runner.js';
