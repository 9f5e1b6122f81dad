// What must hold through the connection flood (connection-flood.ts), second by second.
import assert from 'node:assert/strict';
import type { FloodResult } from './connection-flood.js';

export function assertFloodHeld(r: FloodResult, openFiles: number): void {
  const table = r.seconds
    .map(
      (s, i) =>
        `${i}s health ${s.healthMs ?? '-'} ms, keepalive ${s.keepalive ?? '-'}, ${s.frames} frames, fds ${s.fds}`,
    )
    .join('\n# ');
  console.log(`# ${table}`);
  console.log(
    `# closed by the gateway: ${r.httpClosed} HTTP, ${r.sipClosed} SIP; limits ${JSON.stringify(r.limits.http)} ${JSON.stringify(r.limits.sipTcp)}`,
  );
  assert.ok(r.gatewayAlive, 'the gateway died');
  assert.equal(r.limits.openFiles.soft, openFiles, 'the gateway ran under the limit');
  assert.ok(r.lowLimitWarning, 'a low open-file limit is warned about at start');
  for (const [i, s] of r.seconds.entries()) {
    assert.ok(
      s.healthMs !== null && s.healthMs < 2000,
      `second ${i}: /api/health did not answer (${s.healthMs})`,
    );
    assert.equal(s.keepalive, 200, `second ${i}: the TCP device's keepalive`);
    assert.ok(s.frames >= 5, `second ${i}: the viewer got ${s.frames} frames`);
    assert.ok(s.hlsHead !== null, `second ${i}: the HLS playlist did not answer`);
    assert.ok(s.fds < openFiles - 100, `second ${i}: ${s.fds} descriptors open, too close to ${openFiles}`);
  }
  const heads = new Set(r.seconds.map((s) => s.hlsHead));
  assert.ok(heads.size >= r.seconds.length / 2, `the HLS playlist stalled: ${[...heads].join(', ')}`);
  const http = r.limits.http.refused;
  assert.ok(
    http['evicted-idle'] + http.total > 0,
    'the HTTP cap was never reached: the flood did not test it',
  );
  assert.ok(r.httpClosed > 0, 'no slow connection was closed');
  assert.ok(r.refusalLines > 0, 'refusals were not logged');
}
