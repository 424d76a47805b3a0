// `podbgp run`: the daemon. Configuration from a file and/or flags (and PODBGP_* variables);
// a bad configuration stops start-up with the path and the reason (exit 2). SIGHUP reloads the
// file, SIGTERM/SIGINT shut down with Cease / Administrative Shutdown to every peer.
import { ConfigError } from '../../config/checks.ts';
import { loadConfig, type Overrides } from '../../config/load.ts';
import { Daemon } from '../daemon/core.ts';
import { createLogger } from '../daemon/log.ts';
import { CliError, ExitCode, type Command } from '../cli.ts';

function overridesOf(v: Record<string, unknown>): Overrides {
  const o: Overrides = {};
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const l = (k: string) => (Array.isArray(v[k]) ? (v[k] as string[]) : undefined);
  if (s('asn') !== undefined) o.asn = s('asn')!;
  if (s('router-id') !== undefined) o.routerId = s('router-id')!;
  if (l('listen') !== undefined) o.listen = l('listen')!;
  if (l('peer') !== undefined) o.peer = l('peer')!;
  if (l('originate') !== undefined) o.originate = l('originate')!;
  if (l('accept') !== undefined) o.accept = l('accept')!;
  if (v['install-routes'] === true) o.installRoutes = true;
  if (v['no-install-routes'] === true) o.installRoutes = false;
  if (s('kernel-protocol') !== undefined) o.kernelProtocol = s('kernel-protocol')!;
  if (s('log-level') !== undefined) o.logLevel = s('log-level')!;
  if (s('api-socket') !== undefined) o.apiSocket = s('api-socket')!;
  if (s('metrics-address') !== undefined) o.metricsAddress = s('metrics-address')!;
  return o;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the BGP daemon',
  usage: '[--config FILE] [--asn N --router-id A.B.C.D --peer ADDRESS:ASN[,opts]... --originate CIDR...]',
  help: `
Runs podbgp in the foreground: BGP sessions, the RIB, kernel routes, the local API
(--api-socket, default /run/podbgp/podbgp.sock) and metrics/health (--metrics-address,
default :9179; "off" disables it). Flags override the file; PODBGP_* environment variables
override the file too, and flags override them.

options:
  --config FILE              YAML or JSON configuration (see 'podbgp config check')
  --asn N                    local AS number
  --router-id A.B.C.D        BGP identifier
  --listen ADDR[:PORT]       listen address (repeatable; [v6]:port form; :PORT for all)
  --peer SPEC                ADDRESS:ASN[,passive][,password-file=F][,multihop=N][,ttl-security][,rr-client]
                             (repeatable; [v6]:asn form; ASN may be internal or external)
  --originate CIDR           advertise this prefix (repeatable; the node's Pod CIDRs)
  --accept CIDR              import routes for prefixes inside CIDR (repeatable). Without this
                             or a policy, an eBGP peer gives nothing (RFC 8212)
  --install-routes / --no-install-routes
  --kernel-protocol N        rtnetlink protocol number of our routes (default 201)
  --graceful-restart-restarting
                             podbgp restarted with its kernel routes in place (RFC 4724 R bit)
  --log-level LEVEL          error, warn, info, debug

signals: SIGHUP reloads --config; SIGTERM and SIGINT shut down (Cease / Administrative
Shutdown to every peer; kernel routes kept when graceful restart is enabled).

example:
  podbgp run --asn 65001 --router-id 10.0.0.1 --peer 10.0.0.254:65000 \\
    --originate 10.244.1.0/24 --accept 10.244.0.0/16`,
  options: {
    config: { type: 'string', short: 'c' },
    asn: { type: 'string' },
    'router-id': { type: 'string' },
    listen: { type: 'string', multiple: true },
    peer: { type: 'string', multiple: true },
    originate: { type: 'string', multiple: true },
    accept: { type: 'string', multiple: true },
    'install-routes': { type: 'boolean' },
    'no-install-routes': { type: 'boolean' },
    'kernel-protocol': { type: 'string' },
    'graceful-restart-restarting': { type: 'boolean' },
    'log-level': { type: 'string' },
    'api-socket': { type: 'string' },
    'metrics-address': { type: 'string' },
  },
  async run(positionals, values, io) {
    if (positionals.length > 0)
      throw new CliError(`podbgp run: unexpected argument ${positionals[0]}`, ExitCode.USAGE);
    const file = typeof values.config === 'string' ? values.config : undefined;
    const flags = overridesOf(values);
    const load = () => loadConfig({ ...(file !== undefined ? { file } : {}), env: io.env, flags });
    let config;
    try {
      config = load();
    } catch (e) {
      if (e instanceof ConfigError)
        throw new CliError(`podbgp: invalid configuration: ${e.message}`, ExitCode.USAGE);
      throw e;
    }
    const logger = createLogger({ level: config.logging.level, format: config.logging.format });
    const daemon = new Daemon({
      config,
      logger,
      env: io.env,
      restarting: values['graceful-restart-restarting'] === true,
    });
    try {
      await daemon.start();
    } catch (e) {
      if (e instanceof ConfigError) {
        await daemon.stop().catch(() => {});
        throw new CliError(`podbgp: invalid configuration: ${e.message}`, ExitCode.USAGE);
      }
      logger.error(`podbgp failed to start: ${(e as Error).message}`);
      await daemon.stop().catch(() => {});
      return ExitCode.FAILURE;
    }
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info(`${signal}: shutting down`);
        daemon.stop(`podbgp is shutting down (${signal})`).then(
          () => resolve(ExitCode.OK),
          (e: Error) => {
            logger.error(`shutdown: ${e.message}`);
            resolve(ExitCode.FAILURE);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGHUP', () => {
        if (file === undefined) {
          logger.warn('SIGHUP: no --config file to reload');
          return;
        }
        // A bad file (or an unreadable Secret) on reload keeps the running configuration.
        const keep = (e: unknown) =>
          logger.error(`SIGHUP: configuration not reloaded, the running one stays: ${(e as Error).message}`);
        try {
          daemon.reload(load()).catch(keep);
        } catch (e) {
          keep(e);
        }
      });
    });
  },
};
