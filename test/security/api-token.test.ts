// Security: the HTTP API needs the bearer token. Against a running gateway, every operation in
// /openapi.json that declares security is called without a token, with a wrong one, with the
// right one in the wrong place (query string, Basic), and with the right one; only the last may
// pass the guard. Also: no /api operation other than /api/health is declared open, so a route
// added without the guard fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { sleep } from '../helpers/wait.js';

interface Operation {
  method: string;
  path: string;
  security: Record<string, unknown>[];
}

let h: Harness;
let operations: Operation[];

before(async () => {
  h = await startHarness({ simulator: { devices: 0 } });
  const doc = (await (await fetch(`${h.base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, security: op.security ?? [] })),
  );
});
after(async () => {
  await h?.close();
});

const concrete = (path: string) =>
  path
    .replace('{deviceId}', '34020000001180000001')
    .replace('{channelId}', '34020000001310000001')
    .replace('{streamId}', '34020000001180000001_34020000001310000001')
    .replace(/\{\w+\}/g, 'x');

async function call(
  op: Operation,
  headers: Record<string, string> = {},
  query = '',
): Promise<{ status: number; code?: string }> {
  // The API's rate limiter (50/s, burst 200) answers 429 to this many calls in a row: wait it out.
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${h.base}${concrete(op.path)}${query}`, {
      method: op.method.toUpperCase(),
      headers: {
        'Content-Type': op.path.startsWith('/whep') ? 'application/sdp' : 'application/json',
        ...headers,
      },
      ...(op.method === 'get' || op.method === 'delete'
        ? {}
        : { body: op.path.startsWith('/whep') ? 'v=0\r\n' : '{}' }),
    });
    if (res.status === 429 && attempt < 50) {
      await res.body?.cancel();
      await sleep(100);
      continue;
    }
    // The event stream never ends: its status is the answer.
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body?.cancel();
      return { status: res.status };
    }
    const text = await res.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      /* not JSON */
    }
    return { status: res.status, code };
  }
}

test('only /api/health is open among the /api operations', () => {
  const open = operations
    .filter((o) => o.path.startsWith('/api/') && o.security.length === 0)
    .map((o) => `${o.method} ${o.path}`);
  assert.deepEqual(open, ['get /api/health']);
  assert.ok(
    operations.filter((o) => o.security.length > 0).length >= 15,
    'fewer guarded operations than expected',
  );
});

test('every guarded operation refuses a missing, wrong or misplaced token with 401 GW_ERR_UNAUTHORIZED', async () => {
  const guarded = operations.filter((o) => o.security.length > 0);
  for (const op of guarded) {
    const label = `${op.method.toUpperCase()} ${op.path}`;
    const attempts: [string, Record<string, string>, string][] = [
      ['no token', {}, ''],
      ['wrong token', { Authorization: 'Bearer not-the-token-0123456789' }, ''],
      [
        'token with one character changed',
        { Authorization: `Bearer ${h.token.slice(0, -1)}${h.token.endsWith('A') ? 'B' : 'A'}` },
        '',
      ],
      ['token as Basic', { Authorization: `Basic ${Buffer.from(`x:${h.token}`).toString('base64')}` }, ''],
    ];
    // The API token is a header credential: in a URL it would end up in logs and Referers.
    if (op.path.startsWith('/api/')) {
      attempts.push(['API token in the query string', {}, `?token=${encodeURIComponent(h.token)}`]);
    }
    for (const [what, headers, query] of attempts) {
      const res = await call(op, headers, query);
      assert.equal(res.status, 401, `${label} with ${what}: ${res.status}`);
      assert.equal(res.code, 'GW_ERR_UNAUTHORIZED', `${label} with ${what}`);
    }
    const ok = await call(op, { Authorization: `Bearer ${h.token}` });
    assert.notEqual(ok.status, 401, `${label} refuses the right token`);
  }
});
