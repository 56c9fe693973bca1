import { PixelpassError } from '@pixelpass/core';
import { PulseAppAudio, PulseAppList, PulseRepair, describeApp } from '@pixelpass/audio-pulse';

/** `pixelpass app-list`: apps playing audio now, one per line on stdout, for `--app`. */
export async function runAppList(): Promise<void> {
  const apps = await new PulseAppList().list();
  if (apps.length === 0) {
    process.stderr.write('pixelpass: nothing is playing audio right now\n');
    return;
  }
  for (const app of apps) process.stdout.write(`${describeApp(app)}\n`);
}

/** `pixelpass repair` (and `host --repair`): removes what a crashed pixelpass left in the sound server. */
export async function runRepair(): Promise<void> {
  const report = await new PulseRepair().run();
  for (const line of report.done) process.stdout.write(`${line}\n`);
  if (report.done.length === 0 && report.failed.length === 0) process.stderr.write('pixelpass: nothing to repair\n');
  if (report.failed.length > 0) throw new PixelpassError(`repair left ${report.failed.length} thing(s): ${report.failed.join('; ')}`);
}

/** `--app` names nothing that plays: refuse before printing a ticket. */
export async function checkAppPlaying(app: string): Promise<void> {
  await new PulseAppAudio(app).assertPlaying();
}
