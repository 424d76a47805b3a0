// The TCP API with mTLS on loopback: certificates made for the test with the openssl CLI (a CA,
// a server certificate for 127.0.0.1, a client certificate). A client with the CA-signed
// certificate is served; one without a client certificate never gets a call through.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from './server.ts';
import { ApiClient, ApiClientError } from './client.ts';
import { TestDaemon } from './test-daemon.ts';

function makeCerts(
  dir: string,
): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', Buffer> {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=podbgp test CA',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=podbgp ${who}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '1',
      '-extfile',
      'san.ext',
    );
  }
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
  };
}

describe('api/server: TCP with mTLS', () => {
  it('serves a client with a CA-signed certificate and refuses one without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podbgp-mtls-'));
    const c = makeCerts(dir);
    const server = await startApiServer({
      api: new TestDaemon(),
      socketPath: null,
      tcp: { address: '127.0.0.1:0', tls: { cert: c.serverCert, key: c.serverKey, clientCa: c.ca } },
    });
    const target = `127.0.0.1:${server.tcpPort}`;
    const good = new ApiClient({ target, tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey } });
    const anonymous = new ApiClient({ target, tls: { ca: c.ca }, deadlineMs: 3000 });
    try {
      expect((await good.listPeers()).length).to.equal(5);
      let err: unknown = null;
      await anonymous.listPeers().catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(ApiClientError);
      expect((err as ApiClientError).message).to.match(/^podbgp is not reachable at 127\.0\.0\.1:\d+: /);
    } finally {
      good.close();
      anonymous.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
