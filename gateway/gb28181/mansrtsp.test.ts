import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GbErrorCode } from './errors.js';
import * as ref from './fixtures/reference-bodies.js';
import {
  buildMansRtsp,
  buildMansRtspResponse,
  parseMansRtsp,
  parseMansRtspResponse,
  withCseq,
  type MansRtspCommand,
  type MansRtspRequest,
} from './mansrtsp.js';

/** The bodies of docs/gb28181.md §8.1, with their expected typed values. */
const BODIES: [string, MansRtspRequest][] = [
  [ref.PAUSE_MANSRTSP, { method: 'PAUSE', cseq: 1, pauseTime: 'now' }],
  ['PLAY RTSP/1.0\r\nCSeq: 2\r\nRange: npt=now-\r\n', { method: 'PLAY', cseq: 2, range: { start: 'now' } }],
  ['PLAY RTSP/1.0\r\nCSeq: 3\r\nScale: 2.0\r\n', { method: 'PLAY', cseq: 3, scale: 2 }],
  ['PLAY RTSP/1.0\r\nCSeq: 4\r\nRange: npt=379-\r\n', { method: 'PLAY', cseq: 4, range: { start: 379 } }],
  ['TEARDOWN RTSP/1.0\r\nCSeq: 5\r\n', { method: 'TEARDOWN', cseq: 5 }],
];

for (const [body, request] of BODIES) {
  test(`MANSRTSP ${body.split('\r\n').slice(0, 3).join(' | ')} builds and parses`, () => {
    assert.equal(buildMansRtsp(request), body);
    assert.deepEqual(parseMansRtsp(body), { ok: true, value: request });
  });
}

test('the reference PAUSE body is 41 bytes', () => {
  assert.equal(Buffer.byteLength(buildMansRtsp({ method: 'PAUSE', cseq: 1, pauseTime: 'now' })), 41);
});

test('scale variants: 0.5, 4, -1 and Monibuca 2.000000; ranges with an end', () => {
  assert.equal(
    buildMansRtsp({ method: 'PLAY', cseq: 9, scale: 0.5 }),
    'PLAY RTSP/1.0\r\nCSeq: 9\r\nScale: 0.5\r\n',
  );
  assert.equal(
    buildMansRtsp({ method: 'PLAY', cseq: 9, scale: -1 }),
    'PLAY RTSP/1.0\r\nCSeq: 9\r\nScale: -1.0\r\n',
  );
  assert.deepEqual(parseMansRtsp('PLAY RTSP/1.0\nCSeq: 3\nScale: 2.000000\n'), {
    ok: true,
    value: { method: 'PLAY', cseq: 3, scale: 2 },
  });
  assert.deepEqual(parseMansRtsp('play RTSP/1.0\r\ncseq: 3\r\nscale: 4\r\n'), {
    ok: true,
    value: { method: 'PLAY', cseq: 3, scale: 4 },
  });
  assert.deepEqual(parseMansRtsp('PLAY RTSP/1.0\r\nCSeq: 6\r\nRange: npt=10.5-20\r\n'), {
    ok: true,
    value: { method: 'PLAY', cseq: 6, range: { start: 10.5, end: 20 } },
  });
  assert.equal(
    buildMansRtsp({ method: 'PLAY', cseq: 6, range: { start: 10, end: 20 } }),
    'PLAY RTSP/1.0\r\nCSeq: 6\r\nRange: npt=10-20\r\n',
  );
});

test('malformed bodies are errors', () => {
  for (const bad of [
    '',
    'GET / HTTP/1.1\r\n',
    'PLAY RTSP/1.0\r\n',
    'PLAY RTSP/1.0\r\nCSeq: x\r\n',
    'PLAY RTSP/1.0\r\nCSeq: 1\r\nScale: 0\r\n',
    'PLAY RTSP/1.0\r\nCSeq: 1\r\nRange: clock=1-\r\n',
    'PAUSE RTSP/1.0\r\nCSeq: 1\r\nbroken\r\n',
  ]) {
    const r = parseMansRtsp(bad);
    assert.equal(r.ok ? 'ok' : r.error, GbErrorCode.RTSP_SYNTAX, JSON.stringify(bad));
  }
});

test('device answer body with RTP-Info (2022) builds and parses', () => {
  const body = 'RTSP/1.0 200 OK\r\nCSeq: 4\r\nRTP-Info: seq=1024;rtptime=90000\r\n';
  assert.equal(
    buildMansRtspResponse({ status: 200, reason: 'OK', cseq: 4, rtpInfo: { seq: 1024, rtptime: 90000 } }),
    body,
  );
  assert.deepEqual(parseMansRtspResponse(body), {
    ok: true,
    value: { status: 200, reason: 'OK', cseq: 4, rtpInfo: { seq: 1024, rtptime: 90000 } },
  });
});

test('commands without CSeq keep their variant fields and get one assigned', () => {
  const commands: MansRtspCommand[] = [
    { method: 'PAUSE', pauseTime: 'now' },
    { method: 'PLAY', scale: 4 },
    { method: 'TEARDOWN' },
  ];
  assert.deepEqual(
    commands.map((c, i) => buildMansRtsp(withCseq(c, i + 1))),
    [
      'PAUSE RTSP/1.0\r\nCSeq: 1\r\nPauseTime: now\r\n',
      'PLAY RTSP/1.0\r\nCSeq: 2\r\nScale: 4.0\r\n',
      'TEARDOWN RTSP/1.0\r\nCSeq: 3\r\n',
    ],
  );
});
