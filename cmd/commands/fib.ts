// `podbgp fib`: the kernel routes podbgp owns (its routing protocol number), each with whether it
// matches what the RIB wants, and why not: a route the RIB wants but the kernel lacks (missing),
// one that differs (no), and one of ours the RIB no longer wants (extra).
//
// In: ListKernelRoutes over the local API. Out: a table, or the records as json/yaml.
import type { Command } from '../cli.ts';
import type { KernelRouteRecord } from '../../api/daemon-api.ts';
import { ExitCode } from '../cli.ts';
import { SOCKET_HELP, SOCKET_OPTION, withApi } from '../api-client.ts';
import { cell, OUTPUT_OPTION, outputFormatOf, render, renderTable } from '../output.ts';

export function fibTable(routes: readonly KernelRouteRecord[], wide: boolean): string {
  const headers = ['PREFIX', 'TYPE', 'NEXT HOPS', 'METRIC', 'MATCH', 'WHY'];
  if (wide) headers.splice(4, 0, 'PROTO', 'TABLE');
  const rows = routes.map((r) => {
    const row = [r.prefix, r.type, cell(r.nextHops.join(', ')), String(r.metric), r.match, cell(r.reason)];
    if (wide) row.splice(4, 0, String(r.protocol), String(r.table));
    return row;
  });
  return renderTable(headers, rows);
}

export const fibCommand: Command = {
  name: 'fib',
  summary: 'Show the kernel routes podbgp owns and whether each matches the RIB',
  usage: '[-o table|wide|json|yaml] [--socket PATH]',
  help: `
Lists the routes podbgp installed in the kernel (those with its routing protocol number, 201
unless configured otherwise; 'ip route show proto 201' shows the same) and the routes the RIB
wants there.

MATCH:
  yes       in the kernel exactly as the RIB wants it
  no        in the kernel, but different (WHY says how, or the kernel's error)
  missing   the RIB wants it and the kernel does not have it (WHY: the netlink error, if any)
  extra     ours in the kernel but not wanted by the RIB (removed at the next reconcile, or
            kept on purpose while graceful restart holds the sweep)

options:
  -o, --output FORMAT   table (default), wide (adds PROTO and TABLE), json or yaml
${SOCKET_HELP}`,
  options: { ...OUTPUT_OPTION, ...SOCKET_OPTION },
  async run(_positionals, values, io) {
    const format = outputFormatOf(values.output);
    const routes = await withApi(values, io, (api) => api.listKernelRoutes());
    io.stdout.write(render(format, routes, (wide) => fibTable(routes, wide)));
    return ExitCode.OK;
  },
};
