// `podbgp originate add|del CIDR`: start or stop originating a prefix from this node (advertised
// to peers as locally originated, like the node's Pod CIDRs), without a restart.
//
// In: AddOriginated / DeleteOriginated over the local API. Out: one line saying what changed.
import type { Command } from '../cli.ts';
import { CliError, ExitCode } from '../cli.ts';
import { SOCKET_HELP, SOCKET_OPTION, withApi } from '../api-client.ts';
import { parsePrefix } from '../../rib/prefix.ts';

export const originateCommand: Command = {
  name: 'originate',
  summary: 'Add or delete a prefix this node originates',
  usage: 'add|del CIDR [--socket PATH]',
  help: `
  add CIDR   originate CIDR (e.g. 10.244.1.0/24 or 2001:db8:1::/64) from this node
  del CIDR   stop originating it (peers get a withdrawal)
CIDR must have no host bits set. The change lasts until podbgp restarts; put the prefix in the
configuration's 'originate' list to keep it.

options:
${SOCKET_HELP}`,
  options: { ...SOCKET_OPTION },
  async run(positionals, values, io) {
    const [verb, cidr, ...extra] = positionals;
    if ((verb !== 'add' && verb !== 'del') || cidr === undefined || extra.length > 0)
      throw new CliError('usage: podbgp originate add|del CIDR', ExitCode.USAGE);
    try {
      parsePrefix(cidr);
    } catch (e) {
      throw new CliError(`bad prefix "${cidr}": ${(e as Error).message}`, ExitCode.USAGE);
    }
    await withApi(values, io, (api) =>
      verb === 'add' ? api.addOriginated(cidr) : api.deleteOriginated(cidr),
    );
    io.stdout.write(verb === 'add' ? `originating ${cidr}\n` : `no longer originating ${cidr}\n`);
    return ExitCode.OK;
  },
};
