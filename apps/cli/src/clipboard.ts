import { execa, type ResultPromise } from 'execa';
import type { Logger } from '@pixelpass/core';
import { findOnPath } from '@pixelpass/core';
import { sessionKind } from './session.js';

/** A command that takes text on stdin and owns the clipboard until stopped. */
export interface ClipboardTool {
  readonly command: 'wl-copy' | 'xclip' | 'xsel';
  /** Stays in the foreground, so pixelpass can end it: nothing outlives the host. */
  readonly args: readonly string[];
  /** Debian package that provides it. */
  readonly provider: string;
}

const WL_COPY: ClipboardTool = { command: 'wl-copy', args: ['--foreground'], provider: 'wl-clipboard' };
const XCLIP: ClipboardTool = { command: 'xclip', args: ['-quiet', '-selection', 'clipboard'], provider: 'xclip' };
const XSEL: ClipboardTool = { command: 'xsel', args: ['--nodetach', '--clipboard', '--input'], provider: 'xsel' };

/** Clipboard tools for this session, preferred first; empty without a graphical session. */
export function clipboardCandidates(env: NodeJS.ProcessEnv): readonly ClipboardTool[] {
  switch (sessionKind(env)) {
    case 'wayland':
      // XWayland apps read the X clipboard, which the compositor syncs; wl-copy is the native way.
      return env.DISPLAY ? [WL_COPY, XCLIP, XSEL] : [WL_COPY];
    case 'x11':
      return [XCLIP, XSEL];
    case 'none':
      return [];
  }
}

/** What to install for a clipboard in this session, for messages. */
export function clipboardProvider(env: NodeJS.ProcessEnv): string {
  const candidates = clipboardCandidates(env);
  return candidates.length ? candidates.map((t) => t.provider).join(' or ') : 'a graphical session (no clipboard without one)';
}

export function findClipboardTool(env: NodeJS.ProcessEnv = process.env): ClipboardTool | undefined {
  return clipboardCandidates(env).find((t) => findOnPath(t.command, env) !== undefined);
}

export type CopyResult =
  | { readonly copied: true; readonly tool: ClipboardTool['command']; release(): Promise<void> }
  | { readonly copied: false; readonly reason: string };

/**
 * Puts `text` on the clipboard. The tool keeps serving the selection in the
 * foreground; `release()` ends it (the ticket is useless once the host stops).
 */
export async function copyToClipboard(text: string, env: NodeJS.ProcessEnv = process.env): Promise<CopyResult> {
  const tool = findClipboardTool(env);
  if (!tool) {
    const kind = sessionKind(env);
    return {
      copied: false,
      reason: kind === 'none' ? 'no graphical session, so no clipboard' : `no clipboard tool found (install ${clipboardProvider(env)})`,
    };
  }
  const child: ResultPromise = execa(tool.command, tool.args, {
    input: text,
    stdout: 'ignore',
    stderr: 'pipe',
    reject: false,
    env,
    extendEnv: false,
    cleanup: true,
  });
  // A tool that cannot reach the display exits at once; one that owns the selection keeps running.
  const early = await Promise.race([child.then((r) => r), new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
  if (early) {
    const why = String(early.stderr ?? '').split('\n')[0] || `exit code ${early.exitCode}`;
    return { copied: false, reason: `${tool.command} failed: ${why}` };
  }
  return {
    copied: true,
    tool: tool.command,
    release: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await child.catch(() => undefined);
    },
  };
}

/** Copies the ticket and says what happened; returns the cleanup to run when hosting ends. */
export async function copyTicket(ticket: string, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  const result = await copyToClipboard(ticket, env);
  if (result.copied) {
    log.info(`ticket copied to the clipboard (${result.tool}); paste it to your friend`);
    return result.release;
  }
  log.warn(`ticket not copied: ${result.reason}; copy it from above`);
  return async () => undefined;
}
