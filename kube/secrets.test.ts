// KubeSecretReader against a Kubernetes API double: a local HTTP server that answers the one
// call the reader makes (GET /api/v1/namespaces/NS/secrets/NAME) the way the API server does
// (Secret JSON with base64 data, a Status object with code 404 for a missing Secret).
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeSecretReader } from './secrets.ts';
import { readSecretPasswords } from '../cmd/daemon/secrets.ts';
import { checkConfig } from '../config/schema.ts';
import { ConfigError } from '../config/checks.ts';

describe('kube/secrets: TCP MD5 passwords from Kubernetes Secrets', () => {
  let server: Server;
  let kc: KubeConfig;
  const requests: { url: string; auth: string | undefined }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization });
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/api/v1/namespaces/podbgp/secrets/bgp-peers') {
        res.end(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'bgp-peers', namespace: 'podbgp' },
            type: 'Opaque',
            data: { tor1: Buffer.from('s3cret-key').toString('base64') },
          }),
        );
        return;
      }
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
          message: 'secrets "x" not found',
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'double', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'podbgp', token: 'sa-token' }],
      contexts: [{ name: 'double', cluster: 'double', user: 'podbgp' }],
      currentContext: 'double',
    });
  });
  after(() => server.close());

  it('reads and decodes one key, authenticating with the service account token', async () => {
    const v = await new KubeSecretReader(kc).read('podbgp', 'bgp-peers', 'tor1');
    expect(v).to.equal('s3cret-key');
    expect(requests.at(-1)).to.deep.equal({
      url: '/api/v1/namespaces/podbgp/secrets/bgp-peers',
      auth: 'Bearer sa-token',
    });
  });

  it('names the Secret, never its data, when it or the key is missing', async () => {
    const r = new KubeSecretReader(kc);
    const missing = await r.read('podbgp', 'nope', 'k').catch((e: Error) => e.message);
    expect(missing).to.equal('Secret podbgp/nope: not found');
    const noKey = await r.read('podbgp', 'bgp-peers', 'tor2').catch((e: Error) => e.message);
    expect(noKey).to.equal('Secret podbgp/bgp-peers has no key "tor2"');
  });

  it('resolves config peers with secret passwords before start, with the config path on failure', async () => {
    const cfg = checkConfig(
      {
        asn: 65001,
        routerId: '10.0.0.1',
        peers: [
          { address: '10.0.0.254', asn: 65000, password: { secret: { name: 'bgp-peers', key: 'tor1' } } },
          {
            address: '10.0.0.253',
            asn: 65000,
            password: { secret: { namespace: 'other', name: 'gone', key: 'k' } },
          },
        ],
      },
      '',
    );
    const env = { POD_NAMESPACE: 'podbgp' };
    const err = await readSecretPasswords(cfg, env, () => new KubeSecretReader(kc)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).path).to.equal('peers[1].password.secret');
    expect((err as ConfigError).got).to.equal('Secret other/gone: not found');
    const ok = await readSecretPasswords(
      { ...cfg, peers: [cfg.peers[0]!] },
      env,
      () => new KubeSecretReader(kc),
    );
    expect([...ok]).to.deep.equal([['peers[0]', 's3cret-key']]);
  });
});
