import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { UsageError } from '@pixelpass/core';
import { expandShortcuts } from './argv-shortcuts.js';
import { runAppList, runRepair } from './audio-commands.js';
import { runDemo } from './demo-command.js';
import { runDoctor } from './doctor-command.js';
import { completionModel, completionScript, SHELLS, type Shell } from './completion.js';
import { describeError, EXIT_OK, exitCodeFor, isCommanderError } from './exit-codes.js';
import { addFlags, HOST_FLAGS, hostOptions, VIEW_FLAGS, viewOptions, type HostFlags, type ViewFlags } from './flags.js';
import { HELP_TOPICS, topicList } from './help-topics.js';
import { jsonLogger, JsonLines, NO_EVENTS, type EventSink } from './json-events.js';
import { runHost } from './host-command.js';
import { runMenu } from './menu.js';
import { numberIn, relaySetting } from './parse-options.js';
import { Shutdown } from './shutdown.js';
import { TerminalLine, type Verbosity } from './terminal-line.js';
import { readTicket, TICKET_ENV, ticketSource } from './ticket-input.js';
import { runView } from './view-command.js';

// dist/main.js and bundle/pixelpass.mjs both sit one level below package.json.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

// Rust backtraces in iroh's error messages cost CPU and mean nothing to users.
if (!process.env.PIXELPASS_DEBUG) process.env.RUST_BACKTRACE = '0';

const EXAMPLES = `
Examples:
  pixelpass                       on a terminal: a menu — share your screen, or watch one
  pixelpass host                  share this screen; prints a ticket to send to a friend
  pixelpass view -                watch a shared screen: paste the ticket (or pipe it in)
  pixelpass view --ticket-file t  the same, the ticket read from a file ($PIXELPASS_TICKET works too)
  pixelpass <ticket>              the same, the ticket as an argument (other local users can see it in ps)
  pixelpass view - --player vlc
  pixelpass host --source test --relay off   a test picture, no relays (offline, LAN)
  pixelpass doctor                what is installed, what is missing and which package has it
  pixelpass help tickets          more on a topic: ${Object.keys(HELP_TOPICS).join(', ')}`;

let line = new TerminalLine();
let verbosity: Verbosity = 'normal';
let events: EventSink = NO_EVENTS;
const ui = () => ({ line, log: events.enabled ? jsonLogger(events, verbosity) : line.logger(verbosity), events });

/** Runs a command with a Shutdown whose cleanups run whatever happens. */
async function withShutdown(run: (shutdown: Shutdown) => Promise<void>): Promise<void> {
  const shutdown = new Shutdown();
  try {
    await run(shutdown);
  } finally {
    await shutdown.run();
  }
}

function program(): Command {
  const p = new Command('pixelpass')
    .description('Peer-to-peer screen sharing for Linux: share a screen with a ticket, watch it in mpv or VLC')
    .version(VERSION)
    .option('-q, --quiet', 'only warnings and errors')
    .option('-v, --verbose', 'also the accounting at exit')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's error is the one line the user sees (with its "did you mean", if any).
      outputError: (text, write) => write(`${text.trim().split('\n').join(' ').replace(/^error: /, 'pixelpass: ')}\n`),
    })
    .helpCommand(false)
    .hook('preAction', (cmd, action) => {
      const o = cmd.opts<{ quiet?: boolean; verbose?: boolean }>();
      verbosity = o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
      if (action.opts<{ json?: boolean }>().json) {
        // JSON on stderr: no status line or spinner may be drawn between the events.
        events = new JsonLines(process.stderr);
        line = new TerminalLine(process.stderr, false);
      }
    });

  addFlags(p.command('host').description('share this screen; prints a ticket for viewers'), HOST_FLAGS).action(async (flags: HostFlags & { repair?: boolean }) => {
    if (flags.repair) return runRepair();
    await withShutdown((shutdown) => runHost(hostOptions(flags), ui(), shutdown));
  });

  addFlags(
    p
      .command('view')
      .description('watch a shared screen; prints the local URL for players')
      .argument('[ticket]', `the ticket the host printed; - reads it from stdin (default: --ticket-file, then $${TICKET_ENV})`),
    VIEW_FLAGS,
  ).action(async (argument: string | undefined, flags: ViewFlags) => {
    const source = ticketSource(argument, flags.ticketFile, process.env);
    const ticket = await readTicket(source);
    // Nothing started from here (the player) needs it, and it is a secret.
    delete process.env[TICKET_ENV];
    const inArgv = source.kind === 'argument' && process.argv.some((a) => a.trim().length >= 8 && argument!.includes(a.trim()));
    // Overwrites argv, which is what other users read in /proc/PID/cmdline.
    if (inArgv) process.title = 'pixelpass view';
    await withShutdown((shutdown) => runView({ ...viewOptions(ticket, flags), ticketWasInArgv: inArgv }, ui(), shutdown));
  });

  p.command('app-list').description('list the applications playing sound now (names for host --app)').action(runAppList);
  p.command('repair').description('remove sound sinks, loopbacks and routing left behind by a pixelpass that crashed').action(runRepair);
  p.command('doctor')
    .description('check that everything hosting and viewing need is installed; exit 0 when both can work')
    .option('--reprobe', 'probe the encoders again instead of using cached results', false)
    .addOption(new Option('--relay <on|off|urls>', 'the relays to check: on (n0\'s), off, or your own <url>[,<url>]').env('PIXELPASS_RELAY'))
    .action(async (flags: { reprobe: boolean; relay?: string }) => runDoctor({ reprobe: flags.reprobe, relay: relaySetting(flags.relay) }));
  p.command('demo')
    .description('host the test source and watch it on this machine, decoding headless; prints what arrived')
    .option('--seconds <n>', 'how long to watch', numberIn('--seconds', 1, 600), 5)
    .action(async (flags: { seconds: number }) => runDemo(flags.seconds));
  p.command('completion')
    .description('print a shell completion script: bash, zsh or fish (see: pixelpass help completion)')
    .argument('<shell>', SHELLS.join(', '))
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion: no script for "${shell}"; pick one of ${SHELLS.join(', ')}`);
      process.stdout.write(completionScript(shell as Shell, completionModel(p, COMPLETION_WORDS)));
    });
  p.command('help')
    .description('help on a command or a topic: pixelpass help host, pixelpass help tickets')
    .argument('[topic]', `a command, or one of: ${Object.keys(HELP_TOPICS).join(', ')}`)
    .action((topic: string | undefined) => {
      if (topic === undefined) {
        p.outputHelp();
        process.stdout.write(`\nTopics (pixelpass help <topic>):\n${topicList()}\n`);
        return;
      }
      const command = p.commands.find((c) => c.name() === topic);
      if (command) return void command.outputHelp();
      const t = HELP_TOPICS[topic];
      if (!t) throw new UsageError(`help: no command or topic "${topic}"; topics: ${Object.keys(HELP_TOPICS).join(', ')}`);
      process.stdout.write(`${t.text}\n`);
    });
  return p;
}

/** Words completion offers for a command's first argument. */
const COMPLETION_WORDS: Readonly<Record<string, readonly string[]>> = {
  completion: SHELLS,
  help: ['host', 'view', 'doctor', 'demo', 'app-list', 'repair', 'completion', ...Object.keys(HELP_TOPICS)],
};

async function main(argv: string[]): Promise<number> {
  // `pixelpass <ticket>` is `pixelpass view <ticket>`; a ticket split by a pasted line break is joined.
  const args = expandShortcuts(argv.slice(2));
  if (args.length === 0 && !process.stdin.isTTY) args.push('host');
  // On a terminal, a bare `pixelpass` asks what to do and builds the command line.
  else if (args.length === 0 && process.stdout.isTTY) args.push(...(await runMenu()));
  await program().parseAsync(args, { from: 'user' });
  return EXIT_OK;
}

main(process.argv).then(
  (code) => {
    events.emit({ event: 'exit', code });
    process.exit(code);
  },
  (err: unknown) => {
    line.clear();
    const code = exitCodeFor(err);
    const text = describeError(err);
    if (events.enabled) events.emit({ event: 'exit', code, ...(text ? { message: text } : {}) });
    else if (text && !isCommanderError(err)) process.stderr.write(`pixelpass: ${text}\n`);
    if (process.env.PIXELPASS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(code);
  },
);
