#!/usr/bin/env node
// The podbgp CLI entry: picks the command and maps errors to exit codes. The daemon itself is
// `podbgp run`; every other command talks to it over the local API or works offline (decode,
// config check, demo).
import { CliError, commandHelp, ExitCode, mainHelp, parseCommandArgs, type Command, type Io } from './cli.ts';
import { configCheckCommand } from './commands/config-check.ts';
import { decodeCommand } from './commands/decode.ts';
import { runCommand } from './commands/run.ts';
import { peersCommand } from './commands/peers.ts';
import { peerCommand } from './commands/peer.ts';
import { ribCommand } from './commands/rib.ts';
import { fibCommand } from './commands/fib.ts';
import { explainCommand } from './commands/explain.ts';
import { originateCommand } from './commands/originate.ts';
import { completionCommand } from './commands/completion.ts';
import { demoCommand } from './commands/demo.ts';

const commands: readonly Command[] = [
  runCommand,
  decodeCommand,
  configCheckCommand,
  peersCommand,
  peerCommand,
  ribCommand,
  fibCommand,
  explainCommand,
  originateCommand,
  demoCommand,
  completionCommand(() => commands),
];

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp(commands));
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`podbgp: unknown command "${name}"\n\n${mainHelp(commands)}`);
    return ExitCode.USAGE;
  }
  try {
    const { positionals, values } = parseCommandArgs(cmd, rest);
    if (values.help) {
      io.stdout.write(commandHelp(cmd));
      return ExitCode.OK;
    }
    return await cmd.run(positionals, values, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
  process.exitCode = code;
}
