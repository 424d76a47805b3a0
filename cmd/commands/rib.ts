// `podbgp rib [PREFIX] [--family ipv4|ipv6] [--peer ADDR [--in|--out]] [--longer]`: the routes
// podbgp knows, one path per line with the FRR/gobgp status markers (`*>` best, `*=` multipath).
//
// In: ListRoutes over the local API (streamed). Out: a table, or the records as json/yaml.
import type { Command } from '../cli.ts';
import type { RouteQuery, RouteRecord } from '../../api/daemon-api.ts';
import { CliError, ExitCode } from '../cli.ts';
import { SOCKET_HELP, SOCKET_OPTION, withApi } from '../api-client.ts';
import { cell, humanDuration, OUTPUT_OPTION, outputFormatOf, render, renderTable } from '../output.ts';
import { parseAddressBytes, parsePrefix } from '../../rib/prefix.ts';

/** The status marker: `*>` best, `*=` multipath, `* ` usable, blank when ineligible; S for stale. */
export function routeMarker(r: RouteRecord): string {
  const usable = r.ineligible.length === 0;
  const m = !usable ? '  ' : r.best ? '*>' : r.multipath ? '*=' : '* ';
  return (r.stale ? 'S' : ' ') + m;
}

export function ribTable(routes: readonly RouteRecord[], wide: boolean, now: number): string {
  const headers = [
    '',
    'PREFIX',
    'NEXT HOP',
    'PEER',
    'AS PATH',
    'ORIGIN',
    'LOCPRF',
    'MED',
    'COMMUNITIES',
    'AGE',
  ];
  if (wide) headers.push('PATH ID', 'NOTE');
  const rows = routes.map((r) => {
    const row = [
      routeMarker(r),
      r.prefix,
      r.nextHop,
      r.peer,
      cell(r.asPath),
      cell(r.origin),
      cell(r.localPref),
      cell(r.med),
      cell([...r.communities, ...r.largeCommunities].join(' ')),
      r.since === null ? '-' : humanDuration(now - r.since),
    ];
    if (wide) row.push(String(r.pathId), cell(r.ineligible.join('; ')));
    return row;
  });
  return renderTable(headers, rows);
}

/** The query for the flags and the optional PREFIX; usage errors exit 2. */
export function ribQueryOf(positionals: string[], values: Record<string, unknown>): RouteQuery {
  if (positionals.length > 1) throw new CliError('podbgp rib takes at most one PREFIX', ExitCode.USAGE);
  const q: { -readonly [K in keyof RouteQuery]: RouteQuery[K] } = { table: 'loc' };
  if (values.in === true && values.out === true)
    throw new CliError('--in and --out exclude each other', ExitCode.USAGE);
  if (values.in === true || values.out === true) {
    if (values.peer === undefined) throw new CliError('--in and --out need --peer ADDR', ExitCode.USAGE);
    q.table = values.in === true ? 'in' : 'out';
  }
  if (values.peer !== undefined) {
    const peer = values.peer as string;
    try {
      parseAddressBytes(peer);
    } catch {
      throw new CliError(`bad peer address "${peer}": expected an IPv4 or IPv6 address`, ExitCode.USAGE);
    }
    q.peer = peer;
  }
  if (values.family !== undefined) {
    if (values.family !== 'ipv4' && values.family !== 'ipv6')
      throw new CliError(`bad family "${String(values.family)}": expected ipv4 or ipv6`, ExitCode.USAGE);
    q.family = values.family;
  }
  const prefix = positionals[0];
  if (prefix !== undefined) {
    try {
      parsePrefix(prefix);
    } catch (e) {
      throw new CliError(`bad prefix "${prefix}": ${(e as Error).message}`, ExitCode.USAGE);
    }
    q.prefix = prefix;
  }
  if (values.longer === true) {
    if (prefix === undefined) throw new CliError('--longer needs a PREFIX', ExitCode.USAGE);
    q.longer = true;
  }
  return q;
}

export const ribCommand: Command = {
  name: 'rib',
  summary: "Show BGP routes: the Loc-RIB, or a peer's Adj-RIB-In/Out",
  usage: '[PREFIX] [--family ipv4|ipv6] [--peer ADDR [--in|--out]] [--longer] [-o table|wide|json|yaml]',
  help: `
Lists every path podbgp holds for each prefix, one line per path.

status markers (first column, as in FRR and gobgp):
  *>   the best path: the one advertised to peers and installed in the kernel
  *=   a multipath (ECMP) path: installed in the kernel together with the best path
  *    a valid path that lost the decision ('podbgp explain PREFIX' says why)
       (blank) not usable: see NOTE in -o wide (next hop unreachable, loop, rejected by policy)
  S    stale: kept from a peer that is restarting (graceful restart) until its End-of-RIB

selection:
  PREFIX              exactly that prefix (10.1.0.0/16), or for an address alone (10.1.2.3)
                      the longest prefix that covers it
  --longer            PREFIX and every more specific prefix inside it
  --family F          ipv4 or ipv6 only
  --peer ADDR         only paths learned from ADDR (Loc-RIB)
  --peer ADDR --in    ADDR's Adj-RIB-In: everything received, including paths import policy
                      rejected (pre-policy attributes where soft reconfiguration keeps them)
  --peer ADDR --out   ADDR's Adj-RIB-Out: what podbgp advertises to it, with the outgoing attributes

options:
  -o, --output FORMAT   table (default), wide (adds PATH ID and NOTE), json or yaml
${SOCKET_HELP}

examples:
  podbgp rib
  podbgp rib 10.244.0.0/16 --longer
  podbgp rib --peer 10.0.0.1 --out --family ipv6`,
  options: {
    ...OUTPUT_OPTION,
    ...SOCKET_OPTION,
    family: { type: 'string' },
    peer: { type: 'string' },
    in: { type: 'boolean' },
    out: { type: 'boolean' },
    longer: { type: 'boolean' },
  },
  async run(positionals, values, io) {
    const format = outputFormatOf(values.output);
    const q = ribQueryOf(positionals, values);
    const routes = await withApi(values, io, (api) => api.collectRoutes(q));
    io.stdout.write(render(format, routes, (wide) => ribTable(routes, wide, Date.now())));
    return ExitCode.OK;
  },
};
