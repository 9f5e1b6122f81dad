import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SipErrorCode } from './errors.js';
import {
  answerDigestChallenge,
  computeDigestResponse,
  computeHa1,
  digestHash,
  DigestServer,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestCredentials,
} from './digest.js';
import { parseSipMessage } from './message.js';
import { NonceSigner } from './nonce.js';
import { REGISTER_WITH_AUTH, UNAUTHORIZED_401 } from './fixtures/reference-messages.js';

// docs/gb28181.md §1.3 values.
const USER = '34020000001180000001';
const REALM = '3402000000';
const PASSWORD = '12345678';
const URI = 'sip:34020000002000000001@3402000000';
const NONCE = '6fe9ba44a76be22a';

function header(text: string, name: string): string {
  const r = parseSipMessage(new TextEncoder().encode(text));
  assert.ok(r.ok);
  return r.message.headers.get(name)!;
}

test('docs/gb28181.md §1.3 vectors: HA1, HA2, response without and with qop=auth', () => {
  assert.equal(computeHa1(USER, REALM, PASSWORD), '267d3310dd883612bd0c4e9fb9be4f0d');
  assert.equal(digestHash('MD5', `REGISTER:${URI}`), '95fced343cf76247d3e2102931f17507');
  const base = {
    username: USER,
    realm: REALM,
    password: PASSWORD,
    method: 'REGISTER',
    uri: URI,
    nonce: NONCE,
  };
  assert.equal(computeDigestResponse(base), 'd8d944e0f2eb95610e68d4fc3f8e05ee');
  assert.equal(
    computeDigestResponse({ ...base, qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }),
    '95b0bced7de61e74a1e7db28afa268aa',
  );
  assert.equal(
    computeDigestResponse({ ...base, ha1: '267d3310dd883612bd0c4e9fb9be4f0d', password: 'ignored' }),
    'd8d944e0f2eb95610e68d4fc3f8e05ee',
  );
  assert.equal(
    computeDigestResponse({ ...base, algorithm: 'SHA-256' }),
    'a563036de0352f7ebaa24715b7e696842171fcd0d2fb95379f2d46293314b0e3',
  );
});

test('the reference 401 challenge parses, and answering it reproduces the reference Authorization byte for byte', () => {
  const ch = parseDigestChallenge(header(UNAUTHORIZED_401, 'www-authenticate'))!;
  assert.deepEqual(ch, { realm: REALM, nonce: NONCE, algorithm: 'MD5', qop: [], stale: false });
  const auth = answerDigestChallenge(ch, {
    username: USER,
    password: PASSWORD,
    method: 'REGISTER',
    uri: URI,
  });
  assert.equal(auth, header(REGISTER_WITH_AUTH, 'authorization'));
  const creds = parseDigestCredentials(auth ?? '')!;
  assert.equal(creds.response, 'd8d944e0f2eb95610e68d4fc3f8e05ee');
});

test('client answers a qop="auth" challenge with nc and cnonce', () => {
  const auth = answerDigestChallenge(
    `Digest realm="${REALM}", nonce="${NONCE}", qop="auth,auth-int", opaque="xyz", algorithm=MD5`,
    {
      username: USER,
      password: PASSWORD,
      method: 'REGISTER',
      uri: URI,
      nc: 1,
      cnonce: '0a4f113b',
    },
  )!;
  const c = parseDigestCredentials(auth)!;
  assert.equal(c.qop, 'auth');
  assert.equal(c.nc, '00000001');
  assert.equal(c.cnonce, '0a4f113b');
  assert.equal(c.opaque, 'xyz');
  assert.equal(c.response, '95b0bced7de61e74a1e7db28afa268aa');
  assert.match(auth, /, qop=auth, nc=00000001$/);
  assert.equal(
    answerDigestChallenge('Basic realm="x"', { username: 'a', password: 'b', method: 'REGISTER', uri: URI }),
    undefined,
  );
  assert.equal(
    answerDigestChallenge('Digest realm="x", nonce="n", algorithm=SM3', {
      username: 'a',
      password: 'b',
      method: 'REGISTER',
      uri: URI,
    }),
    undefined,
  );
});

/** A server with a controllable clock, and a device answering its challenges. */
function setup(
  opts: { qop?: boolean; ttlMs?: number; strictRealm?: boolean; replayCacheSize?: number } = {},
) {
  let now = 1_750_000_000_000;
  const server = new DigestServer({
    realm: REALM,
    qop: opts.qop,
    strictRealm: opts.strictRealm,
    replayCacheSize: opts.replayCacheSize,
    nonce: { ttlMs: opts.ttlMs ?? 60_000, now: () => now },
  });
  const answer = (
    challenge: string,
    o: { password?: string; nc?: number; username?: string; uri?: string } = {},
  ): DigestCredentials =>
    parseDigestCredentials(
      answerDigestChallenge(challenge, {
        username: o.username ?? USER,
        password: o.password ?? PASSWORD,
        method: 'REGISTER',
        uri: o.uri ?? URI,
        nc: o.nc,
      })!,
    )!;
  return { server, answer, advance: (ms: number) => (now += ms) };
}

test('server: a correct answer verifies, with and without qop; response compared case-insensitively', () => {
  for (const qop of [false, true]) {
    const { server, answer } = setup({ qop });
    const challenge = server.challenge();
    assert.equal(parseDigestChallenge(challenge)!.qop.length, qop ? 1 : 0);
    const creds = answer(challenge);
    assert.equal(
      server.verify({ method: 'REGISTER', authorization: creds, password: PASSWORD, identity: USER }).ok,
      true,
      `qop=${qop}`,
    );
    const again = answer(challenge, { nc: 2 });
    const upper = { ...again, response: again.response.toUpperCase() };
    assert.notEqual(upper.response, again.response);
    assert.equal(
      server.verify({ method: 'REGISTER', authorization: upper, password: PASSWORD, identity: USER }).ok,
      true,
    );
  }
});

test('server: the uri parameter is hashed as received, and username may differ from the From identity (docs/gb28181.md §1.3)', () => {
  const { server, answer } = setup();
  const creds = answer(server.challenge(), { uri: 'sip:10.0.0.10:5060', username: '34020000001180000088' });
  const r = server.verify({
    method: 'REGISTER',
    authorization: creds,
    password: PASSWORD,
    identity: '34020000001180000002',
  });
  assert.equal(r.ok, true);
  assert.equal(r.ok && r.credentials.username, '34020000001180000088');
});

test('server: wrong password → bad response; verify with a stored HA1 works too', () => {
  const { server, answer } = setup();
  const ch = server.challenge();
  const bad = server.verify({
    method: 'REGISTER',
    authorization: answer(ch, { password: 'wrong' }),
    password: PASSWORD,
    identity: USER,
  });
  assert.deepEqual(bad.ok ? 'ok' : [bad.code, bad.stale], [SipErrorCode.DIGEST_BAD_RESPONSE, false]);
  const ok = server.verify({
    method: 'REGISTER',
    authorization: answer(ch),
    ha1: computeHa1(USER, REALM, PASSWORD),
    identity: USER,
  });
  assert.equal(ok.ok, true);
});

test('server: an expired nonce of ours with a right answer is stale; with a wrong one it is a bad response', () => {
  const { server, answer, advance } = setup({ ttlMs: 10_000 });
  const ch = server.challenge();
  advance(11_000);
  const stale = server.verify({
    method: 'REGISTER',
    authorization: answer(ch),
    password: PASSWORD,
    identity: USER,
  });
  assert.deepEqual(stale.ok ? 'ok' : [stale.code, stale.stale], [SipErrorCode.DIGEST_NONCE_STALE, true]);
  const wrong = server.verify({
    method: 'REGISTER',
    authorization: answer(ch, { password: 'x' }),
    password: PASSWORD,
    identity: USER,
  });
  assert.deepEqual(wrong.ok ? 'ok' : [wrong.code, wrong.stale], [SipErrorCode.DIGEST_BAD_RESPONSE, false]);
  assert.match(server.challenge({ stale: true }), /, stale=true$/);
});

test('server: forged, foreign and malformed nonces are invalid (never stale)', () => {
  const { server, answer } = setup();
  const ch = parseDigestChallenge(server.challenge())!;
  const forged = ch.nonce.slice(0, -1) + (ch.nonce.endsWith('0') ? '1' : '0');
  const other = new DigestServer({ realm: REALM }).challenge();
  const cases = [
    `Digest realm="${REALM}", nonce="${forged}", algorithm=MD5`,
    other,
    `Digest realm="${REALM}", nonce="${NONCE}", algorithm=MD5`,
    `Digest realm="${REALM}", nonce="ffffffff${randomBytes(24).toString('hex')}", algorithm=MD5`,
  ];
  for (const c of cases) {
    const r = server.verify({
      method: 'REGISTER',
      authorization: answer(c),
      password: PASSWORD,
      identity: USER,
    });
    assert.deepEqual(r.ok ? 'ok' : [r.code, r.stale], [SipErrorCode.DIGEST_NONCE_INVALID, false], c);
  }
});

test('server replay rules: no-qop nonce reusable by its first identity only; with qop nc must increase', () => {
  const { server, answer } = setup();
  const ch = server.challenge();
  const creds = answer(ch);
  const verify = (identity: string, c: DigestCredentials) => {
    const r = server.verify({ method: 'REGISTER', authorization: c, password: PASSWORD, identity });
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(verify(USER, creds), 'ok');
  assert.equal(verify(USER, creds), 'ok'); // a refresh with the same nonce by the same device
  assert.equal(verify('34020000001180000009', creds), SipErrorCode.DIGEST_REPLAY);

  const q = setup({ qop: true });
  const qch = q.server.challenge();
  const qv = (identity: string, nc: number) => {
    const r = q.server.verify({
      method: 'REGISTER',
      authorization: q.answer(qch, { nc }),
      password: PASSWORD,
      identity,
    });
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(qv(USER, 1), 'ok');
  assert.equal(qv(USER, 1), SipErrorCode.DIGEST_REPLAY);
  assert.equal(qv(USER, 3), 'ok');
  assert.equal(qv(USER, 2), SipErrorCode.DIGEST_REPLAY);
  assert.equal(qv('34020000001180000009', 4), SipErrorCode.DIGEST_REPLAY);
  assert.equal(qv(USER, 4), 'ok');
});

test('server: the replay cache is bounded (oldest records are forgotten first)', () => {
  const { server, answer } = setup({ replayCacheSize: 2 });
  const chs = [server.challenge(), server.challenge(), server.challenge()];
  for (const ch of chs) {
    assert.equal(
      server.verify({ method: 'REGISTER', authorization: answer(ch), password: PASSWORD, identity: 'dev-a' })
        .ok,
      true,
    );
  }
  // The first record was evicted, so a second identity is no longer refused for it; the newest still is.
  assert.equal(
    server.verify({
      method: 'REGISTER',
      authorization: answer(chs[0]),
      password: PASSWORD,
      identity: 'dev-b',
    }).ok,
    true,
  );
  assert.equal(
    server.verify({
      method: 'REGISTER',
      authorization: answer(chs[2]),
      password: PASSWORD,
      identity: 'dev-b',
    }).ok,
    false,
  );
});

test('server: malformed credentials, unsupported algorithm or qop, realm rules', () => {
  const { server, answer } = setup();
  const ch = server.challenge();
  const code = (auth: string | DigestCredentials, s = server) => {
    const r = s.verify({ method: 'REGISTER', authorization: auth, password: PASSWORD, identity: USER });
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code('Digest username="a", realm="b"'), SipErrorCode.DIGEST_MALFORMED);
  assert.equal(code('Basic dXNlcjpwYXNz'), SipErrorCode.DIGEST_MALFORMED);
  assert.equal(code({ ...answer(ch), algorithm: 'SHA-512' }), SipErrorCode.DIGEST_ALGORITHM);
  assert.equal(code({ ...answer(ch), algorithm: 'md5' }), 'ok'); // devices write md5 (docs/gb28181.md §1.3)
  assert.equal(
    code({ ...answer(ch), qop: 'auth-int', nc: '00000001', cnonce: 'x' }),
    SipErrorCode.DIGEST_QOP,
  );
  assert.equal(code({ ...answer(ch), qop: 'auth' }), SipErrorCode.DIGEST_QOP);
  // A device configured with an 8-digit realm answers with it: accepted by default, refused when strict.
  const nonce = parseDigestChallenge(ch)!.nonce;
  const shortRealm = parseDigestCredentials(
    answerDigestChallenge(`Digest realm="34020000", nonce="${nonce}"`, {
      username: USER,
      password: PASSWORD,
      method: 'REGISTER',
      uri: URI,
    })!,
  )!;
  assert.equal(code(shortRealm), 'ok');
  const strict = setup({ strictRealm: true });
  const sch = parseDigestChallenge(strict.server.challenge())!.nonce;
  const strictCreds = parseDigestCredentials(
    answerDigestChallenge(`Digest realm="34020000", nonce="${sch}"`, {
      username: USER,
      password: PASSWORD,
      method: 'REGISTER',
      uri: URI,
    })!,
  )!;
  assert.equal(code(strictCreds, strict.server), SipErrorCode.DIGEST_REALM);
});

test('nonces are 56 lower-case hex characters and carry their expiry', () => {
  const signer = new NonceSigner({ ttlMs: 30_000, now: () => 1_000_000 });
  const n = signer.issue();
  assert.match(n, /^[0-9a-f]{56}$/);
  assert.equal(signer.expiryMs(n), 1_030_000);
  assert.equal(signer.check(n), 'valid');
  assert.notEqual(signer.issue(), n);
});
