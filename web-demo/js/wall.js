// @ts-check
// The video wall: 1/4/9/16 tiles, each playing one live or playback stream (WebRTC, HLS as
// fallback), with its stats and, when a play fails, the gateway's diagnosis on the tile.
import { GatewayPlayer } from '../player.js';
import { $, api, messageOf, token } from './api.js';
import { attachTalk, detachTalk } from './talk.js';

/** @typedef {{ el: HTMLElement, video: HTMLVideoElement, player: GatewayPlayer|null, deviceId?: string, channelId?: string, streamId?: string, kind?: string, name?: string }} Tile */
/** @type {Tile[]} */
const tiles = [];
let selected = 0;
const wall = $('#wall');
/** @type {((tile: Tile|undefined) => void)[]} */
const selectListeners = [];

/** The selected tile (PTZ, records and playback control act on it). */
export const selectedTile = () => tiles[selected];

/** Called with the tile each time the selection changes. */
export function onSelect(/** @type {(tile: Tile|undefined) => void} */ cb) {
  selectListeners.push(cb);
}

export function renderWall(/** @type {number} */ n) {
  wall.className = `wall layout-${n}`;
  for (const b of document.querySelectorAll('[data-layout]'))
    b.classList.toggle('active', b.getAttribute('data-layout') === String(n));
  while (tiles.length > n) closeTile(/** @type {Tile} */ (tiles.pop()), true);
  while (tiles.length < n) tiles.push(makeTile(tiles.length));
  wall.replaceChildren(...tiles.map((t) => t.el));
  selectTile(Math.min(selected, n - 1));
}

function makeTile(/** @type {number} */ index) {
  const el = document.createElement('div');
  el.className = 'tile';
  el.dataset.index = String(index);
  el.innerHTML =
    '<video muted playsinline autoplay></video><div class="hint">drop a channel here</div><span class="label"></span><span class="stats"></span>';
  const tile = /** @type {Tile} */ ({ el, video: el.querySelector('video'), player: null });
  el.addEventListener('click', () => selectTile(tiles.indexOf(tile)));
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('dragover');
  });
  el.addEventListener('dragleave', () => el.classList.remove('dragover'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('dragover');
    const data = e.dataTransfer?.getData('application/x-gb-channel');
    if (data) {
      const { deviceId, channelId, name } = JSON.parse(data);
      selectTile(tiles.indexOf(tile));
      void playLive(tile, deviceId, channelId, name);
    }
  });
  return tile;
}

function selectTile(/** @type {number} */ i) {
  selected = i;
  tiles.forEach((t, j) => t.el.classList.toggle('selected', j === i));
  for (const cb of selectListeners) cb(tiles[i]);
}

function closeTile(/** @type {Tile} */ tile, quiet = false) {
  detachTalk(tile);
  tile.player?.close();
  tile.player = null;
  if (tile.streamId && tile.kind === 'playback')
    api(`/api/streams/${tile.streamId}`, { method: 'DELETE' }).catch(() => {});
  tile.streamId = tile.deviceId = tile.channelId = tile.kind = undefined;
  if (!quiet) {
    tile.el.querySelector('.label').textContent = '';
    tile.el.querySelector('.stats').textContent = '';
    tile.el.querySelector('.diagnosis')?.remove();
    tile.el.querySelector('.close')?.remove();
    tile.el.querySelector('.hint')?.removeAttribute('hidden');
  }
}

async function showDiagnosis(/** @type {Tile} */ tile, /** @type {string} */ message) {
  let text = message;
  if (tile.streamId) {
    try {
      const d = await api(`/api/streams/${tile.streamId}/diagnosis`);
      text = `${d.cause ?? message}\n\n${d.steps.map((/** @type {any} */ s) => `${s.at.slice(11, 23)} ${s.step}${s.detail ? ': ' + s.detail : ''}`).join('\n')}`;
    } catch {
      /* keep the message */
    }
  }
  const box = document.createElement('pre');
  box.className = 'diagnosis';
  box.textContent = text;
  tile.el.append(box);
}

async function startPlayer(/** @type {Tile} */ tile, /** @type {any} */ answer, /** @type {string} */ label) {
  tile.streamId = answer.streamId;
  tile.el.querySelector('.hint')?.setAttribute('hidden', '');
  tile.el.querySelector('.label').textContent = label;
  const close = document.createElement('button');
  close.className = 'close';
  close.textContent = '×';
  close.title = 'Close';
  close.onclick = (e) => {
    e.stopPropagation();
    closeTile(tile);
  };
  tile.el.append(close);
  tile.player = new GatewayPlayer(tile.video, token);
  const { deviceId, channelId, kind } = tile;
  const mode = await tile.player.play(answer, {
    // A live stream is asked for again (after a gateway restart its URLs are gone); others replay their URLs.
    ...(kind === 'live'
      ? { refresh: () => api(`/api/devices/${deviceId}/channels/${channelId}/live`, { method: 'POST' }) }
      : {}),
    onStatus: (status, detail) => void showStatus(tile, status, detail),
  });
  tile.el.dataset.mode = mode;
}

/** The player lost its picture, is trying again, or plays again: say so on the tile. */
async function showStatus(
  /** @type {Tile} */ tile,
  /** @type {string} */ status,
  /** @type {string} */ detail,
) {
  tile.el.dataset.status = status;
  if (status === 'playing') {
    tile.el.dataset.mode = detail;
    tile.el.querySelector('.diagnosis.lost')?.remove();
    return;
  }
  let text = `reconnecting: ${detail}`;
  let box = tile.el.querySelector('.diagnosis.lost');
  if (tile.streamId && !box?.textContent?.startsWith('camera lost')) {
    // The gateway knows when the camera itself is gone (the stream stalled or ended).
    const d = await api(`/api/streams/${tile.streamId}/diagnosis`).catch(() => null);
    const stalled = d?.steps?.findLast?.((/** @type {any} */ s) => s.step === 'media-stalled');
    if (d?.cause) text = `camera lost: ${d.cause}`;
    else if (stalled) text = stalled.detail; // it says "camera lost: no media for ..." itself
  }
  if (tile.el.dataset.status === 'playing') return; // it came back meanwhile
  box = tile.el.querySelector('.diagnosis.lost');
  if (!box) {
    box = document.createElement('pre');
    box.className = 'diagnosis lost';
    tile.el.append(box);
  }
  if (!box.textContent?.startsWith('camera lost')) box.textContent = text;
}

/** Plays a channel's live stream in a tile (the selected one by default). */
export async function playLive(
  /** @type {Tile|undefined} */ tile,
  /** @type {string} */ deviceId,
  /** @type {string} */ channelId,
  /** @type {string} */ name,
) {
  if (!tile) return;
  closeTile(tile);
  Object.assign(tile, { deviceId, channelId, name, kind: 'live' });
  selectTile(tiles.indexOf(tile));
  try {
    const answer = await api(`/api/devices/${deviceId}/channels/${channelId}/live`, { method: 'POST' });
    await startPlayer(tile, answer, `${name} · live`);
    attachTalk(tile);
  } catch (err) {
    await showDiagnosis(tile, messageOf(err));
  }
}

/** Plays a device recording of the tile's channel in that tile. */
export async function playRecord(
  /** @type {Tile|undefined} */ tile,
  /** @type {string} */ start,
  /** @type {string} */ end,
) {
  if (!tile?.deviceId || !tile.channelId) return;
  const { deviceId, channelId, name } = tile;
  closeTile(tile);
  Object.assign(tile, { deviceId, channelId, name, kind: 'playback' });
  try {
    const answer = await api(`/api/devices/${deviceId}/channels/${channelId}/playback`, {
      method: 'POST',
      body: JSON.stringify({ start, end }),
    });
    await startPlayer(tile, answer, `${name} · ${start.slice(11, 19)} playback`);
  } catch (err) {
    await showDiagnosis(tile, messageOf(err));
  }
}

/** Refreshes each playing tile's stats line once a second. */
export function startStats() {
  setInterval(async () => {
    for (const t of tiles) {
      if (!t.player) continue;
      const s = await t.player.stats().catch(() => null);
      if (!s) continue;
      t.el.dataset.framesDecoded = String(s.framesDecoded);
      t.el.querySelector('.stats').textContent =
        `${s.mode} ${s.codec} ${s.width}×${s.height} ${s.fps} fps ${s.kbps} kb/s${s.latencyMs !== null ? ` ~${s.latencyMs} ms` : ''}`;
    }
  }, 1000);
}
