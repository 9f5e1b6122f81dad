// Stable error codes of the SIP layer (docs/architecture.md §5 "Stable error codes"). Parse failures and digest failures are
// returned as data carrying one of these codes; tests assert the code, never the wording.

export const SipErrorCode = {
  // message.ts: parse failures (RFC 3261 §7, §25 grammar)
  EMPTY: 'SIP_ERR_EMPTY',
  START_LINE: 'SIP_ERR_START_LINE',
  HEADER_SYNTAX: 'SIP_ERR_HEADER_SYNTAX',
  NO_HEADER_END: 'SIP_ERR_NO_HEADER_END',
  CONTENT_LENGTH_INVALID: 'SIP_ERR_CONTENT_LENGTH_INVALID',
  BODY_TRUNCATED: 'SIP_ERR_BODY_TRUNCATED',
  MISSING_HEADER: 'SIP_ERR_MISSING_HEADER',
  BAD_VIA: 'SIP_ERR_BAD_VIA',
  BAD_CSEQ: 'SIP_ERR_BAD_CSEQ',
  CSEQ_METHOD_MISMATCH: 'SIP_ERR_CSEQ_METHOD_MISMATCH',
  BAD_NAME_ADDR: 'SIP_ERR_BAD_NAME_ADDR',
  // transport.ts
  TOO_LARGE: 'SIP_ERR_TOO_LARGE',
  STREAM_DESYNC: 'SIP_ERR_STREAM_DESYNC',
  // digest.ts: verification failures (RFC 2617 §3.2.2, §3.3)
  DIGEST_MALFORMED: 'SIP_ERR_DIGEST_MALFORMED',
  DIGEST_ALGORITHM: 'SIP_ERR_DIGEST_ALGORITHM',
  DIGEST_QOP: 'SIP_ERR_DIGEST_QOP',
  DIGEST_NONCE_INVALID: 'SIP_ERR_DIGEST_NONCE_INVALID',
  DIGEST_NONCE_STALE: 'SIP_ERR_DIGEST_NONCE_STALE',
  DIGEST_REPLAY: 'SIP_ERR_DIGEST_REPLAY',
  DIGEST_REALM: 'SIP_ERR_DIGEST_REALM',
  DIGEST_BAD_RESPONSE: 'SIP_ERR_DIGEST_BAD_RESPONSE',
} as const;

export type SipErrorCode = (typeof SipErrorCode)[keyof typeof SipErrorCode];

/** One line per code, for logs and docs; every code has an entry (checked by errors.test.ts). */
export const sipErrorMessages: Readonly<Record<SipErrorCode, string>> = {
  SIP_ERR_EMPTY: 'no bytes, or only whitespace',
  SIP_ERR_START_LINE: 'the first line is neither a Request-Line nor a Status-Line',
  SIP_ERR_HEADER_SYNTAX: 'a header line has no colon or an invalid name',
  SIP_ERR_NO_HEADER_END: 'no empty line ends the header section (truncated message)',
  SIP_ERR_CONTENT_LENGTH_INVALID: 'Content-Length is not a non-negative integer, or values disagree',
  SIP_ERR_BODY_TRUNCATED: 'the body is shorter than Content-Length',
  SIP_ERR_MISSING_HEADER: 'a mandatory header (Via, From, To, Call-ID, CSeq) is missing',
  SIP_ERR_BAD_VIA: 'the top Via does not parse',
  SIP_ERR_BAD_CSEQ: 'CSeq is not "<number> <method>"',
  SIP_ERR_CSEQ_METHOD_MISMATCH: 'the CSeq method differs from the request method',
  SIP_ERR_BAD_NAME_ADDR: 'From or To is not a name-addr or addr-spec',
  SIP_ERR_TOO_LARGE: 'the message exceeds the configured size limit',
  SIP_ERR_STREAM_DESYNC: 'the TCP stream cannot be framed any more; the connection is closed',
  SIP_ERR_DIGEST_MALFORMED: 'the Authorization header lacks a mandatory parameter or does not parse',
  SIP_ERR_DIGEST_ALGORITHM: 'the digest algorithm is not MD5',
  SIP_ERR_DIGEST_QOP: 'the qop value is not "auth", or nc/cnonce are missing with qop',
  SIP_ERR_DIGEST_NONCE_INVALID: 'the nonce was not issued by this gateway',
  SIP_ERR_DIGEST_NONCE_STALE: 'the nonce is ours but expired; challenge again with stale=true',
  SIP_ERR_DIGEST_REPLAY: 'the nonce was used by another identity, or nc did not increase',
  SIP_ERR_DIGEST_REALM: 'the realm differs from ours (strict realm mode only)',
  SIP_ERR_DIGEST_BAD_RESPONSE: 'the response hash does not match (wrong password)',
};
