// The gateway's stable error codes (fastify's FST_ERR_* idea): one table, so the API docs,
// the OpenAPI document and the tests can all be checked against it.

export const ErrorCodes = {
  GW_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed or a parameter is invalid.' },
  GW_ERR_UNAUTHORIZED: { status: 401, message: 'A valid bearer token or signed media token is required.' },
  GW_ERR_FORBIDDEN: { status: 403, message: 'The token does not grant access to this resource.' },
  GW_ERR_NOT_FOUND: { status: 404, message: 'No such route.' },
  GW_ERR_DEVICE_NOT_FOUND: { status: 404, message: 'No device with this ID is known.' },
  GW_ERR_CHANNEL_NOT_FOUND: { status: 404, message: 'The device has no channel with this ID.' },
  GW_ERR_STREAM_NOT_FOUND: { status: 404, message: 'No active stream with this ID.' },
  GW_ERR_DEVICE_OFFLINE: { status: 409, message: 'The device is offline.' },
  GW_ERR_DEVICE_UNSUPPORTED: {
    status: 409,
    message: 'The device does not support this command (its GB/T 28181 edition has no such command).',
  },
  GW_ERR_BAD_SDP: { status: 400, message: 'The SDP offer could not be parsed.' },
  GW_ERR_CODEC_UNSUPPORTED: { status: 406, message: 'The viewer cannot decode the source codec.' },
  GW_ERR_BFRAMES_UNSUPPORTED: {
    status: 406,
    message:
      'The camera sends B-frames, which browsers cannot decode over WebRTC; use HLS, or turn B-frames off on the camera.',
  },
  GW_ERR_SESSION_NOT_FOUND: { status: 404, message: 'No WHEP session with this ID on this stream.' },
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message:
      'The body has the wrong Content-Type: JSON routes take application/json, a WHEP offer application/sdp.',
  },
  GW_ERR_TRICKLE_UNSUPPORTED: {
    status: 405,
    message:
      'This WHEP session takes neither trickled candidates nor ICE restarts (its answer does not offer them): send every candidate in the offer, and POST a new offer to reconnect.',
  },
  GW_ERR_STREAM_NOT_READY: {
    status: 503,
    message: 'The stream has not delivered any video yet; retry shortly.',
  },
  GW_ERR_TOO_MANY_VIEWERS: {
    status: 503,
    message: 'This gateway has reached its WebRTC viewer limit; use HLS or retry later.',
  },
  GW_ERR_WEBRTC_PORTS_EXHAUSTED: {
    status: 503,
    message: 'Every UDP port of the WebRTC port range is in use; use HLS or retry later.',
  },
  GW_ERR_WEBRTC_FAILED: { status: 500, message: 'The WebRTC session could not be set up.' },
  GW_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  GW_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down.' },
  GW_ERR_DEVICE_TIMEOUT: { status: 504, message: 'The device did not answer in time.' },
  GW_ERR_DEVICE_REJECTED: { status: 502, message: 'The device rejected the request.' },
  GW_ERR_NO_MEDIA_PORT: { status: 503, message: 'No free media port in the configured range.' },
  GW_ERR_PLAY_FAILED: { status: 502, message: 'The stream could not be started.' },
  GW_ERR_UPPER_PLATFORM_NOT_FOUND: {
    status: 404,
    message: 'No upper platform with this SIP ID is configured.',
  },
  GW_ERR_UPPER_PLATFORM_EXISTS: {
    status: 409,
    message: 'An upper platform with this SIP ID is already configured.',
  },
  GW_ERR_NODE_UNAVAILABLE: {
    status: 503,
    message: 'No cluster node can take the request, or the node did not answer in time.',
  },
  GW_ERR_CONTROL_UNAVAILABLE: {
    status: 501,
    message:
      'This gateway process does not serve device control (it runs without the GB28181 upper platform).',
  },
  GW_ERR_TALK_NOT_FOUND: { status: 404, message: 'No voice session (talk) with this ID.' },
  GW_ERR_TALK_FAILED: {
    status: 502,
    message: 'No device took the voice broadcast; the talk diagnosis (GET /api/talks/:talkId) says why.',
  },
  GW_ERR_TALK_CODEC: {
    status: 406,
    message:
      'The WHIP offer has no PCMA or PCMU audio; the gateway sends G.711 to devices and does not transcode Opus.',
  },
  GW_ERR_AUDIO_FORMAT: {
    status: 415,
    message: 'Send audio/wav (16-bit PCM, mono or stereo, any rate) or audio/basic (G.711 µ-law, 8 kHz).',
  },
  GW_ERR_VOICE_UNAVAILABLE: { status: 503, message: 'Voice broadcast is not available on this gateway.' },
  GW_ERR_ALARM_NOT_FOUND: { status: 404, message: 'No stored alarm with this ID.' },
  GW_ERR_SUBSCRIPTION_NOT_FOUND: { status: 404, message: 'The device has no subscription with this ID.' },
  GW_ERR_WEBHOOK_NOT_FOUND: { status: 404, message: 'No webhook with this ID.' },
  GW_ERR_WEBHOOK_URL: {
    status: 400,
    message:
      'The webhook URL is not allowed: http or https only, no credentials, no link-local, multicast or unspecified address.',
  },
  GW_ERR_EVENTS_UNAVAILABLE: {
    status: 503,
    message: 'Alarms, positions, subscriptions and the event stream are not served by this process.',
  },
  GW_ERR_RECORDING_UNAVAILABLE: {
    status: 503,
    message: 'Cloud recording is not available on this gateway (cluster signalling node, or not configured).',
  },
  GW_ERR_RECORDING_NOT_FOUND: {
    status: 404,
    message: 'No cloud recording with this ID, or its file is gone.',
  },
  GW_ERR_FFMPEG_MISSING: {
    status: 503,
    message: 'ffmpeg is not installed on the gateway host: snapshots need it to decode the keyframe.',
  },
  GW_ERR_SNAPSHOT_FAILED: {
    status: 502,
    message: 'No snapshot: the camera sent no keyframe, or it did not decode.',
  },
  GW_ERR_DOWNLOAD_NOT_FOUND: {
    status: 404,
    message: 'No download with this ID, or its file is not finished.',
  },
  GW_ERR_DOWNLOAD_LIMIT: {
    status: 503,
    message: 'As many downloads as allowed are running: retry when one finishes.',
  },
  GW_ERR_INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ErrorCodes[code].message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;
