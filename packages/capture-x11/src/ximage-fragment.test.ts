import { describe, expect, it } from 'vitest';
import { isRemoteDisplay, ximagesrcFragment, type XImageOptions } from './ximage-fragment.js';

const base = { display: ':1', showPointer: true, fps: 30, xshm: true } as const;
const SRC = 'ximagesrc display-name=":1" use-damage=false show-pointer=true';

describe('ximagesrcFragment', () => {
  it.each<[string, XImageOptions, string, { width: number; height: number }]>([
    ['whole screen', { ...base, target: { kind: 'screen', width: 1920, height: 1080 } },
      `${SRC} ! video/x-raw,framerate=30/1`, { width: 1920, height: 1080 }],
    ['odd screen: native size, core crops it', { ...base, target: { kind: 'screen', width: 1366, height: 767 } },
      `${SRC} ! video/x-raw,framerate=30/1`, { width: 1366, height: 767 }],
    ['monitor crop, end coordinates inclusive', { ...base, target: { kind: 'region', x: 960, y: 0, width: 960, height: 1080 } },
      `${SRC} startx=960 starty=0 endx=1919 endy=1079 ! video/x-raw,framerate=30/1`, { width: 960, height: 1080 }],
    ['pointer hidden, 60 fps', { ...base, showPointer: false, fps: 60, target: { kind: 'screen', width: 800, height: 600 } },
      'ximagesrc display-name=":1" use-damage=false show-pointer=false ! video/x-raw,framerate=60/1', { width: 800, height: 600 }],
    ['even window: size pinned', { ...base, target: { kind: 'window', xid: 0x20000c, width: 604, height: 524 } },
      `${SRC} xid=2097164 ! video/x-raw,framerate=30/1 ! videoscale add-borders=true ! video/x-raw,width=604,height=524,pixel-aspect-ratio=1/1`,
      { width: 604, height: 524 }],
    ['odd window: cropped to even, then pinned', { ...base, target: { kind: 'window', xid: 7, width: 605, height: 523 } },
      `${SRC} xid=7 ! video/x-raw,framerate=30/1 ! videocrop right=1 bottom=1 ! videoscale add-borders=true ! video/x-raw,width=604,height=522,pixel-aspect-ratio=1/1`,
      { width: 604, height: 522 }],
    ['server without MIT-SHM: frames copied over the socket', { ...base, xshm: false, target: { kind: 'screen', width: 640, height: 480 } },
      `${SRC} remote=true ! video/x-raw,framerate=30/1`, { width: 640, height: 480 }],
    ['remote display: no XShm', { ...base, display: 'localhost:10.0', target: { kind: 'screen', width: 1024, height: 768 } },
      'ximagesrc display-name="localhost:10.0" use-damage=false show-pointer=true remote=true ! video/x-raw,framerate=30/1',
      { width: 1024, height: 768 }],
  ])('%s', (_name, options, launch, geometry) => {
    const f = ximagesrcFragment(options);
    expect(f.launch).toBe(launch);
    expect(f.geometry).toEqual(geometry);
  });
});

describe('isRemoteDisplay', () => {
  it.each([
    [':0', false],
    [':1.0', false],
    ['unix:0', false],
    ['/tmp/launch-abc/org.xquartz:0', false],
    ['localhost:10.0', true],
    ['192.168.1.5:0', true],
    ['[::1]:0', true],
  ])('%s → %s', (display, remote) => {
    expect(isRemoteDisplay(display)).toBe(remote);
  });
});
