import { errorMessage } from '@pixelpass/core';
import { hostname } from 'node:os';
import { Pactl, processAlive } from './pactl.js';
import { planRepair, type RepairStep } from './pulse-model.js';

export interface RepairReport {
  /** One line per thing removed or restored. */
  readonly done: readonly string[];
  /** Steps that failed, with why. */
  readonly failed: readonly string[];
}

/**
 * `pixelpass repair`: undoes what a pixelpass that died without cleaning up
 * (kill -9, crash, power loss of a remote session) left in the sound server.
 * Only things whose owner pid is gone are touched, so a running share is safe.
 */
export class PulseRepair {
  constructor(
    private readonly pactl: Pactl = new Pactl(),
    private readonly isAlive: (pid: number) => boolean = processAlive,
  ) {}

  async plan(): Promise<RepairStep[]> {
    return planRepair(await this.pactl.state(), this.isAlive, hostname());
  }

  async run(): Promise<RepairReport> {
    const done: string[] = [];
    const failed: string[] = [];
    for (const step of await this.plan()) {
      try {
        if (step.kind === 'move') await this.pactl.moveSinkInput(step.sinkInput, step.to);
        else if (step.kind === 'unload') await this.pactl.unloadModule(step.module);
        else if (!stopProcess(step.pid)) continue;
        done.push(step.label);
      } catch (err) {
        failed.push(`${step.kind} failed (${step.label}): ${errorMessage(err)}`);
      }
    }
    return { done, failed };
  }
}

/** False when the process is already gone (a watcher dies at its next event once its reader is gone). */
function stopProcess(pid: number): boolean {
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
