// The RTCP side of one viewer (RFC 3550 §6, RFC 4585, RFC 5104): reads the viewer's feedback
// off werift's DTLS transport and, when the gateway sends through SrtpTrackSender, writes
// the sender reports that RTCRtpSender would have.
//   PSFB FMT 1 PLI (RFC 4585 §6.3.1) / FMT 4 FIR (RFC 5104 §4.3.1) → keyframe request
//   RTPFB FMT 1 Generic NACK (RFC 4585 §6.2.1)                   → retransmit from history
//   SR + SDES CNAME every 0.5-1.5 s (RFC 3550 §6.4.1, §6.5.1, §6.3.1 randomization)
//   BYE with the reason for leaving when the gateway ends the session (RFC 3550 §6.6)
import type { RTCDtlsTransport, RtcpPacket } from 'werift';
import {
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  SourceDescriptionChunk,
  SourceDescriptionItem,
} from 'werift';
import { serializeRtcp } from '../../../codecs/rtp/rtcp.js';
import { createLogger } from '../../log.js';
import { toUint32 } from './rtp-clock.js';
import type { SrtpTrackSender } from './srtp-sender.js';

const log = createLogger('gateway:webrtc');

const RTCP_RTPFB = 205;
const RTCP_PSFB = 206;
const FMT_NACK = 1;
const FMT_PLI = 1;
const FMT_FIR = 4;
/** RFC 3550 §4: NTP era 0 starts 1900-01-01, 2208988800 s before the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800n;
const SDES_CNAME = 1;

/** `text` as UTF-8 cut to at most `max` octets, never inside a character. */
function utf8Upto(text: string, max: number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  let end = Math.min(bytes.length, max);
  while (end < bytes.length && end > 0 && (bytes[end] & 0xc0) === 0x80) {
    end--; // bytes[end] continues a character: cut before that character starts
  }
  return bytes.subarray(0, end);
}

/** 64-bit NTP timestamp (RFC 3550 §4) for a Unix time in milliseconds. */
export function ntpTimestamp(unixMs: number): bigint {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * 2 ** 32);
  return ((BigInt(seconds) + NTP_UNIX_OFFSET_S) << 32n) | BigInt(fraction);
}

export interface RtcpSessionOptions {
  dtls: RTCDtlsTransport;
  /** SSRC of the video sender: PLI/FIR naming it request a keyframe. */
  videoSsrc: number;
  onKeyframeRequest(): void;
  /** Present when the gateway sends through SrtpTrackSender: NACKs and SRs are ours. */
  tracks?: readonly SrtpTrackSender[];
  /** SDES CNAME, the one werift put in the answer's a=ssrc lines (RFC 3550 §6.5.1). */
  cname: string;
}

export class RtcpSession {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  readonly stats = { pli: 0, fir: 0, nack: 0, retransmitted: 0, reports: 0, byes: 0 };
  /** performance.now() of the last RTCP packet from the viewer: its receiver reports (RFC 3550 §6.4.2) are the ice-lite side's only sign of life. */
  lastReceivedMs = performance.now();

  constructor(private readonly opts: RtcpSessionOptions) {}

  start(): void {
    this.unsubscribe = this.opts.dtls.onRtcp.subscribe((p) => this.handle(p)).unSubscribe;
    if (this.opts.tracks?.length) {
      this.schedule();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  handle(packet: RtcpPacket): void {
    this.lastReceivedMs = performance.now();
    if (packet.type === RTCP_PSFB) {
      const fb = packet.feedback as { count: number; mediaSsrc?: number; fir?: { ssrc: number }[] };
      const ssrc = this.opts.videoSsrc;
      if (fb.count === FMT_PLI && fb.mediaSsrc === ssrc) {
        this.stats.pli++;
        this.opts.onKeyframeRequest();
      } else if (fb.count === FMT_FIR && (fb.fir ?? []).some((e) => e.ssrc === ssrc)) {
        // FIR names the media sender in its FCI entries; its own media SSRC field is 0.
        this.stats.fir++;
        this.opts.onKeyframeRequest();
      }
    } else if (packet.type === RTCP_RTPFB && this.opts.tracks) {
      const fb = packet.feedback as { count: number; mediaSourceSsrc?: number; lost?: number[] };
      if (fb.count !== FMT_NACK) {
        return;
      }
      const track = this.opts.tracks.find((t) => t.ssrc === fb.mediaSourceSsrc);
      if (!track || !fb.lost) {
        return;
      }
      this.stats.nack++;
      this.stats.retransmitted += track.retransmit(fb.lost);
    }
  }

  /**
   * The gateway ends the session: a last compound packet of the sender reports (or an empty RR:
   * a compound packet starts with one, §6.1) and a BYE for every sending SSRC carrying the
   * reason for leaving, UTF-8, at most 255 octets (§6.6). werift has no BYE type, so the BYE
   * goes as bytes from codecs/rtp/rtcp.ts.
   */
  bye(reason: string): Promise<void> {
    const ssrcs = this.opts.tracks?.length ? this.opts.tracks.map((t) => t.ssrc) : [this.opts.videoSsrc];
    const reports = this.buildReports().flat();
    const first =
      reports.length > 0 ? reports : [new RtcpRrPacket({ ssrc: this.opts.videoSsrc, reports: [] })];
    const bye = serializeRtcp([{ type: 'bye', ssrcs, reason: utf8Upto(reason, 255) }]);
    const byePacket = { serialize: () => Buffer.from(bye) } as unknown as RtcpPacket;
    this.stats.byes++;
    return this.opts.dtls.sendRtcp([...first, byePacket]).then(
      () => undefined,
      (err: unknown) => log.debug({ err }, 'BYE not sent'),
    );
  }

  /** One SR + SDES compound packet per track that has sent something. */
  buildReports(nowPerfMs = performance.now()): RtcpPacket[][] {
    const unixMs = performance.timeOrigin + nowPerfMs;
    const ntp = ntpTimestamp(unixMs);
    const out: RtcpPacket[][] = [];
    for (const t of this.opts.tracks ?? []) {
      const c = t.counters;
      if (c.packets === 0) {
        continue;
      }
      // §6.4.1: the RTP timestamp of the same instant as the NTP timestamp, extrapolated from the last packet.
      const rtpTimestamp = toUint32(
        c.lastTimestamp + Math.round(((nowPerfMs - c.lastSentMs) * t.clockRate) / 1000),
      );
      const sr = new RtcpSrPacket({
        ssrc: t.ssrc,
        senderInfo: new RtcpSenderInfo({
          ntpTimestamp: ntp,
          rtpTimestamp,
          packetCount: toUint32(c.packets),
          octetCount: toUint32(c.octets),
        }),
      });
      const sdes = new RtcpSourceDescriptionPacket({
        chunks: [
          new SourceDescriptionChunk({
            source: t.ssrc,
            items: [new SourceDescriptionItem({ type: SDES_CNAME, text: this.opts.cname })],
          }),
        ],
      });
      out.push([sr, sdes]);
    }
    return out;
  }

  private schedule(): void {
    this.timer = setTimeout(
      () => {
        for (const compound of this.buildReports()) {
          this.opts.dtls.sendRtcp(compound).catch((err: unknown) => log.debug({ err }, 'sendRtcp failed'));
          this.stats.reports++;
        }
        this.schedule();
      },
      500 + Math.random() * 1000,
    );
    this.timer.unref();
  }
}
