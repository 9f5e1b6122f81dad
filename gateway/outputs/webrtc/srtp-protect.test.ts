import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SrtpSession } from 'werift';
import { deriveSessionKey, SRTP_LABEL } from './srtp-kdf.js';
import {
  AesCmHmacProtector,
  AesGcmProtector,
  createSrtpProtector,
  SRTP_AEAD_AES_128_GCM,
  SRTP_AES128_CM_HMAC_SHA1_80,
  type RtpHeaderFields,
} from './srtp-protect.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('RFC 3711 appendix B.3: session keys derived from the master key and salt', () => {
  const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');
  assert.equal(
    deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.encryption, 16).toString('hex'),
    'c61e7a93744f39ee10734afe3ff7a087', // cipher key
  );
  assert.equal(
    deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.salt, 14).toString('hex'),
    '30cbbc08863d8c85d49db34a9ae1', // cipher salt
  );
  assert.equal(
    deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.authentication, 20).toString('hex'),
    'cebe321f6ff7716b6fd4ab49af256a156d38baa4', // auth key (first 160 bits)
  );
});

test('RFC 3711 appendix B.2: AES-CM keystream for SSRC 0, ROC 0, SEQ 0', () => {
  const p = new AesCmHmacProtector({
    key: hex('2B7E151628AED2A6ABF7158809CF4F3C'), // session key
    salt: hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), // session salt
    auth: Buffer.alloc(20),
  });
  const header: RtpHeaderFields = { payloadType: 0, sequenceNumber: 0, timestamp: 0, marker: false, ssrc: 0 };
  // Encrypting zeros leaves the keystream in the payload.
  const out = p.protect(header, Buffer.alloc(48));
  assert.equal(
    out.subarray(12, 12 + 48).toString('hex'),
    'e03ead0935c95e80e166b16dd92b4eb4' + // counter F0F1...FD0000
      'd23513162b02d0f72a43a2fe4a5f97ab' + // counter F0F1...FD0001
      '41e95b3bb0a2e8dd477901e4fca894c0', // counter F0F1...FD0002
  );
  assert.equal(out.length, 12 + 48 + 10, 'header, payload, 80-bit tag');
});

test('RFC 7714 section 16.1.1: AEAD_AES_128_GCM protection of the example packet', () => {
  const p = new AesGcmProtector({
    key: hex('000102030405060708090a0b0c0d0e0f'), // session key
    salt: hex('517569642070726f2071756f'), // session salt "Quid pro quo"
  });
  // 80 40 f17b 8041f8d3 5501a0b2: V=2, PT 64, SEQ 0xf17b, TS 0x8041f8d3, SSRC 0x5501a0b2
  const header: RtpHeaderFields = {
    payloadType: 0x40,
    sequenceNumber: 0xf17b,
    timestamp: 0x8041f8d3,
    marker: false,
    ssrc: 0x5501a0b2,
  };
  const payload = Buffer.from('Gallia est omnis divisa in partes tres', 'latin1');
  const out = p.protect(header, payload);
  assert.equal(
    out.toString('hex'),
    '8040f17b8041f8d35501a0b2' + // the header, in the clear
      'f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833' + // ciphertext
      '899d7f27beb16a9152cf765ee4390cce', // 16-octet tag
  );
});

for (const [name, profile, saltBytes] of [
  ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80, 14],
  ['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM, 12],
] as const) {
  test(`${name}: werift's own SRTP session decrypts every packet, across a sequence-number wrap`, () => {
    const keys = {
      localMasterKey: randomBytes(16),
      localMasterSalt: randomBytes(saltBytes),
      remoteMasterKey: randomBytes(16),
      remoteMasterSalt: randomBytes(saltBytes),
    };
    const protector = createSrtpProtector(profile, keys.localMasterKey, keys.localMasterSalt);
    // The viewer's side: its remote keys are our local ones.
    const viewer = new SrtpSession({
      profile,
      keys: {
        localMasterKey: keys.remoteMasterKey,
        localMasterSalt: keys.remoteMasterSalt,
        remoteMasterKey: keys.localMasterKey,
        remoteMasterSalt: keys.localMasterSalt,
      },
    });
    for (let i = 0; i < 300; i++) {
      const seq = (0xff80 + i) & 0xffff; // wraps after 128 packets: ROC 0 → 1
      const ssrc = i % 3 === 0 ? 0x1234 : 0xcafebabe; // two tracks on one session (BUNDLE)
      // Sizes from empty to past the preallocated buffers, not multiples of the block size.
      const payload = randomBytes(i === 299 ? 3000 : (i * 37) % 1400);
      const header: RtpHeaderFields = {
        payloadType: 96 + (i % 2),
        sequenceNumber: seq,
        timestamp: (0xfffffff0 + i * 3000) >>> 0,
        marker: i % 5 === 0,
        ssrc,
      };
      const srtp = protector.protect(header, payload);
      const clear = viewer.decrypt(srtp);
      assert.equal(clear.readUInt16BE(2), seq);
      assert.equal(clear.readUInt32BE(8), ssrc);
      assert.equal(clear[1], (header.marker ? 0x80 : 0) | header.payloadType);
      assert.equal(clear.readUInt32BE(4), header.timestamp);
      assert.deepEqual(clear.subarray(12), payload, `packet ${i}`);
    }
  });

  test(`${name}: a flipped bit anywhere in the packet fails werift's authentication`, () => {
    const key = randomBytes(16);
    const salt = randomBytes(saltBytes);
    const protector = createSrtpProtector(profile, key, salt);
    const srtp = protector.protect(
      { payloadType: 96, sequenceNumber: 1, timestamp: 1, marker: false, ssrc: 7 },
      randomBytes(200),
    );
    for (const at of [1, 11, 12, 100, srtp.length - 1]) {
      const viewer = new SrtpSession({
        profile,
        keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
      });
      const bad = Buffer.from(srtp);
      bad[at] ^= 0x01;
      assert.throws(() => viewer.decrypt(bad), `bit flipped at octet ${at}`);
    }
  });
}

test('a profile werift never negotiates here is refused by name', () => {
  assert.throws(() => createSrtpProtector(0x0008, randomBytes(32), randomBytes(12)), /0x8 is not supported/);
});
