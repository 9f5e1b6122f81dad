// The voice surface the HTTP API drives (contracts: docs/api.md, route family "Voice"): talks
// (a browser's microphone over WHIP, a clip, or an upper platform's relayed audio) fanned out to
// one or many device channels by GB/T 28181 voice broadcast. Implemented by
// gateway/gb28181/upper/broadcast/voice-service.ts; JSON field names here are a contract.
import type { DiagnosisStep } from './services.js';

export type TalkMode = 'broadcast' | 'talk';
export type TalkSource = 'whip' | 'clip' | 'cascade';
export type TalkCodec = 'PCMA' | 'PCMU';

/** Where one target of a talk stands (docs/voice.md §2). */
export type TalkTargetState =
  | 'notifying' // Broadcast MESSAGE sent, waiting for the device's Response
  | 'waiting-invite' // the device answered OK, its audio INVITE has not come yet
  | 'streaming' // INVITE answered: audio flows to the device
  | 'ended' // BYE from either side
  | 'failed'; // see `error` and `steps`

/** Why a target failed: a stable word for metrics, beside the sentence in `error`. */
export type TalkFailure =
  | 'offline' // the device is not registered
  | 'notify-rejected' // the Broadcast MESSAGE got a SIP error or no answer
  | 'refused' // the device answered the Broadcast with Result ERROR
  | 'no-invite' // it answered OK (or not at all) and never sent its audio INVITE
  | 'bad-offer' // its INVITE offered nothing we can send (answered 488)
  | 'media' // our media socket could not be opened or connected
  | 'no-ack'; // our 200 was never acknowledged

export interface TalkChannel {
  deviceId: string;
  channelId: string;
}

export interface TalkTargetView extends TalkChannel {
  state: TalkTargetState;
  /** Media transport seen from the gateway: tcp-passive = the device connected to us. */
  transport: 'udp' | 'tcp-passive' | 'tcp-active' | null;
  /** raw: G.711 RTP (PT 8/0); ps: G.711 inside PS (PT 96 usually). */
  form: 'rtp' | 'ps' | null;
  payloadType: number | null;
  codec: TalkCodec | null;
  /** The device's y=, the SSRC we send with. */
  ssrc: string | null;
  /** Whom the device's INVITE addressed: our talk source ID, or the gateway's own ID. */
  addressing: 'source' | 'gateway' | null;
  packetsSent: number;
  failure: TalkFailure | null;
  error: string | null;
  steps: DiagnosisStep[];
}

export interface TalkView {
  talkId: string;
  mode: TalkMode;
  source: TalkSource;
  /** The Broadcast's SourceID (the gateway's ID, or a talk source ID). */
  sourceId: string;
  state: 'starting' | 'active' | 'ended' | 'failed';
  /** The law the talk's source speaks; each device gets the law it asked for. */
  codec: TalkCodec;
  createdAt: string;
  endedAt: string | null;
  /** A WHIP publisher is connected. */
  publishing: boolean;
  /** RMS level of the input over the last second (dBFS), null before any audio. */
  inputDbfs: number | null;
  /** talk mode: the live stream that carries the channel's audio back (first target). */
  listenStreamId: string | null;
  targets: TalkTargetView[];
  /** Why the talk ended or failed. */
  reason: string | null;
}

export interface StartTalkRequest {
  mode: TalkMode;
  targets: TalkChannel[];
}

export interface VoiceServices {
  /** Starts a talk: resolves once every target's device answered its Broadcast (or failed). */
  startTalk(request: StartTalkRequest): Promise<TalkView>;
  /** The camera channels below a directory (business group, virtual organisation, or a device). */
  channelsBelow(directoryId: string): TalkChannel[];
  /** Plays a clip through the channel's speaker in real time; resolves when it has been played. */
  broadcastClip(
    target: TalkChannel,
    clip: { contentType: string; body: Uint8Array },
    signal?: AbortSignal,
  ): Promise<{ talkId: string; seconds: number }>;
  listTalks(): TalkView[];
  getTalk(talkId: string): TalkView | undefined;
  stopTalk(talkId: string): void;
}
