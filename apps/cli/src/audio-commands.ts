import { PixelpassError } from '@pixelpass/core';
import { soundServer } from './composition.js';

/** `pixelpass app-list`: apps playing sound now, one per line on stdout, for `--app`. */
export async function runAppList(): Promise<void> {
  const apps = await soundServer().playingApps();
  if (apps.length === 0) {
    process.stderr.write('pixelpass: nothing is playing sound right now\n');
    return;
  }
  for (const app of apps) process.stdout.write(`${app.label}\n`);
}

/** `pixelpass repair` (and `host --repair`): removes what a crashed pixelpass left in the sound server. */
export async function runRepair(): Promise<void> {
  const report = await soundServer().repair();
  for (const line of report.done) process.stdout.write(`${line}\n`);
  if (report.done.length === 0 && report.failed.length === 0) process.stderr.write('pixelpass: nothing to repair\n');
  if (report.failed.length > 0) throw new PixelpassError(`repair left ${report.failed.length} thing(s): ${report.failed.join('; ')}`);
}
