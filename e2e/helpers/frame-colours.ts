import { execFile } from 'node:child_process';

/** One decoded frame, scaled down to a small RGB grid. */
export interface Grid {
  readonly cols: number;
  readonly rows: number;
  readonly rgb: Buffer;
}

export type Rgb = readonly [number, number, number];

/**
 * Decodes frame `frameIndex` of the stream at `url` and scales it (area
 * averaging) to cols × rows RGB pixels.
 */
export function grabGrid(url: string, cols = 16, rows = 9, frameIndex = 5, timeoutMs = 30_000): Promise<Grid> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      [
        '-v', 'error', '-i', url,
        '-vf', `select=gte(n\\,${frameIndex}),scale=${cols}:${rows}:flags=area`,
        '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-',
      ],
      { timeout: timeoutMs, maxBuffer: 1024 * 1024, encoding: 'buffer' },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffmpeg could not grab a frame: ${err.message} ${stderr.toString()}`));
        if (stdout.length !== cols * rows * 3) return reject(new Error(`ffmpeg returned ${stdout.length} bytes, not a ${cols}x${rows} RGB frame`));
        resolve({ cols, rows, rgb: stdout });
      },
    );
  });
}

/** Mean colour of the grid cells in [x0, x1) × [y0, y1), as fractions of the frame. */
export function regionColour(grid: Grid, x0: number, x1: number, y0 = 0, y1 = 1): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let y = Math.floor(y0 * grid.rows); y < Math.ceil(y1 * grid.rows); y++) {
    for (let x = Math.floor(x0 * grid.cols); x < Math.ceil(x1 * grid.cols); x++) {
      const i = (y * grid.cols + x) * 3;
      r += grid.rgb[i]!;
      g += grid.rgb[i + 1]!;
      b += grid.rgb[i + 2]!;
      n++;
    }
  }
  return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
}

/** Within `tolerance` per channel (H.264 and YUV conversion shift colours a little). */
export function near(actual: Rgb, expected: Rgb, tolerance = 24): boolean {
  return actual.every((c, i) => Math.abs(c - expected[i]!) <= tolerance);
}

export function hexColour(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}
