import type { VideoGeometry } from '@pixelpass/core';

/** What to grab from the X screen. */
export type XImageTarget =
  | { readonly kind: 'screen'; readonly width: number; readonly height: number }
  | { readonly kind: 'region'; readonly x: number; readonly y: number; readonly width: number; readonly height: number }
  | { readonly kind: 'window'; readonly xid: number; readonly width: number; readonly height: number };

export interface XImageOptions {
  readonly display: string;
  readonly showPointer: boolean;
  readonly fps: number;
  readonly target: XImageTarget;
  /** The server offers MIT-SHM (shared-memory grabs). */
  readonly xshm: boolean;
}

/**
 * A display with a host part ("localhost:10.0" from ssh -X, "host:0") is reached
 * over a socket the X server cannot share memory through, so XShm must be off.
 */
export function isRemoteDisplay(display: string): boolean {
  const host = display.slice(0, display.lastIndexOf(':'));
  return host !== '' && host !== 'unix' && !host.startsWith('/');
}

// The runner splits the description into arguments; quotes keep a value whole.
function quote(value: string): string {
  return `"${value.replace(/"/g, '')}"`;
}

export interface XImageFragment {
  readonly launch: string;
  /** Size of the frames the fragment produces. */
  readonly geometry: VideoGeometry;
}

/**
 * The ximagesrc part of the pipeline.
 *
 * use-damage=false: with XDamage ximagesrc copies only changed rectangles into a
 * reused buffer, which tears with a busy screen and costs more than a full grab
 * at 30 fps; a full XShm grab per frame is steady.
 *
 * A window can be resized while it is shared and ximagesrc follows it, but the
 * encoder and the viewers need one size: the window's first size, cropped to
 * even, is pinned and later sizes are scaled into it with borders.
 */
export function ximagesrcFragment(o: XImageOptions): XImageFragment {
  const props = [
    'ximagesrc',
    `display-name=${quote(o.display)}`,
    'use-damage=false',
    `show-pointer=${o.showPointer}`,
  ];
  // remote=true makes ximagesrc copy each frame over the socket (XGetSubImage).
  // Without it, a server lacking MIT-SHM gets ximagesrc's plain XGetImage path,
  // which (GStreamer 1.22) fills a buffer the frame never reaches: black video.
  if (!o.xshm || isRemoteDisplay(o.display)) props.push('remote=true');
  const t = o.target;
  const caps = `video/x-raw,framerate=${o.fps}/1`;
  switch (t.kind) {
    case 'screen':
      return { launch: `${props.join(' ')} ! ${caps}`, geometry: { width: t.width, height: t.height } };
    case 'region':
      // endx/endy are inclusive in ximagesrc.
      props.push(`startx=${t.x}`, `starty=${t.y}`, `endx=${t.x + t.width - 1}`, `endy=${t.y + t.height - 1}`);
      return { launch: `${props.join(' ')} ! ${caps}`, geometry: { width: t.width, height: t.height } };
    case 'window': {
      props.push(`xid=${t.xid}`);
      const cropRight = t.width % 2;
      const cropBottom = t.height % 2;
      const width = t.width - cropRight;
      const height = t.height - cropBottom;
      const parts = [props.join(' '), caps];
      if (cropRight || cropBottom) parts.push(`videocrop right=${cropRight} bottom=${cropBottom}`);
      parts.push('videoscale add-borders=true', `video/x-raw,width=${width},height=${height},pixel-aspect-ratio=1/1`);
      return { launch: parts.join(' ! '), geometry: { width, height } };
    }
  }
}

