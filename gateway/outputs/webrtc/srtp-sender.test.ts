import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { SrtpSession, type RTCDtlsTransport, type RtpHeader } from 'werift';
import type { OutgoingRtp } from './rtp-writer.js';
import { socketErrors, SrtpTrackSender } from './srtp-sender.js';

interface Sent {
  bytes: Buffer;
  port: number;
  host: string;
}

const keys = {
  localMasterKey: randomBytes(16),
  localMasterSalt: randomBytes(12),
  remoteMasterKey: randomBytes(16),
  remoteMasterSalt: randomBytes(12),
};

/** The viewer's end of the DTLS-SRTP keys: what it decrypts with. */
const viewerSession = (): SrtpSession =>
  new SrtpSession({
    profile: 0x0007, // SRTP_AEAD_AES_128_GCM, werift's first choice
    keys: {
      localMasterKey: keys.remoteMasterKey,
      localMasterSalt: keys.remoteMasterSalt,
      remoteMasterKey: keys.localMasterKey,
      remoteMasterSalt: keys.localMasterSalt,
    },
  });

/** Just enough of werift's RTCDtlsTransport: a nominated UDP pair and its SRTP session (real keys). */
function fakeDtls(opts: { nominated?: boolean; socket?: Socket } = {}) {
  const sent: Sent[] = [];
  const fallback: RtpHeader[] = [];
  const socket = opts.socket ?? {
    send: (bytes: Buffer, port: number, host: string) => void sent.push({ bytes, port, host }),
    on: (): void => {},
  };
  const dtls = {
    state: 'connected',
    iceTransport: {
      connection: {
        nominated:
          (opts.nominated ?? true)
            ? { protocol: { transport: { socket, closed: false } }, remoteAddr: ['127.0.0.1', 50000] }
            : undefined,
      },
    },
    srtp: new SrtpSession({ profile: 0x0007, keys }),
    sendRtp: (_payload: Buffer, header: RtpHeader) => (fallback.push(header), Promise.resolve(0)),
  };
  return { dtls: dtls as unknown as RTCDtlsTransport, sent, fallback };
}

function packet(seq: number, ts = 1000, payload = Buffer.from([1, 2, 3])): OutgoingRtp {
  return { sequenceNumber: seq, timestamp: ts, payloadType: 108, marker: false, payload };
}

test("packets go out encrypted on the nominated pair with this track's SSRC, and are counted", () => {
  const { dtls, sent, fallback } = fakeDtls();
  const t = new SrtpTrackSender(dtls, 0xcafebabe, 90_000);
  t.send(packet(10, 3600));
  t.send(packet(11, 3600, Buffer.alloc(100)));
  assert.equal(sent.length, 2);
  assert.equal(fallback.length, 0);
  assert.deepEqual([sent[0].host, sent[0].port], ['127.0.0.1', 50000]);
  assert.equal(sent[0].bytes.readUInt32BE(8), 0xcafebabe); // RTP header SSRC field (RFC 3550 §5.1)
  assert.equal(sent[1].bytes.readUInt16BE(2), 11);
  const viewer = viewerSession();
  const clear = viewer.decrypt(sent[1].bytes);
  assert.deepEqual(clear.subarray(12), Buffer.alloc(100), 'the viewer decrypts the payload');
  assert.equal(clear.readUInt32BE(4), 3600);
  assert.deepEqual(
    { packets: t.counters.packets, octets: t.counters.octets, ts: t.counters.lastTimestamp },
    { packets: 2, octets: 103, ts: 3600 },
  );
});

test('NACKed sequence numbers still in the history are resent as the same bytes, across a wrap; others are skipped', () => {
  const { dtls, sent } = fakeDtls();
  const t = new SrtpTrackSender(dtls, 1, 90_000);
  for (let seq = 65530; seq < 65536 + 5; seq++) {
    t.send(packet(seq & 0xffff));
  }
  const first = sent.length;
  assert.equal(t.retransmit([65533, 2, 40_000]), 2);
  assert.deepEqual(
    sent.slice(first).map((s) => s.bytes.readUInt16BE(2)),
    [65533, 2],
  );
  // Encrypted again from the kept header fields and the shared payload: the same packet index
  // (ROC 0 for 65533 although the ROC is 1 by now), so the same bytes (RFC 3711 §3.3).
  assert.deepEqual(sent[first].bytes, sent[3].bytes);
  assert.deepEqual(sent[first + 1].bytes, sent[8].bytes);
  assert.equal(t.counters.retransmitted, 2);
  assert.equal(t.counters.packets, 11, 'retransmissions are not new packets');
});

test('the history forgets packets 512 sequence numbers back', () => {
  const { dtls } = fakeDtls();
  const t = new SrtpTrackSender(dtls, 1, 90_000);
  for (let seq = 0; seq < 600; seq++) {
    t.send(packet(seq));
  }
  assert.equal(t.retransmit([50]), 0);
  assert.equal(t.retransmit([100]), 1);
});

test("without a nominated UDP pair the packet takes werift's own dtls.sendRtp path", () => {
  const { dtls, sent, fallback } = fakeDtls({ nominated: false });
  new SrtpTrackSender(dtls, 7, 8000).send(packet(1));
  assert.equal(sent.length, 0);
  assert.equal(fallback.length, 1);
  assert.equal(fallback[0].ssrc, 7);
});

test("a failed send on werift's socket (no 'error' listener of its own) is counted, never left unhandled", async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  try {
    const { dtls } = fakeDtls({ socket });
    new SrtpTrackSender(dtls, 1, 90_000).send(packet(1));
    const before = socketErrors.count;
    // What Node does when a datagram sent without a callback fails.
    socket.emit('error', new Error('send ENETUNREACH'));
    assert.equal(socketErrors.count, before + 1);
  } finally {
    socket.close();
  }
});
