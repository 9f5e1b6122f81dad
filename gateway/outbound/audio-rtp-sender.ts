// Sends a talk's G.711 to one device (docs/voice.md §3, §5): 20 ms frames, paced in real time
// (frame-pacer.ts), as the device asked in its INVITE, either
//   raw RTP, PT 8 (PCMA) or 0 (PCMU), 8 kHz clock, 160 samples per packet (RFC 3551 §4.5.14), or
//   G.711 inside MPEG-PS, PT 96 (or what the device mapped to PS), 90 kHz clock, one pack per
//   frame with the PSM naming stream type 0x90 (A-law) or 0x91 (µ-law) (docs/gb28181.md §10),
// with the SSRC of the device's y= (docs/gb28181.md §9), over UDP or RFC 4571 TCP (rtp-socket.ts).
// The first packet of each talkspurt carries the marker bit (RFC 3551 §4.1), and after a pause
// the timestamp jumps by the time that passed, so the device's jitter buffer keeps real time.
import type { AccessUnit } from '../../codecs/types.js';
import type { G711Law } from '../../codecs/g711/law-convert.js';
import { PsMuxer } from '../../codecs/ps/muxer.js';
import { serializeRtp } from '../../codecs/rtp/packet.js';
import { FramePacer, type PacerClock } from './frame-pacer.js';
import { RtpSocket, type RtpSocketOptions } from './rtp-socket.js';

export type AudioForm = 'rtp' | 'ps';

export const FRAME_MS = 20;
/** Samples in one 20 ms G.711 frame at 8 kHz, one byte each. */
export const FRAME_SAMPLES = 160;

export interface AudioRtpSenderOptions {
  ssrc: number;
  law: G711Law;
  form: AudioForm;
  /** 8 or 0 for raw RTP (what the device offered); the PS payload type (usually 96) for PS. */
  payloadType: number;
  socket: RtpSocketOptions;
  /** Queue bound in frames: small for a live microphone, the whole clip for a file. Default 10 (200 ms). */
  maxQueueFrames?: number;
  clock?: PacerClock;
  /** First RTP sequence number. Default random (RFC 3550 §5.1). */
  initialSequence?: number;
  /** Called for every packet handed to the socket (metrics). */
  onPacket?(bytes: number): void;
}

export interface AudioRtpSenderStats {
  packets: number;
  bytes: number;
  /** Frames that reached the pacer. */
  frames: number;
  /** Frames dropped: queue overflow, or no TCP peer connected yet. */
  dropped: number;
  /** Pauses after which the schedule restarted. */
  underruns: number;
}

export class AudioRtpSender {
  readonly socket: RtpSocket;
  readonly #o: AudioRtpSenderOptions;
  readonly #pacer: FramePacer<Uint8Array>;
  readonly #muxer: PsMuxer | undefined;
  #sequence: number;
  #timestamp: number;
  #talkspurt = true;
  #packets = 0;
  #bytes = 0;
  #unsent = 0;

  constructor(opts: AudioRtpSenderOptions) {
    this.#o = opts;
    this.socket = new RtpSocket(opts.socket);
    this.#sequence = (opts.initialSequence ?? Math.floor(Math.random() * 65536)) & 0xffff;
    this.#timestamp = Math.floor(Math.random() * 0x7fffffff);
    // The PSM in every pack: a device that connects late (TCP) or drops the first packet must still
    // learn A-law from µ-law (stream type 0x90 or 0x91); it costs about 40 bytes per 20 ms.
    this.#muxer = opts.form === 'ps' ? new PsMuxer({ audio: opts.law, psmOnEveryPack: true }) : undefined;
    this.#pacer = new FramePacer({
      frameMs: FRAME_MS,
      maxQueue: opts.maxQueueFrames ?? 10,
      send: (frame, skipped) => this.#send(frame, skipped),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  }

  get stats(): AudioRtpSenderStats {
    const p = this.#pacer.stats;
    return {
      packets: this.#packets,
      bytes: this.#bytes,
      frames: p.queued,
      dropped: p.dropped + this.#unsent,
      underruns: p.underruns,
    };
  }

  get form(): AudioForm {
    return this.#o.form;
  }

  open(): Promise<void> {
    return this.socket.open();
  }

  /** One frame of G.711 in this sender's law (FRAME_SAMPLES bytes normally). */
  push(frame: Uint8Array): void {
    this.#pacer.push(frame);
  }

  /** Resolves when every queued frame has left. */
  drained(): Promise<void> {
    return this.#pacer.drained();
  }

  /** Idempotent. */
  close(): void {
    this.#pacer.close();
    this.socket.close();
  }

  #send(frame: Uint8Array, skipped: number): void {
    const { form } = this.#o;
    const clock = form === 'ps' ? 90_000 / 8000 : 1;
    if (skipped > 0) {
      this.#timestamp += skipped * FRAME_SAMPLES * clock;
      this.#talkspurt = true;
    }
    const timestamp = this.#timestamp >>> 0;
    const payload = this.#muxer ? this.#muxer.mux(this.#unitOf(frame, timestamp)) : frame;
    const packet = serializeRtp({
      payloadType: this.#o.payloadType,
      sequence: this.#sequence,
      timestamp,
      ssrc: this.#o.ssrc >>> 0,
      marker: form === 'rtp' ? this.#talkspurt : true,
      csrcs: [],
      paddingLength: 0,
      payload,
    });
    this.#timestamp += frame.length * clock;
    if (!this.socket.send(packet)) {
      this.#unsent++;
      return;
    }
    this.#talkspurt = false;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#packets++;
    this.#bytes += packet.length;
    this.#o.onPacket?.(packet.length);
  }

  /** One G.711 frame as the audio access unit the PS muxer packs (PTS = the RTP timestamp). */
  #unitOf(frame: Uint8Array, timestamp90k: number): AccessUnit {
    return { codec: this.#o.law, pts: timestamp90k, dts: timestamp90k, keyframe: true, units: [frame] };
  }
}
