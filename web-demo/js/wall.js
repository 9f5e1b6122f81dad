// @ts-check
// The video wall: 1/4/9/16 tiles, each playing one live or playback stream (WebRTC, HLS as
// fallback), with its stats and, when a play fails, the gateway's diagnosis on the tile. Small
// tiles play the camera's sub-stream; a maximised (or large) tile plays the main stream. A switch
// keeps the old picture on screen until the new stream's first frame is ready, so there is no
// black frame (docs/gb28181.md §7.5 on sub-streams).
import { GatewayPlayer } from '../player.js';
import { $, api, messageOf, token } from './api.js';
import { attachTalk, detachTalk } from './talk.js';

/** Tiles narrower than this (CSS pixels) play the sub-stream; wider ones the main stream. */
export const SUB_STREAM_MAX_WIDTH = 480;

/**
 * @typedef {{ el: HTMLElement, video: HTMLVideoElement, player: GatewayPlayer|null, deviceId?: string,
 *   channelId?: string, streamId?: string, kind?: string, name?: string, stream?: string, generation: number }} Tile
 */
/** @type {Tile[]} */
const tiles = [];
let selected = 0;
const wall = $('#wall');
/** @type {((tile: Tile|undefined) => void)[]} */
const selectListeners = [];

/** The selected tile (PTZ, records and playback control act on it). */
export const selectedTile = () => tiles[selected];

/** The first tile playing nothing, if any. */
export const nextFreeTile = () => tiles.find((t) => !t.deviceId && !t.player);

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
  fitStreams();
}

/** The stream a tile of this size should play. */
function streamFor(/** @type {Tile} */ tile) {
  return tile.el.clientWidth >= SUB_STREAM_MAX_WIDTH ? 'main' : 'sub';
}

/** Maximises a tile over the wall, or restores the wall; the tile switches to the main stream. */
export function toggleMaximise(/** @type {Tile|undefined} */ tile) {
  if (!tile) return;
  const max = !tile.el.classList.contains('max');
  for (const t of tiles) t.el.classList.remove('max');
  tile.el.classList.toggle('max', max);
  wall.classList.toggle('maximized', max);
  selectTile(tiles.indexOf(tile));
  fitStreams();
}

/** Every live tile plays the stream its size calls for (after a layout change or maximise). */
function fitStreams() {
  for (const t of tiles) {
    if (
      t.kind === 'live' &&
      t.player &&
      t.stream &&
      t.el.offsetParent !== null &&
      streamFor(t) !== t.stream
    ) {
      void switchStream(t, streamFor(t));
    }
  }
}

function makeTile(/** @type {number} */ index) {
  const el = document.createElement('div');
  el.className = 'tile';
  el.dataset.index = String(index);
  el.innerHTML =
    '<video muted playsinline autoplay></video><div class="hint">drop a channel here</div><span class="label"></span><span class="stats"></span>';
  const tile = /** @type {Tile} */ ({ el, video: el.querySelector('video'), player: null, generation: 0 });
  el.addEventListener('click', () => selectTile(tiles.indexOf(tile)));
  el.addEventListener('dblclick', () => toggleMaximise(tile));
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
  tile.generation++;
  detachTalk(tile);
  tile.player?.close();
  tile.player = null;
  if (tile.streamId && tile.kind === 'playback')
    api(`/api/streams/${tile.streamId}`, { method: 'DELETE' }).catch(() => {});
  tile.streamId = tile.deviceId = tile.channelId = tile.kind = tile.stream = undefined;
  // A closed player's figures must not pass for the next one's.
  for (const key of ['stream', 'framesDecoded', 'mode', 'switching']) delete tile.el.dataset[key];
  if (!quiet) {
    tile.el.querySelector('.label').textContent = '';
    tile.el.querySelector('.stats').textContent = '';
    tile.el.querySelector('.diagnosis')?.remove();
    tile.el.querySelector('.close')?.remove();
    tile.el.querySelector('.maximise')?.remove();
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

function button(
  /** @type {string} */ cls,
  /** @type {string} */ text,
  /** @type {string} */ title,
  /** @type {() => void} */ onClick,
) {
  const b = document.createElement('button');
  b.className = cls;
  b.textContent = text;
  b.title = title;
  b.onclick = (e) => {
    e.stopPropagation();
    onClick();
  };
  return b;
}

function labelOf(/** @type {Tile} */ tile, /** @type {any} */ answer) {
  if (tile.kind !== 'live') return tile.el.querySelector('.label').textContent;
  // The stream the device's answer names; "?" when it names none (docs/gb28181.md §7.5).
  const answered = answer.answeredStream ?? '?';
  return `${tile.name} · live · ${answer.stream}${answered !== answer.stream ? ` (device: ${answered})` : ''}`;
}

async function startPlayer(/** @type {Tile} */ tile, /** @type {any} */ answer, /** @type {string} */ label) {
  tile.streamId = answer.streamId;
  tile.stream = answer.stream ?? undefined;
  if (tile.stream) tile.el.dataset.stream = tile.stream;
  tile.el.querySelector('.hint')?.setAttribute('hidden', '');
  tile.el.querySelector('.label').textContent = label;
  tile.el.append(
    button('close', '×', 'Close', () => closeTile(tile)),
    button('maximise', '⤢', 'Maximise (double-click)', () => toggleMaximise(tile)),
  );
  tile.player = new GatewayPlayer(tile.video, token);
  // A cloud recording has only its HLS VOD playlist.
  if (!answer.whep) tile.player.preferred = 'hls';
  const mode = await tile.player.play(answer, playOptions(tile, answer.stream));
  tile.el.dataset.mode = mode;
}

/**
 * How a tile's player recovers: a live stream is asked for again, the same encoder stream (after
 * a gateway restart its URLs are gone); others replay their URLs.
 */
function playOptions(/** @type {Tile} */ tile, /** @type {string|null|undefined} */ stream) {
  const { deviceId, channelId, kind } = tile;
  return {
    ...(kind === 'live'
      ? {
          refresh: () =>
            api(`/api/devices/${deviceId}/channels/${channelId}/live`, {
              method: 'POST',
              body: JSON.stringify(stream ? { stream } : {}),
            }),
        }
      : {}),
    onStatus: (/** @type {string} */ status, /** @type {string} */ detail) =>
      void showStatus(tile, status, detail),
  };
}

/**
 * Resolves once the video has a frame to show (HAVE_CURRENT_DATA and a picture size), or
 * rejects after `timeoutMs`.
 */
function firstFrame(/** @type {HTMLVideoElement} */ video, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const ready = () => video.readyState >= 2 && video.videoWidth > 0;
    const timer = setTimeout(() => {
      cancelAnimationFrame(frame);
      reject(new Error('the new stream showed no picture in time'));
    }, timeoutMs);
    let frame = 0;
    const check = () => {
      if (ready()) {
        clearTimeout(timer);
        resolve(undefined);
      } else frame = requestAnimationFrame(check);
    };
    check();
  });
}

/**
 * Switches a live tile to `stream`: the new one plays in a second, transparent video behind the
 * current picture, and replaces it only when its first frame is there. A failed switch keeps the
 * stream that plays.
 */
export async function switchStream(/** @type {Tile} */ tile, /** @type {string} */ stream) {
  const { deviceId, channelId } = tile;
  if (!deviceId || !channelId || tile.kind !== 'live') return;
  const generation = ++tile.generation;
  tile.el.dataset.switching = stream;
  const next = /** @type {HTMLVideoElement} */ (tile.video.cloneNode(false));
  next.classList.add('pending');
  tile.video.before(next);
  const player = new GatewayPlayer(next, token);
  try {
    const answer = await api(`/api/devices/${deviceId}/channels/${channelId}/live`, {
      method: 'POST',
      body: JSON.stringify({ stream }),
    });
    if (generation !== tile.generation) throw new Error('superseded');
    const mode = await player.play(answer, playOptions(tile, answer.stream));
    await firstFrame(next);
    if (generation !== tile.generation) throw new Error('superseded');
    const old = tile.player;
    const oldVideo = tile.video;
    // One task: the new picture becomes visible in the same frame the old one leaves.
    next.classList.remove('pending');
    oldVideo.remove();
    tile.video = next;
    tile.player = player;
    old?.close();
    tile.streamId = answer.streamId;
    tile.stream = answer.stream;
    tile.el.dataset.stream = answer.stream;
    tile.el.dataset.mode = mode;
    tile.el.querySelector('.label').textContent = labelOf(tile, answer);
  } catch (err) {
    player.close();
    next.remove();
    if (messageOf(err) !== 'superseded')
      console.info('stream switch failed, keeping the current one:', messageOf(err));
  } finally {
    if (generation === tile.generation) delete tile.el.dataset.switching;
  }
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

/** Plays a channel's live stream in a tile: the sub-stream in a small tile, main in a large one. */
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
    const answer = await api(`/api/devices/${deviceId}/channels/${channelId}/live`, {
      method: 'POST',
      body: JSON.stringify({ stream: streamFor(tile) }),
    });
    await startPlayer(tile, answer, labelOf(tile, answer));
    attachTalk(tile);
  } catch (err) {
    await showDiagnosis(tile, messageOf(err));
  }
}

/** A click on a channel: the next free tile, or the selected one when the wall is full. */
export function playInNextTile(
  /** @type {string} */ deviceId,
  /** @type {string} */ channelId,
  /** @type {string} */ name,
) {
  return playLive(nextFreeTile() ?? selectedTile(), deviceId, channelId, name);
}

/** Fills the wall with these channels (the demo opens this way): a layout that fits them all, up to 16. */
export async function fillWall(
  /** @type {{ deviceId: string, channelId: string, name: string }[]} */ channels,
) {
  const shown = channels.slice(0, 16);
  renderWall([1, 4, 9, 16].find((n) => n >= shown.length) ?? 16);
  await Promise.all(shown.map((c, i) => playLive(tiles[i], c.deviceId, c.channelId, c.name)));
  selectTile(0);
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

/** Plays the gateway's own recordings of the tile's channel in a range (HLS VOD, docs/recording.md §8). */
export async function playCloud(
  /** @type {Tile|undefined} */ tile,
  /** @type {string} */ start,
  /** @type {string} */ end,
) {
  if (!tile?.deviceId || !tile.channelId) return;
  const { deviceId, channelId, name } = tile;
  closeTile(tile);
  Object.assign(tile, { deviceId, channelId, name, kind: 'cloud' });
  try {
    const { hls } = await api(`/api/devices/${deviceId}/channels/${channelId}/cloud-playback`, {
      method: 'POST',
      body: JSON.stringify({ start, end }),
    });
    await startPlayer(
      tile,
      { streamId: `cloud-${deviceId}-${channelId}`, hls, codec: { video: null, audio: null } },
      `${name} · ${start.slice(11, 19)} cloud`,
    );
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
