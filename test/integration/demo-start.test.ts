// The README's first command: `npm start` runs dist/gateway/demo.js (gateway + one simulated
// platform), prints a URL carrying the API token, and that URL leads to live media. Spawned as
// its own process, as an operator runs it, on free ports and a fresh data dir; SIGTERM ends it
// cleanly. (The page itself in Chromium is test/e2e/web-demo.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { repoRoot } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

test('npm start prints a URL with the token; its API shows 4 channels and a live stream becomes HLS segments', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-demo-'));
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist/gateway/demo.js'),
      '--http-port',
      '0',
      '--sip-port',
      '0',
      '--data-dir',
      dataDir,
      '--media-ports',
      '38100-38199',
      '--log-level',
      'warn',
    ],
    { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const url = await waitFor(
      () => /Open (http:\/\/\S+\/#token=\S+)/.exec(stdout)?.[1],
      30_000,
      'the demo URL',
    );
    assert.match(stdout, /simulated platform registered \(1 device, 4 channels\)/);
    const { origin, hash } = new URL(url);
    const fragment = new URLSearchParams(hash.slice(1));
    const token = fragment.get('token') ?? '';
    assert.equal(fragment.get('autoplay'), '1', 'the page opens with the channels playing');
    const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(origin + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      assert.equal(res.status < 300, true, `${path}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as T;
    };
    assert.equal((await fetch(`${origin}/api/devices`)).status, 401, 'the API needs the token');
    const page = await fetch(`${origin}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);

    const [device] = await api<{ deviceId: string; online: boolean }[]>('/api/devices');
    assert.equal(device?.online, true);
    const channels = await waitFor(
      async () => {
        const c = await api<{ channelId: string }[]>(`/api/devices/${device.deviceId}/channels`);
        return c.length === 4 ? c : undefined;
      },
      10_000,
      'the catalog of 4 channels',
    );
    const live = await api<{ hls: string }>(
      `/api/devices/${device.deviceId}/channels/${channels[0].channelId}/live`,
      { method: 'POST' },
    );
    // index.m3u8 is the multivariant playlist; its one variant is the media playlist.
    const index = new URL(live.hls, origin);
    const variant = await waitFor(
      async () => {
        const res = await fetch(index);
        return res.ok ? /^(?!#)(\S+)$/m.exec(await res.text())?.[1] : undefined;
      },
      10_000,
      'the multivariant playlist',
    );
    const media = new URL(variant, index);
    const text = await waitFor(
      async () => {
        const res = await fetch(media);
        const body = res.ok ? await res.text() : '';
        return /#EXTINF:/.test(body) ? body : undefined;
      },
      20_000,
      'a media playlist with a segment',
    );
    assert.match(text, /#EXT-X-MAP:URI="[^"]+"/);
  } finally {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, `the demo did not exit cleanly: ${stderr}`);
  }
});
