/**
 * `pixelpass doctor`, pure side: checks are data, the verdict and the lines are
 * plain functions of the results. The probes that fill the results live in
 * doctor-probes.ts.
 */

import type { ReadinessCheck } from '@pixelpass/core';

/** One doctor line: what an adapter reported. */
export type CheckResult = ReadinessCheck;

export interface Verdict {
  readonly host: boolean;
  readonly view: boolean;
}

const needs = (r: CheckResult, what: 'host' | 'view'): boolean => r.need === what || r.need === 'both';

/** Options of each alternative group that pass entirely. */
function passingOptions(results: readonly CheckResult[]): Map<string, Set<string>> {
  const all = new Map<string, Map<string, boolean>>();
  for (const r of results) {
    if (!r.anyOf) continue;
    const options = all.get(r.anyOf.group) ?? new Map<string, boolean>();
    options.set(r.anyOf.option, (options.get(r.anyOf.option) ?? true) && r.status !== 'fail');
    all.set(r.anyOf.group, options);
  }
  const passing = new Map<string, Set<string>>();
  for (const [group, options] of all) passing.set(group, new Set([...options].filter(([, ok]) => ok).map(([o]) => o)));
  return passing;
}

export function verdict(results: readonly CheckResult[]): Verdict {
  const passing = passingOptions(results);
  const can = (what: 'host' | 'view'): boolean =>
    results
      .filter((r) => needs(r, what))
      .every((r) => (r.anyOf ? (passing.get(r.anyOf.group)?.size ?? 0) > 0 : r.status !== 'fail'));
  return { host: can('host'), view: can('view') };
}

/**
 * One line per check. A failed alternative is shown as "–" when another option
 * of its group works: a missing GPU encoder is no problem when x264 runs.
 */
export function formatResults(results: readonly CheckResult[]): string[] {
  const passing = passingOptions(results);
  return results.map((r) => {
    const covered = r.status === 'fail' && r.anyOf !== undefined && (passing.get(r.anyOf.group)?.size ?? 0) > 0;
    const mark = r.status === 'ok' ? '✓' : r.status === 'info' || covered ? '–' : '✗';
    const detail = r.detail ? ` (${r.detail})` : '';
    // "nothing: <what to do>" is an action, not a package.
    const hint = r.install?.startsWith('nothing: ') ? r.install.slice('nothing: '.length) : r.install && `install ${r.install}`;
    const install = r.status === 'fail' && hint ? ` — ${hint}` : '';
    const optional = r.status === 'fail' && !covered && r.need === 'advice' ? ' [optional]' : '';
    return `${mark} ${r.label}${detail}${install}${optional}`;
  });
}

export function formatVerdict(v: Verdict): string {
  const word = (ok: boolean): string => (ok ? 'ready' : 'NOT ready');
  return `hosting: ${word(v.host)} · viewing: ${word(v.view)}`;
}

/** 0 only when a person could both share a screen and watch one with this install. */
export function doctorExitCode(v: Verdict): number {
  return v.host && v.view ? 0 : 1;
}
