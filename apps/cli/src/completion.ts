import type { Command, Option } from 'commander';

/**
 * `pixelpass completion bash|zsh|fish`: the scripts are made from the same
 * commander program the CLI parses with, so a new flag is completed without
 * anyone remembering to.
 */
export interface OptionModel {
  readonly long: string;
  readonly short?: string | undefined;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices?: readonly string[] | undefined;
  /** The value is a path (complete file names). */
  readonly file: boolean;
}

export interface CommandModel {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionModel[];
  /** Fixed words for its first argument (completion's shells, help's topics). */
  readonly words?: readonly string[] | undefined;
}

export interface CompletionModel {
  readonly program: string;
  readonly options: readonly OptionModel[];
  readonly commands: readonly CommandModel[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Flags whose value is a file name. */
const FILE_FLAGS = new Set(['--ticket-file', '--record']);

function optionModel(o: Option): OptionModel {
  const long = o.long ?? o.short ?? '';
  return {
    long,
    short: o.long ? o.short : undefined,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
    file: FILE_FLAGS.has(long),
  };
}

/** What completion needs of the program: commands, their flags, the values each flag takes. */
export function completionModel(program: Command, words: Readonly<Record<string, readonly string[]>> = {}): CompletionModel {
  const help: OptionModel = { long: '--help', short: '-h', description: 'display help', takesValue: false, file: false };
  return {
    program: program.name(),
    options: [...program.options.map(optionModel), help],
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [...c.options.map(optionModel), help],
      words: words[c.name()],
    })),
  };
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
const fnName = (program: string): string => `_${program.replace(/[^a-zA-Z0-9]/g, '_')}`;

export function bashScript(m: CompletionModel): string {
  const flagWords = (opts: readonly OptionModel[]): string => opts.flatMap((o) => [o.long, ...(o.short ? [o.short] : [])]).join(' ');
  const valueCases: string[] = [];
  for (const c of m.commands) {
    for (const o of c.options) {
      if (!o.takesValue) continue;
      const action = o.choices ? `COMPREPLY=($(compgen -W "${o.choices.join(' ')}" -- "$cur"))` : o.file ? 'COMPREPLY=($(compgen -f -- "$cur"))' : 'COMPREPLY=()';
      valueCases.push(`    ${c.name}:${o.long}) ${action}; return ;;`);
    }
  }
  const commandCases = m.commands.map((c) => `    ${c.name}) words="${[...(c.words ?? []), flagWords(c.options)].join(' ').trim()}" ;;`);
  return `# bash completion for ${m.program} (pixelpass completion bash)
${fnName(m.program)}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$cmd:$prev" in
${valueCases.join('\n')}
  esac
  case "$cmd" in
    "") words="${m.commands.map((c) => c.name).join(' ')} ${flagWords(m.options)}" ;;
${commandCases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F ${fnName(m.program)} ${m.program}
`;
}

/** zsh single-quoted text: no way to escape a quote inside, so close, escape, reopen. */
const zq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** _arguments descriptions: brackets and colons are its syntax. */
const zdesc = (s: string): string => oneLine(s).replace(/[[\]:]/g, (c) => ({ '[': '(', ']': ')', ':': ' -' })[c]!);

function zshSpec(o: OptionModel): string[] {
  const value = o.takesValue ? `:${o.long.replace(/^--/, '')}:${o.choices ? `(${o.choices.join(' ')})` : o.file ? '_files' : ' '}` : '';
  const names = o.short ? [o.short, o.long] : [o.long];
  return names.map((n) => zq(`${n}[${zdesc(o.description)}]${value}`));
}

export function zshScript(m: CompletionModel): string {
  const commands = m.commands.map((c) => `    ${zq(`${c.name}:${zdesc(c.description)}`)}`).join('\n');
  const perCommand = m.commands
    .map((c) => {
      const specs = c.options.flatMap(zshSpec);
      const first = c.words ? [zq(`1:${c.name === 'help' ? 'topic' : 'word'}:(${c.words.join(' ')})`)] : c.name === 'view' ? [zq('1:ticket: ')] : [];
      return `        ${c.name}) _arguments -s ${[...specs, ...first].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef ${m.program}
# zsh completion for ${m.program} (pixelpass completion zsh)
${fnName(m.program)}() {
  local -a commands
  commands=(
${commands}
  )
  local state
  _arguments -C ${m.options.flatMap(zshSpec).join(' ')} '1: :->command' '*:: :->args'
  case $state in
    command) _describe -t commands command commands ;;
    args)
      case $words[1] in
${perCommand}
      esac
      ;;
  esac
}
${fnName(m.program)} "$@"
`;
}

/** fish single-quoted text: backslash escapes the quote and itself. */
const fq = (s: string): string => `'${oneLine(s).replace(/[\\']/g, (c) => `\\${c}`)}'`;

export function fishScript(m: CompletionModel): string {
  const p = m.program;
  const lines = [`# fish completion for ${p} (pixelpass completion fish)`, `complete -c ${p} -f`];
  const flag = (o: OptionModel, condition: string): string => {
    const names = `-l ${o.long.replace(/^--/, '')}${o.short ? ` -s ${o.short.replace(/^-/, '')}` : ''}`;
    const value = !o.takesValue ? '' : o.choices ? ` -x -a ${fq(o.choices.join(' '))}` : o.file ? ' -r -F' : ' -x';
    return `complete -c ${p} -n ${fq(condition)} ${names}${value} -d ${fq(o.description)}`;
  };
  for (const o of m.options) lines.push(flag(o, '__fish_use_subcommand'));
  for (const c of m.commands) lines.push(`complete -c ${p} -n __fish_use_subcommand -a ${c.name} -d ${fq(c.description)}`);
  for (const c of m.commands) {
    const seen = `__fish_seen_subcommand_from ${c.name}`;
    for (const o of c.options) lines.push(flag(o, seen));
    if (c.words) lines.push(`complete -c ${p} -n ${fq(seen)} -x -a ${fq(c.words.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, m: CompletionModel): string {
  return shell === 'bash' ? bashScript(m) : shell === 'zsh' ? zshScript(m) : fishScript(m);
}
