// Sends one viewer's RTP track straight through werift's SRTP session and UDP socket,
// bypassing RTCRtpSender.sendRtp. That method costs per packet: a header-extension
// map/filter/sort, a string-splitting ntpTime() (whose fraction is wrong: it writes the
// decimal digits of the milliseconds, so werift's own SRs carry whole seconds), bandwidth-
// estimator bookkeeping, and four nested async calls. Here a packet is: encrypt (RFC 3711
// §3.3), socket.send, keep for NACK. This module then owns what RTCRtpSender did for us:
// the retransmission history (RFC 4585 §6.2.1 Generic NACK) and the counters for sender
// reports (RFC 3550 §6.4.1), which rtcp-session.ts sends.
import type { Socket } from 'node:dgram';
import type { RTCDtlsTransport, RtpPacket } from 'werift';
import type { RtpSendTarget } from './rtp-writer.js';

/** Packets kept for retransmission: ~1.2 s of a 4 Mbit/s stream (werift keeps 128). */
const HISTORY = 512;

const ignore = (): void => {};

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
  private readonly history: (RtpPacket | undefined)[] = new Array<RtpPacket | undefined>(HISTORY);

  /**
   * @param ssrc the SSRC werift announced for this sender in the answer (a=ssrc)
   * @param clockRate RTP clock of the codec (CLOCK_HZ for video, 8000 for G.711), for sender reports
   */
  constructor(
    private readonly dtls: RTCDtlsTransport,
    readonly ssrc: number,
    readonly clockRate: number,
  ) {}

  send(packet: RtpPacket): void {
    packet.header.ssrc = this.ssrc;
    this.transmit(packet);
    this.history[packet.header.sequenceNumber % HISTORY] = packet;
    const c = this.counters;
    c.packets++;
    c.octets += packet.payload.length;
    c.lastTimestamp = packet.header.timestamp;
    c.lastSentMs = performance.now();
  }

  /** Resends what is still in the history; sequence numbers no longer held are skipped. */
  retransmit(sequenceNumbers: readonly number[]): number {
    let sent = 0;
    for (const seq of sequenceNumbers) {
      const packet = this.history[seq % HISTORY];
      if (!packet || packet.header.sequenceNumber !== seq) {
        continue;
      }
      this.transmit(packet);
      sent++;
    }
    this.counters.retransmitted += sent;
    return sent;
  }

  private transmit(packet: RtpPacket): void {
    const pair = this.dtls.iceTransport.connection.nominated;
    const socket = udpSocketOf(pair?.protocol);
    if (!pair || !socket || this.dtls.state !== 'connected') {
      // Not on a plain UDP pair (or werift moved things): take werift's own path.
      this.dtls.sendRtp(packet.payload, packet.header).catch(ignore);
      return;
    }
    let srtp: Buffer;
    try {
      srtp = this.dtls.srtp.encrypt(packet.payload, packet.header);
    } catch {
      return; // keys gone: the session is closing
    }
    const [host, port] = pair.remoteAddr;
    socket.send(srtp, port, host, ignore);
  }
}

/** werift 0.24.4: CandidatePair.protocol (StunProtocol) → transport (UdpTransport) → socket. */
function udpSocketOf(protocol: unknown): Socket | undefined {
  const transport = (protocol as { transport?: { socket?: unknown; closed?: boolean } } | undefined)
    ?.transport;
  const socket = transport?.socket as Socket | undefined;
  return socket && !transport?.closed && typeof socket.send === 'function' ? socket : undefined;
}
