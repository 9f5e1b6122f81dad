// What must hold after a kill -9 and restart with the page open (page-restart.ts).
import assert from 'node:assert/strict';
import type { PageRestartResult } from './page-restart.js';

export function assertPageRecovered(r: PageRestartResult, keepaliveSec: number): void {
  for (const [i, t] of r.tiles.entries()) {
    console.log(
      `# tile ${i} (${t.mode}): ${t.seamless ? `played across the restart, frames flowing again ${t.playingAfterMs} ms after the kill` : `playing again ${t.playingAfterMs ?? '-'} ms after the kill`}, longest gap between frames ${t.longestGapMs} ms; ${t.statuses.join(' → ')}; ${t.messages.join(' | ')}`,
    );
  }
  console.log(`# the new process answered HTTP ${r.restartMs} ms after the kill`);
  console.log(
    `# devices online ${r.onlineAfterMs.join(', ')} ms after the restart; ${r.sessionsAfter10s} media sessions at the devices 10 s after the kill`,
  );
  assert.deepEqual(r.pageErrors, [], 'errors thrown in the page');
  assert.ok(
    r.tiles.some((t) => t.mode === 'webrtc') && r.tiles.some((t) => t.mode === 'hls'),
    'both kinds of viewer',
  );
  for (const [i, t] of r.tiles.entries()) {
    assert.ok(
      t.playingAfterMs !== null && t.playingAfterMs < 10_000,
      `tile ${i} (${t.mode}) played again after ${t.playingAfterMs} ms`,
    );
    // 'lost' may last less than one poll before 'retrying' replaces it; a seamless tile had
    // nothing to notice.
    assert.ok(
      t.seamless || t.statuses.some((x) => x === 'lost' || x === 'retrying'),
      `tile ${i} never noticed the loss: ${t.statuses.join(', ')}`,
    );
  }
  for (const [i, ms] of r.onlineAfterMs.entries()) {
    // Online at the first keepalive at the latest (the INVITE's answer may bring it sooner).
    assert.ok(ms !== null && ms <= keepaliveSec * 1000 + 1000, `device ${i} online after ${ms} ms`);
  }
  assert.deepEqual(r.orphansAfter10s, [], 'media sessions of the killed process still running after 10 s');
  assert.equal(r.sessionsAfter10s, r.tiles.length, 'one media session per tile');
}
