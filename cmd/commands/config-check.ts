// `podbgp config check FILE`: validates a config file exactly as `podbgp run` would at start-up,
// without running anything. Exit 0 when valid, 2 with path/expected/got when not.
import { ConfigError } from '../../config/checks.ts';
import { loadConfig } from '../../config/load.ts';
import { CliError, ExitCode, type Command } from '../cli.ts';

export const configCheckCommand: Command = {
  name: 'config',
  summary: 'Check a configuration file (podbgp config check FILE)',
  usage: 'check FILE',
  help: `
Validates FILE (YAML or JSON) with the same rules as 'podbgp run --config FILE', including
PODBGP_* environment overrides, and prints a summary. Exits 2 with the path of the first
fault, what was expected there and what was found.

example:
  podbgp config check /etc/podbgp/config.yaml`,
  options: {},
  async run(positionals, _values, io) {
    if (positionals[0] !== 'check' || positionals.length !== 2) {
      throw new CliError('usage: podbgp config check FILE', ExitCode.USAGE);
    }
    const file = positionals[1]!;
    try {
      const cfg = loadConfig({ file, env: io.env });
      io.stdout.write(
        `${file}: valid (AS ${cfg.asn}, router id ${cfg.routerId}, ${cfg.peers.length} peer(s), ` +
          `${cfg.originate.length} originated prefix(es))\n`,
      );
      return ExitCode.OK;
    } catch (e) {
      if (e instanceof ConfigError)
        throw new CliError(`${file}: invalid configuration: ${e.message}`, ExitCode.USAGE);
      throw e;
    }
  },
};
