// @ts-check
// Recordings of the selected tile's channel for a day on a timeline with two lanes: the device's
// own (RecordInfo; clicking plays them from the device) and the gateway's cloud recordings
// (clicking plays them from the gateway's disk, HLS VOD); playback control (pause, resume, speed).
import { $, api, messageOf, status } from './api.js';
import { playCloud, playRecord, selectedTile } from './wall.js';

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
  const t = selectedTile();
  if (!t?.deviceId || !t.channelId) {
    status('select a tile playing a channel first');
    return;
  }
  const start = `${dayInput.value}T00:00:00${offset}`;
  const end = `${dayInput.value}T23:59:59${offset}`;
  const range = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
  // Each lane on its own: a device that does not answer still leaves the cloud lane.
  const [device, cloud] = await Promise.all([
    api(`/api/devices/${t.deviceId}/channels/${t.channelId}/records?${range}`).catch((err) => {
      status(`device records: ${messageOf(err)}`);
      return [];
    }),
    api(`/api/recordings?deviceId=${t.deviceId}&channelId=${t.channelId}&${range}`).catch(() => []),
  ]);
  drawTimeline(device, cloud, new Date(start).getTime());
});

function localDate(/** @type {Date} */ d) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function drawTimeline(
  /** @type {any[]} */ records,
  /** @type {any[]} */ cloud,
  /** @type {number} */ dayStart,
) {
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
    seg.addEventListener('click', () => void playRecord(selectedTile(), r.start, r.end));
    timeline.append(seg);
    const li = document.createElement('li');
    li.textContent = `${r.start.slice(11, 19)} – ${r.end.slice(11, 19)} ${r.type ?? ''}`;
    li.addEventListener('click', () => void playRecord(selectedTile(), r.start, r.end));
    list.append(li);
  }
  for (const r of cloud) {
    const s = new Date(r.start).getTime();
    const e = new Date(r.end).getTime();
    const seg = document.createElement('div');
    seg.className = `seg cloud ${r.reason === 'alarm' ? 'alarm' : ''}`;
    seg.style.left = `${((s - dayStart) / day) * 100}%`;
    seg.style.width = `${Math.max(0.3, ((e - s) / day) * 100)}%`;
    seg.title = `cloud (${r.reason}) ${r.start} – ${r.end}`;
    seg.addEventListener('click', () => void playCloud(selectedTile(), r.start, r.end));
    timeline.append(seg);
    const li = document.createElement('li');
    li.className = 'cloud';
    li.textContent = `${r.start.slice(11, 19)} – ${r.end.slice(11, 19)} cloud ${r.reason}`;
    li.addEventListener('click', () => void playCloud(selectedTile(), r.start, r.end));
    list.append(li);
  }
  timeline.dataset.count = String(records.length);
  timeline.dataset.cloudCount = String(cloud.length);
  const total = records.length + cloud.length;
  status(
    total === 0
      ? 'no recordings on that day'
      : `${records.length} device and ${cloud.length} cloud recordings`,
  );
}

function control(/** @type {any} */ body) {
  const t = selectedTile();
  if (t?.streamId && t.kind === 'playback')
    api(`/api/streams/${t.streamId}/control`, { method: 'POST', body: JSON.stringify(body) }).catch((err) =>
      status(`control: ${err.message}`),
    );
}
$('#pb-pause').addEventListener('click', () => control({ action: 'pause' }));
$('#pb-resume').addEventListener('click', () => control({ action: 'resume' }));
$('#pb-scale').addEventListener('change', (e) =>
  control({ action: 'scale', scale: Number(/** @type {HTMLSelectElement} */ (e.target).value) }),
);
