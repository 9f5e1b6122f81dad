// Sends one viewer's RTP track straight through werift's SRTP session and UDP socket,
// bypassing RTCRtpSender.sendRtp. That method costs per packet: a header-extension
// map/filter/sort, a string-splitting ntpTime() (whose fraction is wrong: it writes the
// decimal digits of the milliseconds, so werift's own SRs carry whole seconds), bandwidth-
// estimator bookkeeping, and four nested async calls. Here a packet is: encrypt with our own
// SRTP protector (srtp-protect.ts, keyed once per DTLS session from werift's DTLS-SRTP
// export), socket.send, note the header fields for NACK. This module then owns what
// RTCRtpSender did for us: the retransmission history (RFC 4585 §6.2.1 Generic NACK) and the
// counters for sender reports (RFC 3550 §6.4.1), which rtcp-session.ts sends. The history keeps
// the payload every viewer shares and this viewer's header fields, not the encrypted bytes (512
// of those would be 600 kB a viewer); a retransmission encrypts the same packet index, header and
// payload again, which gives the same SRTP bytes (RFC 3711 §3.3: the transform is a function of
// the index), so nothing is revealed twice.
import type { Socket } from 'node:dgram';
import { RtpHeader, type RTCDtlsTransport, type SrtpSession } from 'werift';
import type { OutgoingRtp, RtpSendTarget } from './rtp-writer.js';
import { createSrtpProtector, type RtpHeaderFields, type SrtpProtector } from './srtp-protect.js';

/** Packets kept for retransmission: ~1.2 s of a 4 Mbit/s stream (werift keeps 128). */
const HISTORY = 512;

const ignore = (): void => {};
const EMPTY = Buffer.alloc(0);

/**
 * One protector per werift SRTP session, shared by the session's tracks (BUNDLE: video and
 * audio ride one DTLS transport and one set of keys). werift makes a new SrtpSession when
 * DTLS re-keys, so keying by the object picks up new keys.
 */
const protectors = new WeakMap<SrtpSession, SrtpProtector>();

function protectorFor(session: SrtpSession): SrtpProtector {
  let p = protectors.get(session);
  if (!p) {
    const { profile, keys } = session.config;
    p = createSrtpProtector(profile, keys.localMasterKey, keys.localMasterSalt);
    protectors.set(session, p);
  }
  return p;
}

export interface TrackCounters {
  /** RFC 3550 §6.4.1 sender's packet and octet counts (payload octets only). */
  packets: number;
  octets: number;
  retransmitted: number;
  /** RTP timestamp and wall-clock time (ms, performance.now) of the last packet sent. */
  lastTimestamp: number;
  lastSentMs: number;
}

export class SrtpTrackSender implements RtpSendTarget {
  readonly counters: TrackCounters = {
    packets: 0,
    octets: 0,
    retransmitted: 0,
    lastTimestamp: 0,
    lastSentMs: 0,
  };
  /** Sent packets by sequence number modulo HISTORY: the shared payload and this viewer's header fields. */
  private readonly historyPayload: (Buffer | undefined)[] = new Array<Buffer | undefined>(HISTORY);
  private readonly historySeq = new Int32Array(HISTORY).fill(-1);
  private readonly historyTimestamp = new Uint32Array(HISTORY);
  /** Marker bit and payload type as the second header octet carries them (RFC 3550 §5.1). */
  private readonly historyMpt = new Uint8Array(HISTORY);
  /** Reused for every packet: the protector reads it synchronously. */
  private readonly fields: RtpHeaderFields;

  /**
   * @param ssrc the SSRC werift announced for this sender in the answer (a=ssrc)
   * @param clockRate RTP clock of the codec (CLOCK_HZ for video, 8000 for G.711), for sender reports
   */
  constructor(
    private readonly dtls: RTCDtlsTransport,
    readonly ssrc: number,
    readonly clockRate: number,
  ) {
    this.fields = { payloadType: 0, sequenceNumber: 0, timestamp: 0, marker: false, ssrc };
  }

  send(rtp: Readonly<OutgoingRtp>): void {
    this.encrypt(rtp);
    const slot = rtp.sequenceNumber % HISTORY;
    this.historyPayload[slot] = rtp.payload;
    this.historySeq[slot] = rtp.sequenceNumber;
    this.historyTimestamp[slot] = rtp.timestamp;
    this.historyMpt[slot] = (rtp.marker ? 0x80 : 0) | rtp.payloadType;
    const c = this.counters;
    c.packets++;
    c.octets += rtp.payload.length;
    c.lastTimestamp = rtp.timestamp;
    c.lastSentMs = performance.now();
  }

  /** Resends what is still in the history; sequence numbers no longer held are skipped. */
  retransmit(sequenceNumbers: readonly number[]): number {
    let sent = 0;
    const rtp: OutgoingRtp = {
      payloadType: 0,
      sequenceNumber: 0,
      timestamp: 0,
      marker: false,
      payload: EMPTY,
    };
    for (const seq of sequenceNumbers) {
      const slot = seq % HISTORY;
      const payload = this.historyPayload[slot];
      if (!payload || this.historySeq[slot] !== seq) {
        continue;
      }
      rtp.sequenceNumber = seq;
      rtp.timestamp = this.historyTimestamp[slot];
      rtp.marker = (this.historyMpt[slot] & 0x80) !== 0;
      rtp.payloadType = this.historyMpt[slot] & 0x7f;
      rtp.payload = payload;
      if (this.encrypt(rtp)) {
        sent++;
      }
    }
    this.counters.retransmitted += sent;
    return sent;
  }

  /** Encrypts and sends; returns the SRTP bytes, or undefined when werift's own path took the packet. */
  private encrypt(rtp: Readonly<OutgoingRtp>): Buffer | undefined {
    const socket = this.socket();
    if (!socket) {
      // Not on a plain UDP pair (or werift moved things): take werift's own path.
      const header = new RtpHeader();
      header.payloadType = rtp.payloadType;
      header.sequenceNumber = rtp.sequenceNumber;
      header.timestamp = rtp.timestamp;
      header.marker = rtp.marker;
      header.ssrc = this.ssrc;
      this.dtls.sendRtp(rtp.payload, header).catch(ignore);
      return undefined;
    }
    const f = this.fields;
    f.payloadType = rtp.payloadType;
    f.sequenceNumber = rtp.sequenceNumber;
    f.timestamp = rtp.timestamp;
    f.marker = rtp.marker;
    let srtp: Buffer;
    try {
      srtp = protectorFor(this.dtls.srtp).protect(f, rtp.payload);
    } catch {
      return undefined; // keys gone: the session is closing
    }
    this.sendOn(socket, srtp);
    return srtp;
  }

  private socket(): Socket | undefined {
    const pair = this.dtls.iceTransport.connection.nominated;
    return pair && this.dtls.state === 'connected' ? udpSocketOf(pair.protocol) : undefined;
  }

  private sendOn(socket: Socket, srtp: Buffer): void {
    const [host, port] = this.dtls.iceTransport.connection.nominated!.remoteAddr;
    // No callback: Node then skips the per-send completion bookkeeping (about 1 µs a packet,
    // bench/send-path.ts) and reports a failed send as the socket's 'error' event instead.
    guardErrors(socket);
    socket.send(srtp, port, host);
  }
}

/**
 * werift listens for no 'error' on its UDP sockets; an unlistened 'error' (a send to a vanished
 * route, for one) would end the process. A datagram that could not be sent is a lost packet, which
 * RTCP and NACK already deal with, so the event is only counted.
 */
const guarded = new WeakSet<Socket>();
export const socketErrors = { count: 0 };
function guardErrors(socket: Socket): void {
  if (!guarded.has(socket)) {
    guarded.add(socket);
    socket.on('error', () => void socketErrors.count++);
  }
}

/** werift 0.24.4: CandidatePair.protocol (StunProtocol) → transport (UdpTransport) → socket. */
function udpSocketOf(protocol: unknown): Socket | undefined {
  const transport = (protocol as { transport?: { socket?: unknown; closed?: boolean } } | undefined)
    ?.transport;
  const socket = transport?.socket as Socket | undefined;
  return socket && !transport?.closed && typeof socket.send === 'function' ? socket : undefined;
}
