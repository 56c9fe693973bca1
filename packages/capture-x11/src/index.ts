export { X11Capture } from './x11-capture.js';
