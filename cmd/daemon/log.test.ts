// Tests for log.ts: JSON and text output captured from a real winston stream, the per-peer child
// logger, levels, redaction of secret fields and registered secrets, and the line each typed
// message becomes.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import {
  createLogger,
  EventLog,
  forgetSecret,
  isSecretFieldName,
  registerSecret,
  resolveFormat,
} from './log.ts';
import type { LogFormat, LogLevel } from './log.ts';
import type { ObservedMessage } from './observe-types.ts';
import { BgpError } from '../../bgp/wire/errors.ts';
import type { PrefixList } from '../../bgp/wire/types.ts';

function prefixes(afi: number, words: number[], lengths: number[]): PrefixList {
  return {
    afi,
    count: lengths.length,
    words: Uint32Array.from(words),
    lengths: Uint8Array.from(lengths),
    pathIds: null,
  };
}

class Capture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
  lines(): string[] {
    return this.chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0);
  }
  json(): Record<string, unknown>[] {
    return this.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

function setup(format: LogFormat = 'json', level: LogLevel = 'debug', isTty = false) {
  const out = new Capture();
  const logger = createLogger({ format, level, stream: out, isTty });
  return { out, logger, events: new EventLog(logger) };
}

describe('daemon log', () => {
  it('resolves auto to JSON off a terminal and coloured text on one', () => {
    expect(resolveFormat('auto', false)).to.deep.equal({ json: true, colour: false });
    expect(resolveFormat('auto', true)).to.deep.equal({ json: false, colour: true });
    expect(resolveFormat('json', true)).to.deep.equal({ json: true, colour: false });
    expect(resolveFormat('text', false)).to.deep.equal({ json: false, colour: false });
  });

  it('writes one JSON object per line with level, message, timestamp and fields', async () => {
    const { out, logger } = setup();
    logger.info('listening', { port: 179 });
    await tick();
    const [line] = out.json();
    expect(line).to.include({ level: 'info', message: 'listening', port: 179 });
    expect(line!.timestamp).to.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below the configured level', async () => {
    const { out, logger } = setup('json', 'warn');
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    logger.error('louder');
    await tick();
    expect(out.json().map((l) => l.level)).to.deep.equal(['warn', 'error']);
  });

  it('puts the peer on every line of a peer child logger', async () => {
    const { out, events } = setup();
    events.forPeer('10.0.0.254').info('hello');
    events.logEvent({ kind: 'end-of-rib', peer: 'fd00::1', afi: 2, safi: 1 });
    await tick();
    const [a, b] = out.json();
    expect(a).to.include({ peer: '10.0.0.254', message: 'hello' });
    expect(b).to.include({ peer: 'fd00::1', level: 'info', message: 'End-of-RIB received (ipv6-unicast)' });
    expect(b).to.include({ direction: 'received', family: 'ipv6-unicast' });
  });

  it('removes secret fields at any depth', async () => {
    const { out, logger } = setup();
    const peerConfig = {
      address: '10.0.0.1',
      password: 'hunter22',
      nested: { md5: 'abc', apiToken: 't0k', list: [{ secret: 's', key: 'k', keep: 1 }] },
      passwordFile: '/etc/podbgp/md5',
    };
    logger.info('peer configured', { peer: '10.0.0.1', config: peerConfig, token: 'x' });
    await tick();
    const line = out.lines()[0]!;
    for (const leaked of ['hunter22', '"abc"', 't0k', '"s"', '"k"', '"x"'])
      expect(line).to.not.include(leaked);
    const obj = JSON.parse(line) as { config: Record<string, unknown> };
    expect(obj.config).to.deep.equal({
      address: '10.0.0.1',
      nested: { list: [{ keep: 1 }] },
      passwordFile: '/etc/podbgp/md5',
    });
    // The caller's object is not changed.
    expect(peerConfig.password).to.equal('hunter22');
  });

  it('names secret fields the way config and code spell them', () => {
    for (const n of ['password', 'Password', 'key', 'md5', 'md5Key', 'tcp_md5', 'api_token', 'clientSecret'])
      expect(isSecretFieldName(n), n).to.equal(true);
    for (const n of ['passwordFile', 'keepalive', 'keys', 'tokenPath', 'peer', 'monkey'])
      expect(isSecretFieldName(n), n).to.equal(false);
  });

  it('masks registered secrets inside messages, fields and errors', async () => {
    const { out, logger } = setup();
    registerSecret('S3cr3t-md5');
    try {
      logger.warn('setsockopt TCP_MD5SIG with S3cr3t-md5 failed', {
        detail: 'key was S3cr3t-md5!',
        args: ['x', 'S3cr3t-md5'],
      });
      logger.error(new Error('could not use S3cr3t-md5'));
      await tick();
      const text = out.chunks.join('');
      expect(text).to.not.include('S3cr3t-md5');
      const [a, b] = out.json();
      expect(a).to.include({
        message: 'setsockopt TCP_MD5SIG with [REDACTED] failed',
        detail: 'key was [REDACTED]!',
      });
      expect(a!.args).to.deep.equal(['x', '[REDACTED]']);
      expect(b!.message).to.equal('could not use [REDACTED]');
    } finally {
      forgetSecret('S3cr3t-md5');
    }
  });

  it('formats text lines with level, peer and key=value fields, uncoloured off a terminal', async () => {
    const { out, events } = setup('text', 'debug', false);
    events.logEvent({
      kind: 'session-state',
      peer: '10.0.0.254',
      from: 'Established',
      to: 'Idle',
      reason: 'Hold Timer Expired',
    });
    await tick();
    const [line] = out.lines();
    expect(line).to.match(
      /^\d{4}-\d\d-\d\dT\S+ WARN {2}\[10\.0\.0\.254\] session Established -> Idle: Hold Timer Expired event=session-state from=Established to=Idle reason="Hold Timer Expired"$/,
    );
    expect(line).to.not.include('\x1b[');
  });

  it('prints the stack of an error on its own lines in text mode', async () => {
    const { out, logger } = setup('text', 'info', false);
    logger.error(new Error('kaboom'));
    await tick();
    const text = out.chunks.join('');
    expect(text).to.match(/ ERROR kaboom\nError: kaboom\n {4}at /);
  });

  it('colours text on a terminal', async () => {
    const { out, logger } = setup('auto', 'info', true);
    logger.error('boom');
    await tick();
    expect(out.lines()[0]).to.include('\x1b[31mERROR').and.include('boom');
  });

  it('logs a session going down with the NOTIFICATION decoded, at warn', async () => {
    const { out, events } = setup();
    // Cease / Administrative Shutdown with an RFC 9003 Shutdown Communication "maintenance":
    // data = length octet (11) + UTF-8, laid out by hand from RFC 9003 §2.
    const data = new Uint8Array([11, ...Buffer.from('maintenance')]);
    events.logEvent({
      kind: 'peer-down',
      peer: '10.0.0.2',
      reason: 'NOTIFICATION received',
      notification: { type: 'notification', code: 6, subcode: 2, data },
      gracefulRestart: false,
    });
    events.logEvent({
      kind: 'notification',
      peer: '10.0.0.2',
      direction: 'received',
      code: 6,
      subcode: 2,
      text: 'Cease / Administrative Shutdown: "maintenance"',
    });
    events.logEvent({
      kind: 'notification',
      peer: '10.0.0.2',
      direction: 'sent',
      code: 6,
      subcode: 2,
      text: 'Cease / Administrative Shutdown',
    });
    events.logEvent({
      kind: 'notification',
      peer: '10.0.0.2',
      direction: 'sent',
      code: 4,
      subcode: 0,
      text: 'Hold Timer Expired',
    });
    await tick();
    const [down, received, sentCease, sentHold] = out.json();
    expect(down).to.include({ level: 'warn', peer: '10.0.0.2', code: 6, subcode: 2 });
    expect(down!.notification).to.equal('Cease / Administrative Shutdown: "maintenance"');
    expect(down!.message).to.include('Cease / Administrative Shutdown: "maintenance"');
    expect(received).to.include({
      level: 'warn',
      direction: 'received',
      name: 'Cease / Administrative Shutdown',
    });
    expect(sentCease).to.include({ level: 'info', direction: 'sent' });
    expect(sentHold).to.include({ level: 'warn', direction: 'sent', code: 4 });
  });

  it('logs session changes at info and peer-up with the negotiated families', async () => {
    const { out, events } = setup('json', 'info');
    const msgs: ObservedMessage[] = [
      { kind: 'session-state', peer: 'p', from: 'Idle', to: 'Connect', reason: 'ManualStart' },
      {
        kind: 'peer-up',
        peer: 'p',
        negotiated: {
          remoteAs: 65001,
          holdTime: 90,
          families: [
            { afi: 1, safi: 1 },
            { afi: 2, safi: 1 },
          ],
        },
      },
      { kind: 'update-processed', peer: 'p', seconds: 0.001 },
    ];
    for (const m of msgs) events.logEvent(m);
    await tick();
    const lines = out.json();
    expect(lines).to.have.length(2); // the debug line is dropped at info
    expect(lines[0]).to.include({ level: 'info', from: 'Idle', to: 'Connect', reason: 'ManualStart' });
    expect(lines[1]).to.include({ level: 'info', remoteAs: 65001 });
    expect(lines[1]!.families).to.deep.equal(['ipv4-unicast', 'ipv6-unicast']);
  });

  it('logs kernel failures at warn and full reconciles at info, without the route key', async () => {
    const { out, events } = setup('json', 'info');
    events.logEvent({
      kind: 'fib-failed',
      key: 42,
      prefix: '10.1.0.0/24',
      op: 'replace',
      errno: 101,
      message: 'Network is unreachable',
    });
    events.logEvent({ kind: 'fib-installed', key: 43, prefix: '10.2.0.0/24', route: {} as never });
    events.logEvent({
      kind: 'fib-reconciled',
      full: true,
      installed: 3,
      removed: 1,
      failed: 1,
      unchanged: 7,
      durationMs: 12.5,
    });
    await tick();
    const [failed, rec] = out.json();
    expect(failed).to.include({ level: 'warn', prefix: '10.1.0.0/24', errno: 101, op: 'replace' });
    expect(failed).to.not.have.property('peer');
    expect(rec).to.include({ level: 'info', installed: 3, unchanged: 7 });
    expect(out.lines()).to.have.length(2);
  });

  it('logs UPDATEs at debug, and at warn when RFC 7606 handled an error in one', async () => {
    const { out, events } = setup('json', 'info');
    const ok: ObservedMessage = {
      kind: 'update',
      peer: 'p',
      msg: {
        type: 'update',
        withdrawn: prefixes(1, [0x0a010000], [16]),
        attrs: {},
        nlri: prefixes(1, [0x0a020000, 0x0a030000], [24, 24]),
      },
    };
    // UPDATE Message Error / Malformed AS_PATH (3/11), handled as treat-as-withdraw (RFC 7606 §6).
    const bad: ObservedMessage = {
      kind: 'update',
      peer: 'p',
      msg: {
        ...(ok as { msg: object }).msg,
        treatAsWithdraw: true,
        errors: [
          new BgpError(3, 11, 'segment overruns the attribute', new Uint8Array(), 'treat-as-withdraw'),
        ],
      } as never,
    };
    events.logEvent(ok);
    events.logEvent(bad);
    events.logger.level = 'debug';
    events.logEvent(ok);
    await tick();
    const [warn, debug] = out.json();
    expect(warn).to.include({ level: 'warn', peer: 'p', treatAsWithdraw: true, announced: 2, withdrawn: 1 });
    expect(warn!.message).to.equal(
      'UPDATE with errors handled per RFC 7606: UPDATE Message Error / Malformed AS_PATH: segment overruns the attribute (treat-as-withdraw)',
    );
    expect(debug).to.include({ level: 'debug', message: 'UPDATE: 2 announced, 1 withdrawn' });
    expect(out.lines()).to.have.length(2);
  });
});
