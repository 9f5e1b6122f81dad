// @ts-check
// The operator page: catalog tree, video wall, PTZ pad, record timeline. Plain modules, no framework.
import { GatewayPlayer } from './player.js';

// The token arrives in the URL fragment (never sent to the server in a request line or logged).
const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
const token = params.get('token') ?? localStorage.getItem('gb-token') ?? '';
if (token) localStorage.setItem('gb-token', token);

const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
const statusEl = $('#status');

/** @param {string} path @param {RequestInit} [init] */
async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), {
      code: body?.error?.code,
      status: res.status,
    });
  return body;
}

// ---------- video wall ----------
/** @typedef {{ el: HTMLElement, video: HTMLVideoElement, player: GatewayPlayer|null, deviceId?: string, channelId?: string, streamId?: string, kind?: string, name?: string }} Tile */
/** @type {Tile[]} */
const tiles = [];
let selected = 0;
const wall = $('#wall');

function renderWall(/** @type {number} */ n) {
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
  const t = tiles[i];
  $('#ptz-target').textContent = t?.channelId ? `${t.name ?? t.channelId}` : 'select a playing tile';
}

function closeTile(/** @type {Tile} */ tile, quiet = false) {
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
  const mode = await tile.player.play(answer);
  tile.el.dataset.mode = mode;
}

async function playLive(
  /** @type {Tile} */ tile,
  /** @type {string} */ deviceId,
  /** @type {string} */ channelId,
  /** @type {string} */ name,
) {
  closeTile(tile);
  Object.assign(tile, { deviceId, channelId, name, kind: 'live' });
  selectTile(tiles.indexOf(tile));
  try {
    const answer = await api(`/api/devices/${deviceId}/channels/${channelId}/live`, { method: 'POST' });
    await startPlayer(tile, answer, `${name} · live`);
  } catch (err) {
    await showDiagnosis(tile, err instanceof Error ? err.message : String(err));
  }
}

async function playRecord(/** @type {Tile} */ tile, /** @type {string} */ start, /** @type {string} */ end) {
  const { deviceId, channelId, name } = tile;
  if (!deviceId || !channelId) return;
  closeTile(tile);
  Object.assign(tile, { deviceId, channelId, name, kind: 'playback' });
  try {
    const answer = await api(`/api/devices/${deviceId}/channels/${channelId}/playback`, {
      method: 'POST',
      body: JSON.stringify({ start, end }),
    });
    await startPlayer(tile, answer, `${name} · ${start.slice(11, 19)} playback`);
  } catch (err) {
    await showDiagnosis(tile, err instanceof Error ? err.message : String(err));
  }
}

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

// ---------- catalog tree ----------
/** @type {{ device: any, channels: any[] }[]} */
let catalog = [];

async function loadCatalog() {
  const devices = await api('/api/devices');
  catalog = await Promise.all(
    devices.map(async (/** @type {any} */ device) => ({
      device,
      channels: await api(`/api/devices/${device.deviceId}/channels`).catch(() => []),
    })),
  );
  renderTree();
  const online = devices.filter((/** @type {any} */ d) => d.online).length;
  statusEl.textContent = `${online}/${devices.length} devices online · ${catalog.reduce((n, c) => n + c.channels.length, 0)} channels`;
}

function renderTree() {
  const q = /** @type {HTMLInputElement} */ ($('#search')).value.trim().toLowerCase();
  const tree = $('#tree');
  tree.replaceChildren();
  for (const { device, channels } of catalog) {
    const match = (/** @type {any} */ x) =>
      !q || `${x.name ?? ''} ${x.deviceId ?? x.channelId}`.toLowerCase().includes(q);
    const shown = channels.filter(match);
    if (!match(device) && shown.length === 0) continue;
    const li = document.createElement('li');
    li.className = 'device';
    li.innerHTML = `<span><i class="dot ${device.online ? 'on' : ''}"></i></span><ul></ul>`;
    li.firstElementChild.append(document.createTextNode(device.name ?? device.deviceId));
    li.firstElementChild.title = device.deviceId;
    const ul = li.querySelector('ul');
    for (const ch of match(device) ? channels : shown) {
      const c = document.createElement('li');
      c.className = 'channel';
      c.dataset.channelId = ch.channelId;
      const span = document.createElement('span');
      span.innerHTML = `<i class="dot ${ch.status === 'ON' && device.online ? 'on' : ''}"></i>`;
      span.append(document.createTextNode(ch.name ?? ch.channelId));
      span.title = ch.channelId;
      span.draggable = true;
      span.addEventListener('dragstart', (e) =>
        e.dataTransfer?.setData(
          'application/x-gb-channel',
          JSON.stringify({
            deviceId: device.deviceId,
            channelId: ch.channelId,
            name: ch.name ?? ch.channelId,
          }),
        ),
      );
      span.addEventListener(
        'click',
        () =>
          void playLive(
            /** @type {Tile} */ (tiles[selected]),
            device.deviceId,
            ch.channelId,
            ch.name ?? ch.channelId,
          ),
      );
      c.append(span);
      ul.append(c);
    }
    tree.append(li);
  }
}

// ---------- PTZ ----------
function ptz(/** @type {any} */ body) {
  const t = tiles[selected];
  if (!t?.deviceId || !t.channelId) return;
  api(`/api/devices/${t.deviceId}/channels/${t.channelId}/ptz`, {
    method: 'POST',
    body: JSON.stringify(body),
  }).catch((err) => (statusEl.textContent = `PTZ: ${err.message}`));
}
for (const b of document.querySelectorAll('[data-ptz]')) {
  const command = b.getAttribute('data-ptz');
  const speed = () => Number(/** @type {HTMLInputElement} */ ($('#ptz-speed')).value);
  if (command === 'stop') {
    b.addEventListener('click', () => ptz({ command: 'stop', speed: 0 }));
    continue;
  }
  // Motion continues until a stop (reference §5.2): move while pressed, stop on release.
  b.addEventListener('pointerdown', () =>
    ptz({ command, speed: command?.startsWith('zoom') ? Math.min(15, Math.round(speed() / 17)) : speed() }),
  );
  b.addEventListener('pointerup', () => ptz({ command: 'stop', speed: 0 }));
}
for (const b of document.querySelectorAll('[data-preset]')) {
  b.addEventListener('click', () =>
    ptz({
      preset: b.getAttribute('data-preset'),
      index: Number(/** @type {HTMLInputElement} */ ($('#preset-index')).value),
    }),
  );
}

// ---------- records ----------
const dayInput = /** @type {HTMLInputElement} */ ($('#record-day'));
// The operator's local day: toISOString() would give the UTC date, a day off for part of every
// day anywhere east or west of Greenwich.
dayInput.value = localDate(new Date());
const offset = (() => {
  const m = -new Date().getTimezoneOffset();
  const s = m >= 0 ? '+' : '-';
  const a = Math.abs(m);
  return `${s}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
})();

$('#record-search').addEventListener('click', async () => {
  const t = tiles[selected];
  if (!t?.deviceId || !t.channelId) {
    statusEl.textContent = 'select a tile playing a channel first';
    return;
  }
  const start = `${dayInput.value}T00:00:00${offset}`;
  const end = `${dayInput.value}T23:59:59${offset}`;
  try {
    const records = await api(
      `/api/devices/${t.deviceId}/channels/${t.channelId}/records?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
    );
    drawTimeline(records, new Date(start).getTime());
  } catch (err) {
    statusEl.textContent = `records: ${err instanceof Error ? err.message : err}`;
  }
});

function localDate(/** @type {Date} */ d) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function drawTimeline(/** @type {any[]} */ records, /** @type {number} */ dayStart) {
  const timeline = $('#timeline');
  const list = $('#record-list');
  timeline.replaceChildren();
  list.replaceChildren();
  for (let h = 0; h <= 24; h += 6) {
    const tick = document.createElement('span');
    tick.className = 'tick';
    tick.style.left = `${(h / 24) * 100}%`;
    tick.textContent = `${h}:00`;
    timeline.append(tick);
  }
  const day = 86400000;
  for (const r of records) {
    const s = new Date(r.start).getTime();
    const e = new Date(r.end).getTime();
    const seg = document.createElement('div');
    seg.className = `seg ${r.type === 'alarm' ? 'alarm' : ''}`;
    seg.style.left = `${((s - dayStart) / day) * 100}%`;
    seg.style.width = `${Math.max(0.3, ((e - s) / day) * 100)}%`;
    seg.title = `${r.start} – ${r.end}`;
    seg.addEventListener(
      'click',
      () => void playRecord(/** @type {Tile} */ (tiles[selected]), r.start, r.end),
    );
    timeline.append(seg);
    const li = document.createElement('li');
    li.textContent = `${r.start.slice(11, 19)} – ${r.end.slice(11, 19)} ${r.type ?? ''}`;
    li.addEventListener(
      'click',
      () => void playRecord(/** @type {Tile} */ (tiles[selected]), r.start, r.end),
    );
    list.append(li);
  }
  timeline.dataset.count = String(records.length);
  statusEl.textContent = records.length === 0 ? 'no recordings on that day' : `${records.length} recordings`;
}

function control(/** @type {any} */ body) {
  const t = tiles[selected];
  if (t?.streamId && t.kind === 'playback')
    api(`/api/streams/${t.streamId}/control`, { method: 'POST', body: JSON.stringify(body) }).catch(
      (err) => (statusEl.textContent = `control: ${err.message}`),
    );
}
$('#pb-pause').addEventListener('click', () => control({ action: 'pause' }));
$('#pb-resume').addEventListener('click', () => control({ action: 'resume' }));
$('#pb-scale').addEventListener('change', (e) =>
  control({ action: 'scale', scale: Number(/** @type {HTMLSelectElement} */ (e.target).value) }),
);

// ---------- start ----------
for (const b of document.querySelectorAll('[data-layout]'))
  b.addEventListener('click', () => renderWall(Number(b.getAttribute('data-layout'))));
$('#search').addEventListener('input', renderTree);
renderWall(4);
if (!token) statusEl.textContent = 'no access token: open the URL that `npm start` printed';
else {
  loadCatalog().catch((err) => (statusEl.textContent = `catalog: ${err.message}`));
  setInterval(() => loadCatalog().catch(() => {}), 5000);
}
