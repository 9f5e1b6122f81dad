// Voice broadcast and talk (docs/voice.md): start a talk on a channel, a list of channels or a
// directory (its answer carries the signed WHIP URL a browser publishes its microphone to), play
// a clip through a channel's speaker, list and stop talks. Field names as docs/api.md "Voice".
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { WAV_TYPES, AUDIO_BASIC, MAX_CLIP_SECONDS } from '../../talk/clip.js';
import type { TalkChannel, TalkMode, TalkView, VoiceServices } from '../../views/voice.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { OkBody, PlayAnswerBody } from '../responses.js';
import { ChannelParams, GbId } from '../validation.js';
import { playAnswer, type ChannelP, type RouteDeps } from './route-deps.js';

const Time = z.string().describe('ISO 8601 time with offset');
const TalkId = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, 'not a talk ID');
const Mode = z.enum(['broadcast', 'talk']);
const Codec = z.enum(['PCMA', 'PCMU']);

export const TalkTargetBody = z.object({
  deviceId: GbId,
  channelId: GbId,
  state: z.enum(['notifying', 'waiting-invite', 'streaming', 'ended', 'failed']),
  transport: z.enum(['udp', 'tcp-passive', 'tcp-active']).nullable(),
  form: z.enum(['rtp', 'ps']).nullable(),
  payloadType: z.number().int().nullable(),
  codec: Codec.nullable(),
  ssrc: z.string().nullable(),
  addressing: z.enum(['source', 'gateway']).nullable(),
  packetsSent: z.number().int().min(0),
  failure: z
    .enum(['offline', 'notify-rejected', 'refused', 'no-invite', 'bad-offer', 'media', 'no-ack'])
    .nullable(),
  error: z.string().nullable(),
  steps: z.array(z.object({ at: Time, step: z.string(), detail: z.string().optional() })),
});

export const TalkViewBody = z.object({
  talkId: z.string(),
  mode: Mode,
  source: z.enum(['whip', 'clip', 'cascade']),
  sourceId: GbId,
  state: z.enum(['starting', 'active', 'ended', 'failed']),
  codec: Codec,
  createdAt: Time,
  endedAt: Time.nullable(),
  publishing: z.boolean(),
  inputDbfs: z.number().nullable(),
  listenStreamId: z.string().nullable(),
  targets: z.array(TalkTargetBody),
  reason: z.string().nullable(),
}) satisfies z.ZodType<TalkView>;

export const TalkAnswerBody = z.object({
  talkId: z.string(),
  whip: z.string().describe('WHIP (RFC 9725) URL with a signed token: POST the microphone offer here'),
  codec: Codec,
  mode: Mode,
  sourceId: GbId,
  targets: z.array(TalkTargetBody),
  listen: PlayAnswerBody.nullable().describe(
    'talk mode: the channel live stream that carries its audio back',
  ),
});

export const ClipAnswerBody = z.object({
  talkId: z.string(),
  seconds: z.number().min(0).describe('duration of the clip played'),
});

const TalkBody = z.strictObject({ mode: Mode.default('broadcast') });

const GroupTalkBody = z
  .strictObject({
    mode: Mode.default('broadcast'),
    channels: z
      .array(z.strictObject({ deviceId: GbId, channelId: GbId }))
      .min(1)
      .max(64)
      .optional(),
    directoryId: GbId.optional().describe(
      'a business group, virtual organisation or device: every camera below it',
    ),
  })
  .refine(
    (b) => (b.channels === undefined) !== (b.directoryId === undefined),
    'give channels or directoryId',
  );

function require(voice: VoiceServices | undefined): VoiceServices {
  if (!voice) {
    throw new GatewayError('GW_ERR_VOICE_UNAVAILABLE');
  }
  return voice;
}

export function voiceRoutes(deps: RouteDeps): ApiRoute[] {
  const answer = (view: TalkView) => {
    const listen = view.listenStreamId ? deps.services.getStream(view.listenStreamId) : undefined;
    return {
      talkId: view.talkId,
      whip: deps.talkUrl(view.talkId),
      codec: view.codec,
      mode: view.mode,
      sourceId: view.sourceId,
      targets: view.targets,
      // the live play's answer, as POST …/live gives it (stream and answeredStream included)
      listen: listen ? playAnswer(deps, listen) : null,
    };
  };
  const start = async (mode: TalkMode, targets: TalkChannel[]) =>
    answer(await require(deps.voice).startTalk({ mode, targets }));
  return [
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/talk',
      summary: 'Voice broadcast (Notify Broadcast) or talk (broadcast + the channel audio back) to a channel',
      auth: 'bearer',
      params: ChannelParams,
      body: TalkBody,
      response: TalkAnswerBody,
      handler: ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        return start((body as { mode: TalkMode }).mode, [{ deviceId, channelId }]);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/talks',
      summary: 'Group broadcast from one microphone: a list of channels, or every camera below a directory',
      auth: 'bearer',
      body: GroupTalkBody,
      response: TalkAnswerBody,
      handler: ({ body }) => {
        const b = body as { mode: TalkMode; channels?: TalkChannel[]; directoryId?: string };
        const voice = require(deps.voice);
        const targets = b.channels ?? voice.channelsBelow(b.directoryId!);
        if (targets.length === 0) {
          throw new GatewayError('GW_ERR_CHANNEL_NOT_FOUND', `no camera channel below ${b.directoryId}`);
        }
        return start(b.mode, targets);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/broadcast',
      summary: `Play a clip (audio/wav or audio/basic, at most ${MAX_CLIP_SECONDS} s) through the channel speaker; answers when done`,
      auth: 'bearer',
      params: ChannelParams,
      rawBody: { types: [...WAV_TYPES, AUDIO_BASIC], limitBytes: 128 * 1024 * 1024 },
      response: ClipAnswerBody,
      handler: ({ params, body, contentType, signal }) => {
        const { deviceId, channelId } = params as ChannelP;
        const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
        if (!(body instanceof Uint8Array) || body.length === 0) {
          throw new GatewayError(
            'GW_ERR_AUDIO_FORMAT',
            `the body must be a non-empty ${[...WAV_TYPES, AUDIO_BASIC].join(' or ')} (got ${type || 'no Content-Type'})`,
          );
        }
        return require(deps.voice).broadcastClip(
          { deviceId, channelId },
          { contentType: type, body },
          signal,
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/talks',
      summary: 'Active voice sessions',
      auth: 'bearer',
      response: z.array(TalkViewBody),
      handler: () => require(deps.voice).listTalks(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/talks/:talkId',
      summary: 'One voice session (also for a while after it ended), each target step by step',
      auth: 'bearer',
      params: z.object({ talkId: TalkId }),
      response: TalkViewBody,
      handler: ({ params }) => {
        const { talkId } = params as { talkId: string };
        const talk = require(deps.voice).getTalk(talkId);
        if (!talk) {
          throw new GatewayError('GW_ERR_TALK_NOT_FOUND', `no talk ${talkId}`);
        }
        return talk;
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/talks/:talkId',
      summary: 'Stop a voice session (BYE to every device)',
      auth: 'bearer',
      params: z.object({ talkId: TalkId }),
      response: OkBody,
      handler: ({ params }) => {
        require(deps.voice).stopTalk((params as { talkId: string }).talkId);
        return { ok: true };
      },
    }),
  ];
}
