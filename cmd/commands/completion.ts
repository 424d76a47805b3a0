// `podbgp completion bash|zsh`: a shell completion script generated from the command table, so
// it always knows every command and flag: command names, each command's flags, the values of
// -o/--output and --family, peer addresses (asked of the daemon with `podbgp peers -o json`),
// the actions of `podbgp peer ADDR`, and file names for --socket and `config check`.
// zsh gets the same function through zsh's bashcompinit.
//
// In: the command table (given late: podbgp.ts builds it with this command in it). Out: a script.
import type { Command } from '../cli.ts';
import { CliError, ExitCode } from '../cli.ts';
import { OUTPUT_FORMATS } from '../output.ts';
import { PEER_ACTIONS } from '../../api/daemon-api.ts';

const SHELLS = ['bash', 'zsh'] as const;

function flagsOf(c: Command): string {
  const flags: string[] = [];
  for (const [name, o] of Object.entries(c.options)) {
    flags.push(`--${name}`);
    if (o.short !== undefined) flags.push(`-${o.short}`);
  }
  flags.push('--help', '-h');
  return flags.join(' ');
}

/** Words for the Nth positional argument of a command (1-based), as bash code that sets COMPREPLY. */
function positionalCases(c: Command): string | null {
  const words = (list: readonly string[]) => `COMPREPLY=($(compgen -W "${list.join(' ')}" -- "$cur"))`;
  switch (c.name) {
    case 'peer':
      return `case $npos in 1) COMPREPLY=($(compgen -W "$(_podbgp_peer_addresses)" -- "$cur")) ;; 2) ${words(PEER_ACTIONS)} ;; esac`;
    case 'originate':
      return `case $npos in 1) ${words(['add', 'del'])} ;; esac`;
    case 'completion':
      return `case $npos in 1) ${words(SHELLS)} ;; esac`;
    case 'config':
      return `case $npos in 1) ${words(['check'])} ;; 2) COMPREPLY=($(compgen -f -- "$cur")) ;; esac`;
    case 'decode':
      return null;
    default:
      return null;
  }
}

export function bashCompletion(commands: readonly Command[]): string {
  const flagCases = commands.map((c) => `    ${c.name}) flags="${flagsOf(c)}" ;;`).join('\n');
  const posCases = commands
    .map((c) => [c.name, positionalCases(c)] as const)
    .filter((x): x is readonly [string, string] => x[1] !== null)
    .map(([name, code]) => `    ${name}) ${code} ;;`)
    .join('\n');
  return `# bash completion for podbgp. Load with:  source <(podbgp completion bash)
# or install:  podbgp completion bash > /etc/bash_completion.d/podbgp

_podbgp_peer_addresses() {
  podbgp peers -o json 2>/dev/null | sed -n 's/^ *"address": "\\([^"]*\\)".*/\\1/p'
}

_podbgp() {
  local cur prev cmd flags npos i
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} help" -- "$cur"))
    return 0
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "${OUTPUT_FORMATS.join(' ')}" -- "$cur")); return 0 ;;
    --family) COMPREPLY=($(compgen -W "ipv4 ipv6" -- "$cur")); return 0 ;;
    --peer) COMPREPLY=($(compgen -W "$(_podbgp_peer_addresses)" -- "$cur")); return 0 ;;
    --socket|--config) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    -m|--message) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
${flagCases}
    esac
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return 0
  fi
  # Count the positional words before the cursor (skipping flags and the values they take).
  npos=0
  i=2
  while [[ $i -lt $COMP_CWORD ]]; do
    case "\${COMP_WORDS[i]}" in
      -o|--output|--family|--peer|--socket|--config|-m|--message) i=$((i+1)) ;;
      -*) ;;
      *) npos=$((npos+1)) ;;
    esac
    i=$((i+1))
  done
  npos=$((npos+1))
  case "$cmd" in
${posCases}
  esac
  return 0
}
complete -F _podbgp podbgp
`;
}

export function zshCompletion(commands: readonly Command[]): string {
  return `#compdef podbgp
# zsh completion for podbgp. Load with:  source <(podbgp completion zsh)
# It uses zsh's bash completion emulation (bashcompinit) with the bash completion function.
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands)}`;
}

export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'Print a shell completion script (bash or zsh)',
    usage: 'bash|zsh',
    help: `
Completes commands, flags, -o values, --family values, peer addresses (from 'podbgp peers') and
the actions of 'podbgp peer ADDR'.

examples:
  source <(podbgp completion bash)               # this shell
  podbgp completion bash > /etc/bash_completion.d/podbgp
  echo 'source <(podbgp completion zsh)' >> ~/.zshrc`,
    options: {},
    async run(positionals, _values, io) {
      const shell = positionals[0];
      if (positionals.length !== 1 || (shell !== 'bash' && shell !== 'zsh'))
        throw new CliError('usage: podbgp completion bash|zsh', ExitCode.USAGE);
      io.stdout.write(shell === 'bash' ? bashCompletion(commands()) : zshCompletion(commands()));
      return ExitCode.OK;
    },
  };
}
