import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../podbgp.ts';

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([stdin]), env: {} });
  return { code, out, err };
}

const golden = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../test/golden/${file}`, import.meta.url), 'utf8')) as {
    name: string;
    hex: string;
  }[];

describe('podbgp decode', () => {
  it('decodes a KEEPALIVE written from RFC 4271 §4.1/§4.4 (marker, length 19, type 4)', async () => {
    const r = await run(['decode', 'ffffffffffffffffffffffffffffffff001304']);
    expect(r).to.deep.equal({ code: 0, out: '{"type":"keepalive"}\n', err: '' });
  });

  it('decodes an FRR UPDATE captured in the lab, given as tshark prints payloads (colons)', async () => {
    const v = golden('frr-update.json').find((g) => g.name.includes('192.0.2.0/24 attrs [1,2,3,4,8,32,16]'))!;
    const colons = v.hex.match(/../g)!.join(':');
    const r = await run(['decode', colons]);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.equal({
      type: 'update',
      attributes: {
        ORIGIN: 'IGP',
        AS_PATH: '65002',
        NEXT_HOP: '10.0.0.2',
        MULTI_EXIT_DISC: 20,
        COMMUNITIES: ['65002:100', '65002:200'],
        EXTENDED_COMMUNITIES: ['rt:65002:7'],
        LARGE_COMMUNITY: ['65002:1:1'],
      },
      nlri: ['192.0.2.0/24'],
    });
  });

  it('reads hex lines from stdin, several messages per line, one JSON line per message', async () => {
    const open = golden('bird-open.json')[0]!.hex;
    const ka = 'ffffffffffffffffffffffffffffffff001304';
    const r = await run(['decode', '-'], `${open}${ka}\n\n${ka}\n`);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; myAs?: number });
    expect(lines.map((l) => l.type)).to.deep.equal(['open', 'keepalive', 'keepalive']);
    expect(lines[0]!.myAs).to.equal(23456); // BIRD with AS 4200000001 sends AS_TRANS (RFC 6793)
  });

  it('needs --add-path to read path identifiers, as a session would', async () => {
    const v = golden('frr-update.json').find((g) =>
      g.name.startsWith('frr-gobgp: update announce 198.18.0.0/15'),
    )!;
    const withIds = await run(['decode', v.hex, '--add-path=ipv4']);
    expect(JSON.parse(withIds.out).nlri).to.deep.equal(['198.18.0.0/15#5']);
    const bare = await run(['decode', '--add-path', v.hex]);
    expect(JSON.parse(bare.out).nlri, '--add-path alone: both families').to.deep.equal(['198.18.0.0/15#5']);
    const without = await run(['decode', v.hex]);
    expect(without.code).to.equal(1);
    expect(JSON.parse(without.out).error.notification.name).to.match(/^UPDATE Message Error/);
  });

  it('says which NOTIFICATION a malformed message earns, and exits 1', async () => {
    // RFC 4271 §4.3 layout by hand: ORIGIN with value 3 (only 0-2 are defined) -> RFC 7606 §7.1
    // treat-as-withdraw, Invalid ORIGIN Attribute.
    const body = '0000' + '0007' + '40010103' + '400200' + '18c00002';
    const len = (19 + body.length / 2).toString(16).padStart(4, '0');
    const r = await run(['decode', `${'ff'.repeat(16)}${len}02${body}`]);
    expect(r.code).to.equal(1);
    const m = JSON.parse(r.out);
    expect(m.treatAsWithdraw).to.equal(true);
    const found = (m.errors as { code: number; subcode: number; action: string }[]).map((e) => [
      e.code,
      e.subcode,
      e.action,
    ]);
    expect(found).to.deep.include([3, 6, 'treat-as-withdraw']);
  });

  it('reports a bad header with the RFC 4271 §6.1 data and stops that input', async () => {
    const r = await run(['decode', 'ffffffffffffffffffffffffffffffff001309']);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.out).error.notification).to.deep.equal({
      code: 1,
      subcode: 3,
      name: 'Message Header Error / Bad Message Type',
      data: '09',
    });
  });

  it('rejects text that is not hex with exit 2', async () => {
    const r = await run(['decode', 'ffzz']);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('not hex');
  });
});
