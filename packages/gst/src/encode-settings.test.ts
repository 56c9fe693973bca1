import { describe, expect, it } from 'vitest';
import { gopFrames } from './encode-settings.js';
import { packageForElement } from './gst-packages.js';

describe('gopFrames', () => {
  const cases: Array<[number, number, number]> = [
    [30, 2, 60],
    [60, 1, 60],
    [30, 0.5, 15],
    [25, 0.1, 3],
    [60, 0.01, 1],
    [30, 0, 1],
  ];
  it.each(cases)('%d fps × %d s → %d frames', (fps, sec, frames) => expect(gopFrames(fps, sec)).toBe(frames));
});

describe('packageForElement', () => {
  it.each([
    ['x264enc', 'gstreamer1.0-plugins-ugly'],
    ['pipewiresrc', 'gstreamer1.0-pipewire'],
    ['nosuchelement42', 'the GStreamer plugin package that provides it'],
  ])('%s → %s', (element, pkg) => expect(packageForElement(element)).toBe(pkg));
});
