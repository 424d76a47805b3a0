// `podbgp explain PREFIX`: why podbgp chose the path it chose. Lists every candidate path with
// its attributes, the decision step at which it lost to the best path and why, which paths are in
// the multipath set, and why ineligible paths cannot be used, as a short readable report.
//
// In: Explain over the local API (rib/explain.ts output). Out: the report, or json/yaml.
import type { Command } from '../cli.ts';
import type { ExplainedPath, Explanation } from '../../rib/explain.ts';
import { CliError, ExitCode } from '../cli.ts';
import { SOCKET_HELP, SOCKET_OPTION, withApi } from '../api-client.ts';
import { OUTPUT_OPTION, outputFormatOf, render } from '../output.ts';
import { DECISION_STEPS } from '../../rib/decision/steps.ts';
import { parsePrefix } from '../../rib/prefix.ts';

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'];

function attributesLine(p: ExplainedPath): string {
  const parts = [
    `AS path ${p.asPath === '' ? '(empty)' : p.asPath}`,
    `origin ${p.origin === null ? '-' : (ORIGIN_NAMES[p.origin] ?? String(p.origin))}`,
  ];
  if (p.localPref !== null) parts.push(`local pref ${p.localPref}`);
  if (p.med !== null) parts.push(`MED ${p.med}`);
  if (p.pathId !== 0) parts.push(`path id ${p.pathId}`);
  return parts.join(', ');
}

function verdict(p: ExplainedPath): string {
  if (p.ineligible.length > 0) return `ineligible: ${p.ineligible.join('; ')}`;
  if (p.best) return 'best path';
  if (p.multipath) return 'multipath: equal to the best up to the router-id step, installed with it';
  if (p.lostAt !== null) return `lost at step ${p.lostAt}: ${p.reason ?? ''}`.trimEnd();
  return 'not selected';
}

export function explainReport(e: Explanation): string {
  if (e.paths.length === 0) return `${e.prefix}: no paths in the RIB\n`;
  const eligible = e.paths.filter((p) => p.ineligible.length === 0).length;
  const multi = e.paths.filter((p) => p.multipath).length;
  const best = e.paths.find((p) => p.best);
  const out = [
    `${e.prefix}: ${e.paths.length} candidate path(s), ${eligible} eligible` +
      (best ? `; best from ${best.peer}` : '; no best path') +
      (multi > 1 ? `; ${multi} in the multipath set` : ''),
    `Kernel next hops: ${e.nextHops === null ? 'none' : e.nextHops.join(', ')}`,
    '',
  ];
  for (const p of e.paths) {
    const mark = p.ineligible.length > 0 ? 'x ' : p.best ? '*>' : p.multipath ? '*=' : '* ';
    const stale = p.stale ? ' [stale]' : '';
    out.push(`${mark} from ${p.peer} (AS ${p.peerAs}), next hop ${p.nextHop}${stale}`);
    out.push(`     ${attributesLine(p)}`);
    out.push(`     ${verdict(p)}`);
  }
  out.push('');
  out.push(`Decision steps, in order: ${DECISION_STEPS.map((s) => s.name).join(', ')}`);
  return out.join('\n') + '\n';
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain the best-path decision for a prefix',
  usage: 'PREFIX [-o table|json|yaml] [--socket PATH]',
  help: `
For PREFIX (exactly as in the RIB, e.g. 10.244.1.0/24), prints every candidate path, marked
  *>  the best path      *=  in the multipath (ECMP) set      *  lost      x  ineligible
with its attributes and:
  - for a path that lost, the decision step at which it lost to the best path and why
    (e.g. "lost at step as-path-length: shorter AS_PATH 1 over 2");
  - for an ineligible path, why it cannot be used (next hop unreachable, AS_PATH loop,
    ORIGINATOR_ID or CLUSTER_LIST loop, rejected by import policy).
The steps follow RFC 4271 §9.1.2.2 with the customary extensions: local-pref, as-path-length,
origin, med, ebgp-over-ibgp, router-id, cluster-list-length, peer-address, path-id.

options:
  -o, --output FORMAT   table (default), json or yaml
${SOCKET_HELP}

example:
  podbgp explain 10.244.2.0/24`,
  options: { ...OUTPUT_OPTION, ...SOCKET_OPTION },
  async run(positionals, values, io) {
    const format = outputFormatOf(values.output);
    if (positionals.length !== 1) throw new CliError('usage: podbgp explain PREFIX', ExitCode.USAGE);
    const prefix = positionals[0];
    try {
      parsePrefix(prefix);
    } catch (e) {
      throw new CliError(`bad prefix "${prefix}": ${(e as Error).message}`, ExitCode.USAGE);
    }
    const e = await withApi(values, io, (api) => api.explain(prefix));
    io.stdout.write(render(format, e, () => explainReport(e)));
    return e.paths.length === 0 && format !== 'json' && format !== 'yaml' ? ExitCode.FAILURE : ExitCode.OK;
  },
};
