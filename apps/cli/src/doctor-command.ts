import { PixelpassError } from '@pixelpass/core';
import { doctorExitCode, formatResults, formatVerdict, verdict } from './doctor.js';
import { runDoctorProbes, type DoctorOptions } from './doctor-probes.js';

export class NotReady extends PixelpassError {}

/** `pixelpass doctor`: one line per check on stdout, then the verdict; exit 1 unless both sides can work. */
export async function runDoctor(o: DoctorOptions = {}): Promise<void> {
  const results = await runDoctorProbes(o);
  for (const line of formatResults(results)) process.stdout.write(`${line}\n`);
  const v = verdict(results);
  process.stdout.write(`${formatVerdict(v)}\n`);
  if (doctorExitCode(v) !== 0) throw new NotReady('not ready: install what the ✗ lines name, then run pixelpass doctor again');
}
