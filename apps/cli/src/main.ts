#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { TICKET_PREFIX } from '@pixelpass/core';
import { runAppList, runRepair } from './audio-commands.js';
import { runDemo } from './demo-command.js';
import { runDoctor } from './doctor-command.js';
import { describeError, EXIT_OK, exitCodeFor, isCommanderError } from './exit-codes.js';
import { addFlags, HOST_FLAGS, hostOptions, VIEW_FLAGS, viewOptions, type HostFlags, type ViewFlags } from './flags.js';
import { runHost } from './host-command.js';
import { runMenu } from './menu.js';
import { numberIn } from './parse-options.js';
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
  pixelpass doctor                what is installed, what is missing and which package has it`;

const line = new TerminalLine();
let verbosity: Verbosity = 'normal';
const ui = () => ({ line, log: line.logger(verbosity) });

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
    .hook('preAction', (cmd) => {
      const o = cmd.opts<{ quiet?: boolean; verbose?: boolean }>();
      verbosity = o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
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
    const inArgv = source.kind === 'argument' && process.argv.includes(argument!);
    // Overwrites argv, which is what other users read in /proc/PID/cmdline.
    if (inArgv) process.title = 'pixelpass view';
    await withShutdown((shutdown) => runView({ ...viewOptions(ticket, flags), ticketWasInArgv: inArgv }, ui(), shutdown));
  });

  p.command('app-list').description('list the applications playing sound now (names for host --app)').action(runAppList);
  p.command('repair').description('remove sound sinks, loopbacks and routing left behind by a pixelpass that crashed').action(runRepair);
  p.command('doctor')
    .description('check that everything hosting and viewing need is installed; exit 0 when both can work')
    .option('--reprobe', 'probe the encoders again instead of using cached results', false)
    .action(async (flags: { reprobe: boolean }) => runDoctor({ reprobe: flags.reprobe }));
  p.command('demo')
    .description('host the test source and watch it on this machine, decoding headless; prints what arrived')
    .option('--seconds <n>', 'how long to watch', numberIn('--seconds', 1, 600), 5)
    .action(async (flags: { seconds: number }) => runDemo(flags.seconds));
  return p;
}

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  // `pixelpass <ticket>` is a shortcut for `pixelpass view <ticket>` (pasted with spaces around it, too).
  if (args[0]?.trim().toLowerCase().startsWith(TICKET_PREFIX)) args.unshift('view');
  if (args.length === 0 && !process.stdin.isTTY) args.push('host');
  // On a terminal, a bare `pixelpass` asks what to do and builds the command line.
  else if (args.length === 0 && process.stdout.isTTY) args.push(...(await runMenu()));
  await program().parseAsync(args, { from: 'user' });
  return EXIT_OK;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    line.clear();
    const code = exitCodeFor(err);
    const text = describeError(err);
    if (text && !isCommanderError(err)) process.stderr.write(`pixelpass: ${text}\n`);
    if (process.env.PIXELPASS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(code);
  },
);
