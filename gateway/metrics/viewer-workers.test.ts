import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { registerViewerWorkerMetrics } from './viewer-workers.js';

test('viewer worker series: threads, viewers per worker, restarts counted once each', async () => {
  const registry = new Registry();
  const pool = { load: [0, 0], count: 2, restarts: 0 };
  registerViewerWorkerMetrics(registry, pool);
  let text = await registry.metrics();
  assert.match(text, /^gb_webrtc_workers 2$/m);
  assert.match(text, /^gb_webrtc_worker_viewers\{worker="1"\} 0$/m);
  assert.match(text, /^gb_webrtc_worker_restarts_total 0$/m);
  Object.assign(pool, { load: [3, 0], count: 1, restarts: 1 });
  text = await registry.metrics();
  assert.match(text, /^gb_webrtc_workers 1$/m);
  assert.match(text, /^gb_webrtc_worker_viewers\{worker="0"\} 3$/m);
  assert.match(text, /^gb_webrtc_worker_restarts_total 1$/m);
  text = await registry.metrics();
  assert.match(text, /^gb_webrtc_worker_restarts_total 1$/m, 'a second scrape adds nothing');
});
