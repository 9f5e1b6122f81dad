// SRTP protection of our outgoing RTP (one instance per viewer session and direction: keys are
// derived once, every buffer a packet needs is allocated once and reused). It replaces
// werift's SrtpSession.encrypt on the send path, which serialized the header and built an IV
// writer, a cipher and three concatenations per packet. werift still runs ICE and DTLS and
// hands us the DTLS-SRTP master keys (RFC 5764 §4.2).
//
// Two protection profiles, the ones werift offers in DTLS use_srtp:
// - SRTP_AES128_CM_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2.1): the keystream does not depend on the
//   data, so it is made ahead for the next KEYSTREAM_PACKETS sequence numbers of an SSRC in
//   one call of an AES-ECB context kept for the session. The tag is HMAC-SHA1 over
//   header ‖ ciphertext ‖ ROC: the inner hash is one OpenSSL call over a preallocated
//   (key ⊕ ipad) ‖ message buffer, the outer one compression in JS (sha1-outer.ts); 80 bits kept.
//   Every call into OpenSSL costs about a microsecond whatever its size, so their number per
//   packet is what this saves (bench/send-path.ts).
// - SRTP_AEAD_AES_128_GCM (RFC 7714 §8): Node offers no way to give a new IV to an existing
//   GCM context, so a native cipher is still made per packet; the IV, the output and
//   everything around it are reused or written in place. That leaves five OpenSSL calls a
//   packet, as werift makes: GCM costs what it did (docs/performance.md §1).
import { createCipheriv, hash, type Cipher } from 'node:crypto';
import { Sha1Outer } from './sha1-outer.js';
import { deriveSessionKey, SRTP_LABEL } from './srtp-kdf.js';

/** DTLS-SRTP protection profile numbers (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
export const SRTP_AEAD_AES_128_GCM = 0x0007;
export type SrtpProfile = typeof SRTP_AES128_CM_HMAC_SHA1_80 | typeof SRTP_AEAD_AES_128_GCM;

/** The RTP header fields we send: version 2, no padding, no extension, no CSRC (RFC 3550 §5.1). */
export interface RtpHeaderFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  ssrc: number;
}

const HEADER = 12;
const CM_TAG = 10; // RFC 3711 §5.2: HMAC-SHA1 truncated to 80 bits
const GCM_TAG = 16; // RFC 7714 §7: 16-octet authentication tag
const SHA1_BLOCK = 64;
/** Sequence numbers of keystream made per AES call: one keyframe's worth at MTU 1200 takes a few calls. */
const KEYSTREAM_PACKETS = 16;
/** Keystream per packet: the packetizer's MTU (packetize-cache.ts); longer payloads take the slow path. */
const KEYSTREAM_BYTES = 1200;
const KEYSTREAM_BLOCKS = KEYSTREAM_BYTES / 16;

/** Keystream made ahead for packet indices [first, first + KEYSTREAM_PACKETS) of one SSRC. */
interface KeystreamWindow {
  first: number;
  bytes: Buffer;
}

/** Sender-side rollover counter per SSRC (RFC 3711 §3.3.1): +1 each time the sequence number wraps. */
class Rollover {
  private roc = 0;
  private last = -1;

  /** The ROC for `seq`, updating the state when seq moved forward across 0xffff. */
  at(seq: number): number {
    if (this.last >= 0) {
      const delta = (seq - this.last) & 0xffff;
      if (delta < 0x8000) {
        // Forward. A wrap happened when the sequence number went down numerically.
        if (seq < this.last) {
          this.roc = (this.roc + 1) >>> 0;
        }
        this.last = seq;
      } else if (seq > this.last) {
        // A packet from before the last wrap: a NACKed one that srtp-sender.ts encrypts again.
        return (this.roc - 1) >>> 0;
      }
    } else {
      this.last = seq;
    }
    return this.roc;
  }
}

export interface SrtpProtector {
  readonly profile: SrtpProfile;
  /** The whole SRTP packet in a new Buffer the caller may keep (for NACK) and hand to a socket. */
  protect(header: RtpHeaderFields, payload: Uint8Array): Buffer;
}

export function createSrtpProtector(profile: number, masterKey: Buffer, masterSalt: Buffer): SrtpProtector {
  switch (profile) {
    case SRTP_AES128_CM_HMAC_SHA1_80:
      return new AesCmHmacProtector({
        key: deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.encryption, 16),
        salt: deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.salt, 14),
        auth: deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.authentication, 20),
      });
    case SRTP_AEAD_AES_128_GCM:
      return new AesGcmProtector({
        key: deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.encryption, 16),
        salt: deriveSessionKey(masterKey, masterSalt, SRTP_LABEL.salt, 12),
      });
    default:
      throw new Error(`SRTP protection profile 0x${profile.toString(16)} is not supported`);
  }
}

function writeHeader(out: Buffer, at: number, h: RtpHeaderFields): void {
  out[at] = 0x80; // V=2, P=0, X=0, CC=0
  out[at + 1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  out.writeUInt16BE(h.sequenceNumber & 0xffff, at + 2);
  out.writeUInt32BE(h.timestamp >>> 0, at + 4);
  out.writeUInt32BE(h.ssrc >>> 0, at + 8);
}

/**
 * Octets 4-13 of `blocks` counter blocks at c[at..): IV = (k_s << 16) ⊕ (SSRC << 64) ⊕
 * (index << 16) with index = ROC << 16 | SEQ (RFC 3711 §4.1.1). Octets 0-3 (salt only) and
 * 14-15 (the block number) never change and are written once.
 */
function writeIvMiddle(
  c: Buffer,
  at: number,
  blocks: number,
  s: Buffer,
  ssrc: number,
  roc: number,
  seq: number,
): void {
  const b4 = s[4] ^ (ssrc >>> 24);
  const b5 = s[5] ^ ((ssrc >>> 16) & 0xff);
  const b6 = s[6] ^ ((ssrc >>> 8) & 0xff);
  const b7 = s[7] ^ (ssrc & 0xff);
  const b8 = s[8] ^ (roc >>> 24);
  const b9 = s[9] ^ ((roc >>> 16) & 0xff);
  const b10 = s[10] ^ ((roc >>> 8) & 0xff);
  const b11 = s[11] ^ (roc & 0xff);
  const b12 = s[12] ^ (seq >>> 8);
  const b13 = s[13] ^ (seq & 0xff);
  for (let i = 0, o = at; i < blocks; i++, o += 16) {
    c[o + 4] = b4;
    c[o + 5] = b5;
    c[o + 6] = b6;
    c[o + 7] = b7;
    c[o + 8] = b8;
    c[o + 9] = b9;
    c[o + 10] = b10;
    c[o + 11] = b11;
    c[o + 12] = b12;
    c[o + 13] = b13;
  }
}

/** Session keys (RFC 3711 §4.3): encryption key, salt and, for AES-CM, the HMAC key. */
export interface SrtpSessionKeys {
  key: Buffer;
  salt: Buffer;
  auth?: Buffer;
}

export class AesCmHmacProtector implements SrtpProtector {
  readonly profile = SRTP_AES128_CM_HMAC_SHA1_80;
  private readonly ecb: Cipher;
  private readonly salt: Buffer;
  private readonly rollovers = new Map<number, Rollover>();
  /** Counter blocks for one packet (RFC 3711 §4.1.1): IV with the block number in the low 16 bits. */
  private counters = Buffer.alloc(0);
  /** (k_a ⊕ ipad) ‖ header ‖ ciphertext ‖ ROC: the inner HMAC input, built in place. */
  private inner = Buffer.alloc(0);
  private readonly ipad = Buffer.alloc(SHA1_BLOCK);
  private readonly outer: Sha1Outer;
  private readonly windows = new Map<number, KeystreamWindow>();
  /** Counter blocks of one window, reused. */
  private readonly windowCounters = Buffer.alloc(KEYSTREAM_PACKETS * KEYSTREAM_BYTES);

  constructor({ key, salt, auth = Buffer.alloc(0) }: SrtpSessionKeys) {
    this.salt = salt;
    const opad = Buffer.alloc(SHA1_BLOCK);
    for (let i = 0; i < SHA1_BLOCK; i++) {
      const k = i < auth.length ? auth[i] : 0;
      this.ipad[i] = k ^ 0x36;
      opad[i] = k ^ 0x5c;
    }
    this.outer = new Sha1Outer(opad);
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
    this.grow(1500);
    const wc = this.windowCounters;
    for (let o = 0; o < wc.length; o += 16) {
      salt.copy(wc, o, 0, 4);
      wc.writeUInt16BE((o / 16) % KEYSTREAM_BLOCKS, o + 14);
    }
  }

  protect(h: RtpHeaderFields, payload: Uint8Array): Buffer {
    const n = payload.length;
    if (HEADER + n + 4 > this.inner.length - SHA1_BLOCK) {
      this.grow(n);
    }
    let rollover = this.rollovers.get(h.ssrc);
    if (!rollover) {
      rollover = new Rollover();
      this.rollovers.set(h.ssrc, rollover);
    }
    const roc = rollover.at(h.sequenceNumber & 0xffff);
    const msg = this.inner;
    writeHeader(msg, SHA1_BLOCK, h);

    const seq = h.sequenceNumber & 0xffff;
    const base = SHA1_BLOCK + HEADER;
    if (n <= KEYSTREAM_BYTES) {
      const index = roc * 0x1_0000 + seq; // RFC 3711 §3.3.1: the 48-bit packet index
      const w = this.keystreamFor(h.ssrc >>> 0, index);
      const ks = w.bytes;
      const from = (index - w.first) * KEYSTREAM_BYTES;
      for (let i = 0; i < n; i++) {
        msg[base + i] = payload[i] ^ ks[from + i];
      }
    } else {
      const keystream = this.packetKeystream(h.ssrc >>> 0, roc, seq, n);
      for (let i = 0; i < n; i++) {
        msg[base + i] = payload[i] ^ keystream[i];
      }
    }
    msg.writeUInt32BE(roc, base + n); // RFC 3711 §4.2: the ROC is authenticated, not sent

    const innerHash = hash('sha1', msg.subarray(0, base + n + 4), 'buffer');
    const out = Buffer.allocUnsafe(HEADER + n + CM_TAG);
    msg.copy(out, 0, SHA1_BLOCK, base + n);
    this.outer.digest(innerHash, out, HEADER + n, CM_TAG);
    return out;
  }

  /** The window holding `index`, made anew from `index` on when it does not. */
  private keystreamFor(ssrc: number, index: number): KeystreamWindow {
    const w = this.windows.get(ssrc);
    if (w && index >= w.first && index < w.first + KEYSTREAM_PACKETS) {
      return w;
    }
    const c = this.windowCounters;
    for (let p = 0; p < KEYSTREAM_PACKETS; p++) {
      const i = index + p;
      writeIvMiddle(
        c,
        p * KEYSTREAM_BYTES,
        KEYSTREAM_BLOCKS,
        this.salt,
        ssrc,
        Math.floor(i / 0x1_0000) >>> 0,
        i & 0xffff,
      );
    }
    const bytes = this.ecb.update(c);
    if (w) {
      w.first = index;
      w.bytes = bytes;
      return w;
    }
    const fresh = { first: index, bytes };
    this.windows.set(ssrc, fresh);
    return fresh;
  }

  /** Keystream for one packet longer than KEYSTREAM_BYTES. */
  private packetKeystream(ssrc: number, roc: number, seq: number, n: number): Buffer {
    const blocks = (n + 15) >>> 4;
    writeIvMiddle(this.counters, 0, blocks, this.salt, ssrc, roc, seq);
    return this.ecb.update(this.counters.subarray(0, blocks * 16));
  }

  /** Sizes the reusable buffers for payloads up to `payloadBytes` (rare: MTU-bound in practice). */
  private grow(payloadBytes: number): void {
    const blocks = (payloadBytes + 15) >>> 4;
    this.counters = Buffer.alloc(blocks * 16);
    for (let i = 0; i < blocks; i++) {
      this.salt.copy(this.counters, i * 16, 0, 4);
      this.counters.writeUInt16BE(i, i * 16 + 14);
    }
    this.inner = Buffer.alloc(SHA1_BLOCK + HEADER + blocks * 16 + 4);
    this.ipad.copy(this.inner, 0);
  }
}

export class AesGcmProtector implements SrtpProtector {
  readonly profile = SRTP_AEAD_AES_128_GCM;
  private readonly key: Buffer;
  private readonly salt: Buffer;
  private readonly rollovers = new Map<number, Rollover>();
  private readonly iv = Buffer.alloc(12);

  constructor({ key, salt }: SrtpSessionKeys) {
    this.key = key;
    this.salt = salt;
  }

  protect(h: RtpHeaderFields, payload: Uint8Array): Buffer {
    let rollover = this.rollovers.get(h.ssrc);
    if (!rollover) {
      rollover = new Rollover();
      this.rollovers.set(h.ssrc, rollover);
    }
    const seq = h.sequenceNumber & 0xffff;
    const roc = rollover.at(seq);
    // RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) ⊕ salt.
    const iv = this.iv;
    const s = this.salt;
    const ssrc = h.ssrc >>> 0;
    iv[0] = s[0];
    iv[1] = s[1];
    iv[2] = s[2] ^ (ssrc >>> 24);
    iv[3] = s[3] ^ ((ssrc >>> 16) & 0xff);
    iv[4] = s[4] ^ ((ssrc >>> 8) & 0xff);
    iv[5] = s[5] ^ (ssrc & 0xff);
    iv[6] = s[6] ^ (roc >>> 24);
    iv[7] = s[7] ^ ((roc >>> 16) & 0xff);
    iv[8] = s[8] ^ ((roc >>> 8) & 0xff);
    iv[9] = s[9] ^ (roc & 0xff);
    iv[10] = s[10] ^ (seq >>> 8);
    iv[11] = s[11] ^ (seq & 0xff);

    const n = payload.length;
    const out = Buffer.allocUnsafe(HEADER + n + GCM_TAG);
    writeHeader(out, 0, h);
    const gcm = createCipheriv('aes-128-gcm', this.key, iv);
    gcm.setAAD(out.subarray(0, HEADER)); // RFC 7714 §8.2: the header is the associated data
    const body = gcm.update(payload);
    body.copy(out, HEADER);
    gcm.final(); // GCM is a stream mode: final() adds no bytes
    gcm.getAuthTag().copy(out, HEADER + n);
    return out;
  }
}
