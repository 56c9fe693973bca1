import { describe, expect, it } from 'vitest';
import { xServerAddress } from './x11-readiness.js';

describe('xServerAddress', () => {
  it.each([
    [':0', { path: '/tmp/.X11-unix/X0' }],
    [':99.0', { path: '/tmp/.X11-unix/X99' }],
    ['unix:1', { path: '/tmp/.X11-unix/X1' }],
    ['localhost:10.0', { host: 'localhost', port: 6010 }],
    ['garbage', undefined],
  ])('%s', (display, expected) => expect(xServerAddress(display)).toEqual(expected));
});
