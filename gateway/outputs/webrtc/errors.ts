// The WHEP endpoint's errors (draft-ietf-wish-whep over RFC 9725 HTTP semantics): a subset of
// the gateway-wide GW_ERR_* table in gateway/errors.ts, so codes and statuses have one source.
import { GatewayError, type ErrorCode } from '../../errors.js';

export type WhepErrorCode = Extract<
  ErrorCode,
  | 'GW_ERR_STREAM_NOT_FOUND'
  | 'GW_ERR_SESSION_NOT_FOUND'
  | 'GW_ERR_BAD_SDP'
  | 'GW_ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'GW_ERR_CODEC_UNSUPPORTED'
  | 'GW_ERR_BFRAMES_UNSUPPORTED'
  | 'GW_ERR_TRICKLE_UNSUPPORTED'
  | 'GW_ERR_STREAM_NOT_READY'
  | 'GW_ERR_TOO_MANY_VIEWERS'
  | 'GW_ERR_WEBRTC_PORTS_EXHAUSTED'
  | 'GW_ERR_WEBRTC_FAILED'
  | 'GW_ERR_PAYLOAD_TOO_LARGE'
>;

export class WhepError extends GatewayError {
  declare readonly code: WhepErrorCode;

  constructor(code: WhepErrorCode, message?: string) {
    super(code, message);
    this.name = 'WhepError';
  }
}

export const isWhepError = (e: unknown): e is WhepError => e instanceof WhepError;
