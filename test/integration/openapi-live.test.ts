// /openapi.json against what the gateway really answers: a gateway and a simulated camera, every
// operation of the document called (with realistic input where a success is wanted, and with
// plain or broken input for the errors), and each answer's status, content type and JSON body
// checked against the document with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1). An
// operation added later without a case here is still called (its path filled in, no body) and
// its answer checked. The document itself passes `redocly lint` with no error and no warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { repoRoot } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';
import { CHROMIUM_FULL_OFFER } from '../../gateway/outputs/webrtc/fixtures/chromium-offers.js';
import { WhipTestPublisher } from '../helpers/whip-client.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const CH2 = '34020000001310000002';
const UPPER = '34020000002000000009';

type Op = {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
};
type Doc = {
  paths: Record<string, Record<string, Op>>;
  components: { responses: Record<string, Op['responses'][string]> };
};

let h: Harness;
let doc: Doc;
let ajv: Ajv2020;
const checked: string[] = [];

before(async () => {
  h = await startHarness({ gateway: { 'transcode-h265': 'off' }, simulator: { channels: 2 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
  doc = (await (await fetch(`${h.base}/openapi.json`)).json()) as Doc;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');
});
after(async () => {
  await h?.close();
});

const pointer = (...parts: string[]): string =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Checks one live answer against the operation at (path, method); records it as covered. */
async function check(path: string, method: string, res: Response, what: string): Promise<void> {
  const op = doc.paths[path]?.[method];
  assert.ok(op, `${method} ${path} is not in the document`);
  const key = String(res.status) in op.responses ? String(res.status) : 'default';
  let response = op.responses[key];
  assert.ok(response, `${what}: ${method} ${path} answered ${res.status}, which the document does not list`);
  let base = `#/paths/${pointer(path, method, 'responses', key)}`;
  if (response.$ref) {
    const name = response.$ref.split('/').pop()!;
    response = doc.components.responses[name];
    base = `#/components/responses/${pointer(name)}`;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  if (type === 'text/event-stream') {
    // an event stream never ends: its type is what can be checked
    await res.body?.cancel();
    assert.ok(response.content && type in response.content, `${what}: ${res.status} as ${type}`);
    checked.push(`${method} ${path} ${res.status}`);
    return;
  }
  const body = await res.text();
  if (!response.content) {
    assert.equal(body, '', `${what}: the document lists no body for ${res.status}`);
  } else {
    assert.ok(
      type in response.content,
      `${what}: ${res.status} as ${type}, documented ${Object.keys(response.content).join(', ')}`,
    );
    if (type === 'application/json') {
      const validate = ajv.getSchema(`openapi${base}/content/${pointer('application/json')}/schema`)!;
      assert.ok(
        validate(JSON.parse(body)),
        `${what}: ${res.status} body off the document: ${ajv.errorsText(validate.errors)}\n${body}`,
      );
    }
  }
  checked.push(`${method} ${path} ${res.status}`);
}

const auth = (): Record<string, string> => ({ Authorization: `Bearer ${h.token}` });
const call = (path: string, init: RequestInit = {}) => fetch(h.base + path, init);
const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { ...auth(), 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

test('redocly lints /openapi.json with no error and no warning', { timeout: 60_000 }, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'redocly'), ['lint', '--format=json', file], {
    cwd: repoRoot, // its redocly.yaml
    encoding: 'utf8',
  });
  const report = JSON.parse(r.stdout) as {
    totals: { errors: number; warnings: number };
    problems: unknown[];
  };
  assert.deepEqual(
    report.totals,
    { errors: 0, warnings: 0, ignored: 0 },
    JSON.stringify(report.problems, null, 1),
  );
});

test(
  'every operation answers as the document says, successes and errors',
  { timeout: 120_000 },
  async (t) => {
    const live = (await call(`/api/devices/${DEVICE}/channels/${CH1}/live`, {
      method: 'POST',
      headers: auth(),
    }).then((r) => r.json())) as { streamId: string; whep: string; hls: string };
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const range = { start: `${today}T00:00:00+08:00`, end: `${today}T01:00:00+08:00` };
    const playback = (await call(`/api/devices/${DEVICE}/channels/${CH2}/playback`, json('POST', range)).then(
      (r) => r.json(),
    )) as { streamId: string };
    await waitFor(async () => (await call(live.hls)).status === 200, 15_000, 'HLS of the live stream');

    const P = (p: string) =>
      p.replace('{deviceId}', DEVICE).replace('{channelId}', CH1).replace('{upperId}', UPPER);
    // Cases with the input a success needs, then errors on purpose. [doc path, method, url, init, what]
    const cases: [string, string, string, RequestInit, string][] = [
      [
        '/api/devices/{deviceId}/channels/{channelId}/ptz',
        'post',
        P('/api/devices/{deviceId}/channels/{channelId}/ptz'),
        json('POST', { command: 'stop', speed: 0 }),
        'ptz',
      ],
      [
        '/api/devices/{deviceId}/channels/{channelId}/ptz',
        'post',
        P('/api/devices/{deviceId}/channels/{channelId}/ptz'),
        json('POST', { command: 'spin' }),
        'unknown PTZ command',
      ],
      [
        '/api/devices/{deviceId}/channels/{channelId}/ptz',
        'post',
        P('/api/devices/{deviceId}/channels/{channelId}/ptz'),
        {
          ...json('POST', {}),
          headers: { ...auth(), 'Content-Type': 'text/plain' },
          body: '{"command":"stop"}',
        },
        'text/plain body',
      ],
      [
        '/api/devices/{deviceId}/channels/{channelId}/records',
        'get',
        P(
          `/api/devices/{deviceId}/channels/{channelId}/records?start=${encodeURIComponent(range.start)}&end=${encodeURIComponent(range.end)}`,
        ),
        { headers: auth() },
        'records',
      ],
      [
        '/api/devices/{deviceId}/channels/{channelId}/records',
        'get',
        P(
          '/api/devices/{deviceId}/channels/{channelId}/records?start=2026-02-30T00:00:00Z&end=2026-03-01T00:00:00Z',
        ),
        { headers: auth() },
        'impossible date',
      ],
      [
        '/api/devices/{deviceId}',
        'get',
        '/api/devices/34020000001180009999',
        { headers: auth() },
        'unknown device',
      ],
      ['/api/devices', 'get', '/api/devices', {}, 'no token'],
      [
        '/api/streams/{streamId}/control',
        'post',
        `/api/streams/${playback.streamId}/control`,
        json('POST', { action: 'pause' }),
        'pause',
      ],
      [
        '/api/streams/{streamId}/control',
        'post',
        `/api/streams/${live.streamId}/control`,
        json('POST', { action: 'pause' }),
        'pause a live stream',
      ],
      [
        '/api/upper-platforms',
        'post',
        '/api/upper-platforms',
        json('POST', { id: UPPER, host: '127.0.0.1', port: 5999, password: 'secret-1234' }),
        'add an upper platform',
      ],
      [
        '/api/upper-platforms/{upperId}',
        'put',
        P('/api/upper-platforms/{upperId}'),
        json('PUT', { keepaliveIntervalSec: 30 }),
        'change it',
      ],
      [
        '/api/upper-platforms/{upperId}/shares',
        'put',
        P('/api/upper-platforms/{upperId}/shares'),
        json('PUT', { shares: [{ type: 'device', deviceId: DEVICE }] }),
        'share',
      ],
      ['/whep/{streamId}', 'options', live.whep, { method: 'OPTIONS' }, 'WHEP OPTIONS'],
      [
        '/whep/{streamId}',
        'post',
        live.whep,
        { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\nnot sdp\r\n' },
        'broken offer',
      ],
      [
        '/whep/{streamId}',
        'post',
        live.whep,
        { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'v=0\r\n' },
        'offer as text/plain',
      ],
      [
        '/whep/{streamId}',
        'post',
        live.whep,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/sdp' },
          body: CHROMIUM_FULL_OFFER + 'a=x:' + 'y'.repeat(70_000) + '\r\n',
        },
        'offer over 64 KB',
      ],
      ['/hls/{streamId}/{file}', 'get', live.hls, {}, 'multivariant'],
      ['/hls/{streamId}/{file}', 'get', live.hls.replace('index.m3u8', 'media.m3u8'), {}, 'media playlist'],
      ['/hls/{streamId}/{file}', 'get', live.hls.replace('index.m3u8', 'a-init.mp4'), {}, 'audio init'],
      [
        '/hls/{streamId}/{file}',
        'get',
        live.hls.replace('index.m3u8', 'media.m3u8') + '&_HLS_msn=99999',
        {},
        '_HLS_msn far ahead',
      ],
      ['/hls/{streamId}/{file}', 'get', live.hls.replace('index.m3u8', 'nope.txt'), {}, 'no such file'],
      ['/hls/{streamId}/{file}', 'get', live.hls.replace(/token=[^&]+/, 'token=1.2.x'), {}, 'bad token'],
    ];
    // A real WHEP session, ended through its Location (DELETE), then the same DELETE again (404).
    const offer = await call(live.whep, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: CHROMIUM_FULL_OFFER,
    });
    await check('/whep/{streamId}', 'post', offer.clone(), 'a Chromium offer');
    const location = offer.headers.get('location')!;
    cases.push(['/whep/{streamId}/{sessionId}', 'delete', location, { method: 'DELETE' }, 'end the session']);
    cases.push(['/whep/{streamId}/{sessionId}', 'delete', location, { method: 'DELETE' }, 'end it again']);
    for (const [path, method, url, init, what] of cases) {
      await check(path, method, await call(url, init), what);
    }
    // A talk and its WHIP session (RFC 9725): 201 with the answer, then DELETE on its Location.
    const talk = await call(
      P('/api/devices/{deviceId}/channels/{channelId}/talk'),
      json('POST', { mode: 'broadcast' }),
    );
    const talkBody = (await talk.clone().json()) as { whip: string };
    await check('/api/devices/{deviceId}/channels/{channelId}/talk', 'post', talk, 'start a talk');
    const publisher = new WhipTestPublisher(h.base + talkBody.whip);
    try {
      const whip = await call(talkBody.whip, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: await publisher.offer(),
      });
      const whipLocation = whip.headers.get('location')!;
      await check('/whip/{talkId}', 'post', whip, 'a WHIP offer');
      await check(
        '/whip/{talkId}/{sessionId}',
        'delete',
        await call(whipLocation, { method: 'DELETE' }),
        'end the talk',
      );
    } finally {
      await publisher.close();
    }

    // Every other operation of the document, path filled in, with the API token; the ones that
    // change state for good (stop a stream, delete a platform, revoke URLs) last.
    const last = (path: string, method: string) => method === 'delete' || path.includes('/revoke');
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ path, method })),
    );
    for (const { path, method } of [
      ...ops.filter((o) => !last(o.path, o.method)),
      ...ops.filter((o) => last(o.path, o.method)),
    ]) {
      if (checked.some((c) => c.startsWith(`${method} ${path} `)) || path.startsWith('/whep/')) {
        continue;
      }
      const url = P(path)
        .replace(
          '{streamId}',
          path.startsWith('/api/streams') && method === 'delete' ? playback.streamId : live.streamId,
        )
        .replace('{file}', 'index.m3u8')
        .replace(/\{(\w+)\}/g, 'x');
      const res = await call(url, {
        method: method.toUpperCase(),
        headers: { ...auth(), 'Content-Type': 'application/json' },
        ...(method === 'get' ? {} : { body: '{}' }),
      });
      await check(path, method, res, 'default call');
    }
    const missing = ops.filter(
      ({ path, method }) => !checked.some((c) => c.startsWith(`${method} ${path} `)),
    );
    assert.deepEqual(missing, [], 'operations never called');
    t.diagnostic(`${checked.length} answers checked: ${checked.join('; ')}`);
    const statuses = new Set(checked.map((c) => c.split(' ')[2]));
    for (const s of ['200', '201', '204', '400', '401', '404', '413', '415']) {
      assert.ok(statuses.has(s), `no ${s} answer was checked: ${[...statuses].join(', ')}`);
    }
  },
);
