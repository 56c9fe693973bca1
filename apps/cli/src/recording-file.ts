import { open, unlink } from 'node:fs/promises';
import { UsageError, type RecordingSink } from '@pixelpass/core';
import { describeFileError } from './file-errors.js';

/**
 * `view --record <file>`: a new file (an existing one is never overwritten:
 * hours of a recording are not lost to a repeated command), 0600 like the
 * stream it holds, written in order and flushed on close.
 */
export async function openRecordingFile(path: string): Promise<RecordingSink> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--record ${path}: the file exists; give a new name (pixelpass does not overwrite a recording)`);
    throw new UsageError(`--record ${path}: ${describeFileError(err)}`);
  }
  const out = fh.createWriteStream();
  let failed: unknown;
  let written = 0;
  out.on('error', (err) => (failed = err));
  return {
    write: (bytes) => {
      if (failed !== undefined) return;
      written += bytes.length;
      out.write(bytes);
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        if (out.closed || out.destroyed) return resolve();
        out.once('error', () => resolve());
        out.end(() => resolve());
      });
      // Nothing arrived (refused, unreachable): no empty file left behind.
      if (written === 0) await unlink(path).catch(() => undefined);
    },
  };
}
