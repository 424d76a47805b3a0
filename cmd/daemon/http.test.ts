// Tests for http.ts: listen-address parsing, routes, methods and HEAD on the real server
// (127.0.0.1, port 0), and a metrics failure becoming a 500.
import { expect } from 'chai';
import { parseListenAddress, startObservabilityServer } from './http.ts';
import type { ObservabilityServer } from './http.ts';

describe('observability HTTP server', () => {
  it('parses listen addresses', () => {
    expect(parseListenAddress(':9179')).to.deep.equal({ host: undefined, port: 9179 });
    expect(parseListenAddress('127.0.0.1:0')).to.deep.equal({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::1]:9180')).to.deep.equal({ host: '::1', port: 9180 });
    expect(parseListenAddress('[::]')).to.deep.equal({ host: '::', port: 9179 });
    expect(parseListenAddress('fd00::1')).to.deep.equal({ host: 'fd00::1', port: 9179 });
    expect(parseListenAddress('localhost')).to.deep.equal({ host: 'localhost', port: 9179 });
    expect(() => parseListenAddress('127.0.0.1:http')).to.throw(RangeError, /port "http"/);
    expect(() => parseListenAddress(':70000')).to.throw(RangeError);
  });

  describe('routes', () => {
    let server: ObservabilityServer;
    let ready = false;
    let failMetrics = false;
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

    before(async () => {
      server = await startObservabilityServer({
        address: '127.0.0.1:0',
        metrics: {
          contentType: 'text/plain; version=0.0.4; charset=utf-8',
          metrics: async () => {
            if (failMetrics) throw new Error('collector broke');
            return 'x 1\n';
          },
        },
        readiness: { check: () => ({ ready, reason: ready ? 'ready: yes' : 'not ready: no' }) },
        liveness: { health: () => ({ ok: true, reason: 'ok' }) },
      });
    });
    after(async () => {
      await server.close();
    });

    it('binds the asked address with a real port', () => {
      expect(server.host).to.equal('127.0.0.1');
      expect(server.port).to.be.greaterThan(0);
    });

    it('answers /metrics, /healthz and /readyz, with a query string too', async () => {
      const m = await fetch(url('/metrics?x=1'));
      expect(m.status).to.equal(200);
      expect(await m.text()).to.equal('x 1\n');
      const h = await fetch(url('/healthz'));
      expect([h.status, await h.text()]).to.deep.equal([200, 'ok\n']);
      ready = false;
      const r1 = await fetch(url('/readyz'));
      expect([r1.status, await r1.text()]).to.deep.equal([503, 'not ready: no\n']);
      ready = true;
      const r2 = await fetch(url('/readyz'));
      expect([r2.status, await r2.text()]).to.deep.equal([200, 'ready: yes\n']);
      expect(r2.headers.get('content-type')).to.equal('text/plain; charset=utf-8');
    });

    it('answers HEAD without a body, 404 for other paths, 405 for other methods', async () => {
      const head = await fetch(url('/readyz'), { method: 'HEAD' });
      expect(head.status).to.equal(200);
      expect(await head.text()).to.equal('');
      expect((await fetch(url('/'))).status).to.equal(404);
      const post = await fetch(url('/metrics'), { method: 'POST' });
      expect(post.status).to.equal(405);
      expect(post.headers.get('allow')).to.equal('GET, HEAD');
    });

    it('turns a metrics failure into a 500 with the reason', async () => {
      failMetrics = true;
      try {
        const res = await fetch(url('/metrics'));
        expect(res.status).to.equal(500);
        expect(await res.text()).to.equal('collecting metrics failed: collector broke\n');
      } finally {
        failMetrics = false;
      }
    });
  });
});
