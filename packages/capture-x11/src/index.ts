export { X11Capture, type X11CaptureOptions } from './x11-capture.js';
export { DisplayUnavailable } from './x11-tools.js';
export { NoSuchMonitor } from './monitors.js';
export { NoSuchWindow } from './windows.js';
