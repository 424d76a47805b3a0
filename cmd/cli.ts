// The CLI's small framework: a command table, argument parsing with node:util parseArgs, help
// text, and exit codes (0 ok, 1 failure, 2 usage or configuration error), in the manner of
// kubectl/gobgp: `podbgp COMMAND [ARGS] [--flags]`.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** An error whose message is meant for the user as it is; `exitCode` decides the process exit. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.FAILURE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage line after "podbgp NAME". */
  readonly usage: string;
  /** Longer help: what it does, options, examples. */
  readonly help: string;
  readonly options: ParseArgsOptionsConfig;
  /** Rewrites argv before parsing (e.g. a flag whose value is optional, which parseArgs lacks). */
  readonly preprocess?: (argv: string[]) => string[];
  run(positionals: string[], values: Record<string, unknown>, io: Io): Promise<number>;
}

export function parseCommandArgs(
  cmd: Command,
  argv: string[],
): { positionals: string[]; values: Record<string, unknown> } {
  try {
    const { positionals, values } = parseArgs({
      args: cmd.preprocess ? cmd.preprocess(argv) : argv,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { positionals, values: values as Record<string, unknown> };
  } catch (e) {
    throw new CliError(
      `podbgp ${cmd.name}: ${(e as Error).message}\nusage: podbgp ${cmd.name} ${cmd.usage}`,
      2,
    );
  }
}

export function commandHelp(cmd: Command): string {
  return `usage: podbgp ${cmd.name} ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help.trim()}\n`;
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'podbgp — a BGP speaker for routed Kubernetes pod networks',
    '',
    'usage: podbgp COMMAND [ARGS] [OPTIONS]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'podbgp COMMAND --help' for a command's options.",
    '',
  ].join('\n');
}
