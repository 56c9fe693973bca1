import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { bashScript, completionModel, fishScript, zshScript } from './completion.js';

function program(): Command {
  const p = new Command('pixelpass').option('-q, --quiet', 'only warnings');
  p.command('host')
    .description("share this screen; it's [yours]")
    .addOption(new Option('--source <source>', 'what to share').choices(['auto', 'test']))
    .option('--ticket-file <path>', 'write the ticket here')
    .option('--fps <n>', 'frames: per second')
    .option('--approve', 'ask first');
  p.command('completion').description('print a script').argument('<shell>');
  return p;
}

describe('completion scripts from the commander program', () => {
  const m = completionModel(program(), { completion: ['bash', 'zsh', 'fish'] });

  it('the model has every command, flag, value and file flag', () => {
    const host = m.commands.find((c) => c.name === 'host')!;
    expect(host.options.map((o) => o.long)).toEqual(['--source', '--ticket-file', '--fps', '--approve', '--help']);
    expect(host.options[0]).toMatchObject({ takesValue: true, choices: ['auto', 'test'], file: false });
    expect(host.options[1]).toMatchObject({ takesValue: true, file: true });
    expect(host.options[3]).toMatchObject({ takesValue: false });
    expect(m.options.map((o) => o.long)).toEqual(['--quiet', '--help']);
  });

  it.each([
    ['bash', bashScript, ['complete -F _pixelpass pixelpass', 'host:--source) COMPREPLY=($(compgen -W "auto test"', 'host:--ticket-file) COMPREPLY=($(compgen -f', 'completion) words="bash zsh fish --help -h"']],
    ['zsh', zshScript, ['#compdef pixelpass', "'--source[what to share]:source:(auto test)'", "'--ticket-file[write the ticket here]:ticket-file:_files'", "'--fps[frames - per second]:fps: '", "'host:share this screen; it'\\''s (yours)'"]],
    ['fish', fishScript, ["complete -c pixelpass -n '__fish_seen_subcommand_from host' -l source -x -a 'auto test' -d 'what to share'", "-l ticket-file -r -F", "complete -c pixelpass -n __fish_use_subcommand -a host -d 'share this screen; it\\'s [yours]'", "-x -a 'bash zsh fish'"]],
  ] as const)('%s', (_shell, make, fragments) => {
    const script = make(m);
    for (const f of fragments) expect(script).toContain(f);
  });
});
