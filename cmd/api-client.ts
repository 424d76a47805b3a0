// How CLI commands reach the daemon: the --socket option (default $PODBGP_API_SOCKET, else
// /run/podbgp/podbgp.sock), one ApiClient per command run, and API failures turned into CliErrors
// with the exit code a script can rely on: 2 for a request the daemon calls invalid (a bad
// prefix), 1 for everything else (not running, permission denied, unknown peer, deadline).
//
// In: parsed option values and the environment. Out: the command's result, or a CliError.
import type { Io } from './cli.ts';
import { CliError, ExitCode } from './cli.ts';
import { ApiClient, ApiClientError } from '../api/client.ts';
import { DEFAULT_API_SOCKET } from '../api/server.ts';

export const SOCKET_OPTION = { socket: { type: 'string' } } as const;

export const SOCKET_HELP = `  --socket PATH   the daemon's API socket (default $PODBGP_API_SOCKET, else ${DEFAULT_API_SOCKET})`;

export function socketPathOf(values: Record<string, unknown>, io: Io): string {
  const v = values.socket;
  if (typeof v === 'string' && v !== '') return v;
  const env = io.env.PODBGP_API_SOCKET;
  return env !== undefined && env !== '' ? env : DEFAULT_API_SOCKET;
}

/** Run `fn` with a client for the daemon, closing it afterwards; API errors become CliErrors. */
export async function withApi<T>(
  values: Record<string, unknown>,
  io: Io,
  fn: (api: ApiClient) => Promise<T>,
): Promise<T> {
  const api = new ApiClient({ socketPath: socketPathOf(values, io) });
  try {
    return await fn(api);
  } catch (e) {
    if (e instanceof ApiClientError)
      throw new CliError(e.message, e.kind === 'invalid-argument' ? ExitCode.USAGE : ExitCode.FAILURE);
    throw e;
  } finally {
    api.close();
  }
}
