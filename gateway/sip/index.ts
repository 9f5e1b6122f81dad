// Public API of the SIP stack: what gb28181/ and simulator/ import. Internals (framer, timers,
// transaction classes' constructors, keys) stay reachable by path for tests only.
export { SipErrorCode, sipErrorMessages } from './errors.js';
export {
  SipHeaders,
  canonicalHeaderName,
  splitHeaderList,
  type HeaderInit,
  type SipHeaderEntry,
} from './header-list.js';
export { SipParams, type SipParam } from './params.js';
export { parseSipUri, formatSipUri, parseHostPort, type SipUri } from './uri.js';
export {
  Via,
  NameAddr,
  parseVia,
  getTopVia,
  parseNameAddr,
  parseCSeq,
  formatCSeq,
  type CSeq,
} from './headers.js';
export {
  parseSipMessage,
  serializeSipMessage,
  createRequest,
  createResponse,
  describeMessage,
  toBodyBytes,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipParseResult,
} from './message.js';
export { buildResponse, reasonPhrase, responseDestination, type ResponseOptions } from './response.js';
export { formatRemote, sameRemote, type SipRemote, type SipTransportKind } from './remote.js';
export {
  SipTransport,
  type SipTransportOptions,
  type ConnectionInfo,
  type ConnectionCloseReason,
} from './transport.js';
export type { ServerTransaction, RespondOptions } from './server-transaction.js';
export type { SipTimerOptions } from './timers.js';
export {
  SipUserAgent,
  type SipUserAgentOptions,
  type CreateRequestOptions,
  type RequestOptions,
} from './user-agent.js';
export {
  DialogTable,
  createInDialogRequest,
  dialogAsUac,
  dialogAsUas,
  dialogId,
  dialogIdOfRequest,
  targetAtRemote,
  type Dialog,
  type InDialogOptions,
} from './dialog.js';
export {
  DigestServer,
  FailureLockout,
  answerDigestChallenge,
  computeDigestResponse,
  computeHa1,
  parseDigestChallenge,
  parseDigestCredentials,
  formatDigestChallenge,
  formatDigestCredentials,
  type DigestChallenge,
  type DigestCredentials,
  type DigestServerOptions,
  type DigestVerifyInput,
  type DigestVerifyResult,
  type FailureLockoutOptions,
} from './digest.js';
export { AuthBackoff, type AuthBackoffOptions } from './auth-backoff.js';
export { newTag, newBranch, newCallId } from './ids.js';
