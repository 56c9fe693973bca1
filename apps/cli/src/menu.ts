import { input, select } from '@inquirer/prompts';
import { Cancelled, errorMessage, parseTicket } from '@pixelpass/core';
import { readConfig, updateConfig } from './cli-config.js';
import { PLAYER_ADAPTERS, x11Monitors, x11WindowProblem, soundServer } from './composition.js';
import { audioChoices, playerChoices, relayChoices, sourceChoices, type AppInfo, type SourceAnswer } from './menu-choices.js';
import { sessionKind } from './session.js';

/** Hook for the audio adapter's app lister; 'unavailable' when there is no sound server. */
export type PlayingAppLister = () => Promise<readonly AppInfo[]>;

const listPlayingApps: PlayingAppLister = () => soundServer().playingApps();

async function hostQuestions(env: NodeJS.ProcessEnv, listApps: PlayingAppLister): Promise<string[]> {
  const session = sessionKind(env);
  const monitors = session === 'x11' ? await x11Monitors(env.DISPLAY).catch(() => []) : [];
  const picked: SourceAnswer = await select({ message: 'What do you want to share?', choices: sourceChoices(session, monitors) });
  let source: readonly string[];
  if (picked === 'ask-window') {
    // Checked on enter against the windows open now, not after the last question.
    const title = await input({
      message: 'Part of the window title:',
      validate: async (v) => (v.trim() ? ((await x11WindowProblem(env.DISPLAY, v.trim())) ?? true) : 'type a few letters of the window title'),
    });
    source = ['--source', 'x11', '--window', title.trim()];
  } else {
    source = picked;
  }
  const apps = await listApps().catch(() => 'unavailable' as const);
  const audio = await select({ message: 'Which sound?', choices: audioChoices(source, apps) });
  const relay = await select({ message: 'Who will watch?', choices: relayChoices() });
  return ['host', ...source, ...audio, ...relay, '--copy'];
}

/** The players that can run here, as their adapters judge it (installed, plugins, not VLC as root). */
async function usablePlayers(): Promise<Array<'mpv' | 'vlc'>> {
  const ids = ['mpv', 'vlc'] as const;
  const ok = await Promise.all(ids.map(async (id) => ((await PLAYER_ADAPTERS[id]({ playerArgs: [] }).readiness?.()) ?? []).every((c) => c.status !== 'fail')));
  return ids.filter((_, i) => ok[i]);
}

/** The same one-line reason `pixelpass view` would give, shown under the prompt. */
export function validateTicket(text: string): true | string {
  try {
    parseTicket(text);
    return true;
  } catch (err) {
    return errorMessage(err);
  }
}

async function viewQuestions(env: NodeJS.ProcessEnv): Promise<string[]> {
  const ticket = await input({ message: 'Paste the ticket:', validate: validateTicket });
  const config = await readConfig(env);
  const installed = await usablePlayers();
  if (installed.length === 0) process.stderr.write('pixelpass: neither mpv nor VLC is installed (install mpv); you can still open the URL in any player\n');
  const player = await select({
    message: 'Watch with:',
    choices: playerChoices(installed, config.lastPlayer),
    default: config.lastPlayer,
  });
  // A config that cannot be written only means the menu forgets; VLC's plugins are checked by `view` itself.
  await updateConfig({ lastPlayer: player }, env).catch(() => undefined);
  return ['view', ticket.trim(), '--player', player];
}

/**
 * `pixelpass` on a terminal: asks Host or View and the few things that matter,
 * and answers with the command line that does it.
 */
export async function runMenu(env: NodeJS.ProcessEnv = process.env, listApps: PlayingAppLister = listPlayingApps): Promise<string[]> {
  try {
    const mode = await select({
      message: 'pixelpass — what do you want to do?',
      choices: [
        { name: 'Host — share my screen', value: 'host' as const },
        { name: 'View — watch a shared screen', value: 'view' as const },
      ],
    });
    return mode === 'host' ? await hostQuestions(env, listApps) : await viewQuestions(env);
  } catch (err) {
    // Ctrl-C at a prompt: inquirer has restored the terminal; nothing else was started: a clean stop.
    if (err instanceof Error && err.name === 'ExitPromptError') {
      process.stderr.write('\n');
      throw new Cancelled('the menu was left');
    }
    throw err;
  }
}
