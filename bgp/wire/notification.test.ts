// NOTIFICATION tests. Golden bytes are written by hand from RFC 4271 §4.5 and RFC 9003 §2 (Length
// octet + UTF-8 Shutdown Communication); describeNotification is checked for each known Data layout.
import { expect } from 'chai';
import { BgpError, openMessageError } from './errors.ts';
import {
  decodeNotification,
  describeNotification,
  encodeNotification,
  notificationFromError,
  shutdownNotification,
  encodeShutdownCommunication,
  decodeShutdownCommunication,
} from './notification.ts';
import type { NotificationMessage } from './types.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MARKER = 'ffffffffffffffffffffffffffffffff';
const note = (code: number, subcode: number, data: string): NotificationMessage => ({
  type: 'notification',
  code,
  subcode,
  data: Uint8Array.from(hex(data)),
});

describe('wire/notification', () => {
  // RFC 4271 §4.5 + RFC 9003 §2, by hand: Cease (6) / Administrative Shutdown (2), Length 11,
  // "maintenance". Message length 19 + 2 + 12 = 33 (0x21).
  const GOLDEN_SHUTDOWN = hex(`${MARKER} 0021 03  06 02 0b 6d61696e74656e616e6365`);

  it('decodes an RFC 9003 Shutdown Communication', () => {
    const n = decodeNotification(GOLDEN_SHUTDOWN.subarray(19));
    expect(n.code).to.equal(6);
    expect(n.subcode).to.equal(2);
    expect(n.shutdownCommunication).to.equal('maintenance');
    expect(Buffer.from(n.data).toString('hex')).to.equal('0b6d61696e74656e616e6365');
    expect(describeNotification(n)).to.equal('Cease / Administrative Shutdown: "maintenance"');
  });

  it('describes a Cease / Hard Reset by the NOTIFICATION it carries (RFC 8538 §3)', () => {
    // Hand-written from the RFC 8538 §3 layout: Cease (6) / Hard Reset (9), Data = ErrCode 6,
    // Subcode 2, then the RFC 9003 length octet 0x0b and "maintenance".
    const n = decodeNotification(hex(`06 09 06 02 0b 6d61696e74656e616e6365`));
    expect(describeNotification(n)).to.equal(
      'Cease / Hard Reset: Cease / Administrative Shutdown: "maintenance"',
    );
    const bare = decodeNotification(hex(`06 09`));
    expect(describeNotification(bare)).to.equal('Cease / Hard Reset');
  });

  it('encodes a Shutdown Communication from its text to the hand-written bytes', () => {
    expect(encodeNotification(shutdownNotification('maintenance')).toString('hex')).to.equal(
      GOLDEN_SHUTDOWN.toString('hex'),
    );
    const fromText: NotificationMessage = {
      type: 'notification',
      code: 6,
      subcode: 2,
      data: new Uint8Array(0),
      shutdownCommunication: 'maintenance',
    };
    expect(encodeNotification(fromText).toString('hex')).to.equal(GOLDEN_SHUTDOWN.toString('hex'));
  });

  it('decodes multi-byte UTF-8 for Administrative Reset (subcode 4)', () => {
    const text = 'Wartung – zurück in 5 min';
    const bytes = encodeNotification(shutdownNotification(text, 4));
    const n = decodeNotification(bytes.subarray(19));
    expect(n.shutdownCommunication).to.equal(text);
    expect(describeNotification(n)).to.equal(`Cease / Administrative Reset: ${JSON.stringify(text)}`);
  });

  it('keeps raw data and no text for invalid UTF-8, a length past the data, or length 0 (RFC 8203 §4)', () => {
    for (const data of ['03 ff fe fd', '05 616263', '00', '']) {
      const n = decodeNotification(hex(`06 02 ${data}`));
      expect(n.shutdownCommunication, data).to.equal(undefined);
      expect(Buffer.from(n.data).toString('hex')).to.equal(hex(data).toString('hex'));
      expect(() => describeNotification(n)).not.to.throw();
    }
    expect(describeNotification(decodeNotification(hex('06 02 03 fffefd')))).to.equal(
      'Cease / Administrative Shutdown (data 03fffefd)',
    );
  });

  it('does not read a Shutdown Communication for other Cease subcodes', () => {
    const n = decodeNotification(hex('06 03 02 6869'));
    expect(n.shutdownCommunication).to.equal(undefined);
    expect(describeNotification(n)).to.equal('Cease / Peer De-configured (data 026869)');
  });

  it('accepts a 255-octet Shutdown Communication and cuts a longer one to 255 octets (RFC 9003 §2)', () => {
    const max = 'x'.repeat(255);
    const n = decodeNotification(encodeNotification(shutdownNotification(max)).subarray(19));
    expect(n.shutdownCommunication).to.equal(max);
    expect(shutdownNotification('x'.repeat(256)).data.length).to.equal(256);
  });

  it('cuts a long communication on a character boundary', () => {
    const out = encodeShutdownCommunication('é'.repeat(200)); // 400 octets of UTF-8
    expect(out[0]).to.equal(254);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(out.subarray(1))).to.equal('é'.repeat(127));
    expect(decodeShutdownCommunication(out)).to.equal('é'.repeat(127));
  });

  it('round-trips a plain NOTIFICATION and checks the header length', () => {
    const msg = note(3, 1, '');
    const bytes = encodeNotification(msg);
    expect(bytes.toString('hex')).to.equal(`${MARKER}00150303 01`.replace(/\s/g, ''));
    expect(decodeNotification(bytes.subarray(19))).to.deep.equal(msg);
  });

  it('cuts data so the message fits the maximum length', () => {
    const msg = note(3, 9, 'ab'.repeat(5000));
    expect(encodeNotification(msg).length).to.equal(4096);
    expect(encodeNotification(msg, 65535).length).to.equal(19 + 2 + 5000);
  });

  it('rejects a body shorter than 2 octets as Bad Message Length with the length as data', () => {
    try {
      decodeNotification(hex('06'));
      expect.fail('no error');
    } catch (e) {
      const b = e as BgpError;
      expect([b.code, b.subcode, Buffer.from(b.data).toString('hex')]).to.deep.equal([1, 2, '0014']);
    }
  });

  it('turns a BgpError into the NOTIFICATION it maps to', () => {
    const n = notificationFromError(openMessageError(1, 'version 3', Uint8Array.of(0, 4)));
    expect(n).to.deep.equal({ type: 'notification', code: 2, subcode: 1, data: Uint8Array.of(0, 4) });
    expect(encodeNotification(n).toString('hex')).to.equal(`${MARKER}0017030201 0004`.replace(/\s/g, ''));
  });

  describe('describeNotification', () => {
    const CASES: readonly (readonly [NotificationMessage, string])[] = [
      [note(1, 2, '1388'), 'Message Header Error / Bad Message Length: length 5000'],
      [note(1, 3, '07'), 'Message Header Error / Bad Message Type: type 7'],
      [note(1, 3, '02'), 'Message Header Error / Bad Message Type: type 2 (UPDATE)'],
      [note(1, 1, ''), 'Message Header Error / Connection Not Synchronized'],
      [note(2, 1, '0004'), 'OPEN Message Error / Unsupported Version Number: supported version 4'],
      [
        note(2, 7, '01040002000141040000fde9'),
        'OPEN Message Error / Unsupported Capability: capabilities multiprotocol ipv6-unicast, four-octet-as 65001',
      ],
      [note(2, 7, '0109'), 'OPEN Message Error / Unsupported Capability (data 0109)'],
      [note(2, 7, ''), 'OPEN Message Error / Unsupported Capability'],
      [note(6, 1, '00010100000064'), 'Cease / Maximum Number of Prefixes Reached: ipv4-unicast limit 100'],
      [note(6, 1, '0001'), 'Cease / Maximum Number of Prefixes Reached (data 0001)'],
      [note(1, 2, '13'), 'Message Header Error / Bad Message Length (data 13)'],
      [note(4, 0, ''), 'Hold Timer Expired / Unspecific'],
      [note(9, 9, 'ff'), 'Unknown error code 9 / Unknown subcode 9 (data ff)'],
      [note(6, 2, ''), 'Cease / Administrative Shutdown'],
    ];
    for (const [n, text] of CASES) {
      it(text, () => expect(describeNotification(n)).to.equal(text));
    }

    it('uses a shutdownCommunication field even without data', () => {
      const n: NotificationMessage = { ...note(6, 4, ''), shutdownCommunication: 'bye' };
      expect(describeNotification(n)).to.equal('Cease / Administrative Reset: "bye"');
    });

    it('never throws on random data', () => {
      for (let i = 0; i < 2000; i++) {
        const data = Uint8Array.from({ length: i % 12 }, (_, j) => (i * 31 + j * 7) & 0xff);
        expect(() =>
          describeNotification({ type: 'notification', code: i % 9, subcode: i % 12, data }),
        ).not.to.throw();
      }
    });
  });
});
