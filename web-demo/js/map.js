// @ts-check
// The map: the latest position of every channel as a marker, its recent track as a line, both
// moved live by `position` events. Leaflet is served by the gateway from node_modules
// (/vendor/leaflet/); tiles come from the URL the gateway was given (--map-tiles), and without
// one (a closed network) the markers and tracks are drawn on a plain background.
import { $, api } from './api.js';
import { onEvent } from './events.js';
import { playLive, selectedTile } from './wall.js';

/** @type {any} */
const L = /** @type {any} */ (window).L;
const TRACK_POINTS = 300;
/** @type {Map<string, { marker: any, line: any }>} */
const channels = new Map();
/** @type {any} */
let map = null;
let fitted = false;

const keyOf = (/** @type {any} */ p) => `${p.deviceId}/${p.channelId}`;
const located = (/** @type {any} */ p) => p.longitude !== null && p.latitude !== null;

export async function setupMap() {
  if (!L) {
    $('#map-note').textContent = 'map library not loaded';
    return;
  }
  const config = await fetch('/demo-config.json')
    .then((r) => r.json())
    .catch(() => ({ mapTiles: '' }));
  map = L.map('map', { zoomControl: true, attributionControl: Boolean(config.mapTiles) }).setView(
    [31.82, 117.23],
    14,
  );
  if (config.mapTiles) {
    L.tileLayer(config.mapTiles, { maxZoom: 19, attribution: 'map tiles: see --map-tiles' }).addTo(map);
  } else {
    $('#map-note').textContent = 'no map tiles (--map-tiles): positions on a plain grid';
    $('#map').classList.add('no-tiles');
  }
  L.control.scale().addTo(map);
  onEvent('position', (p) => place(p, true));
  for (const p of await api('/api/positions')) place(p, false);
  await Promise.all([...channels.keys()].map((k) => loadTrack(k)));
}

/** The last ten minutes of a channel's track, as GeoJSON (docs/events.md §3). */
async function loadTrack(/** @type {string} */ key) {
  const [deviceId, channelId] = key.split('/');
  const start = new Date(Date.now() - 600_000).toISOString();
  const feature = await api(
    `/api/devices/${deviceId}/channels/${channelId}/positions?start=${encodeURIComponent(start)}`,
    { headers: { Accept: 'application/geo+json' } },
  ).catch(() => null);
  const entry = channels.get(key);
  if (!feature || !entry) return;
  const points = feature.geometry.coordinates.map((/** @type {number[]} */ c) => [c[1], c[0]]);
  const current = entry.line.getLatLngs();
  entry.line.setLatLngs([...points, ...current].slice(-TRACK_POINTS));
}

function place(/** @type {any} */ p, /** @type {boolean} */ live) {
  if (!map || !located(p)) return;
  const key = keyOf(p);
  const at = [p.latitude, p.longitude];
  let entry = channels.get(key);
  if (!entry) {
    const icon = L.divIcon({ className: 'pos-marker', iconSize: [14, 14] });
    const marker = L.marker(at, { icon, title: p.channelId }).addTo(map);
    marker.bindPopup(() => popup(p));
    const line = L.polyline([], { color: '#2f6fde', weight: 3, opacity: 0.7 }).addTo(map);
    entry = { marker, line };
    channels.set(key, entry);
  } else {
    entry.marker.setLatLng(at);
    entry.marker.setPopupContent(() => popup(p));
  }
  const el = entry.marker.getElement();
  if (el) {
    el.dataset.channelId = p.channelId;
    el.dataset.lat = String(p.latitude);
    el.dataset.lng = String(p.longitude);
    el.dataset.updates = String(Number(el.dataset.updates ?? 0) + 1);
  }
  if (live) {
    entry.line.addLatLng(at);
    const pts = entry.line.getLatLngs();
    if (pts.length > TRACK_POINTS) entry.line.setLatLngs(pts.slice(-TRACK_POINTS));
  }
  if (!fitted) {
    fitted = true;
    map.setView(at, 15);
  }
  $('#map-note').textContent = `${channels.size} channel(s) with a position`;
}

function popup(/** @type {any} */ p) {
  const div = document.createElement('div');
  div.textContent = `${p.channelId} · ${p.speed ?? '?'} km/h · ${new Date(p.time ?? p.receivedAt).toLocaleTimeString()}`;
  const play = document.createElement('button');
  play.textContent = 'Live';
  play.addEventListener('click', () => void playLive(selectedTile(), p.deviceId, p.channelId, p.channelId));
  div.append(document.createElement('br'), play);
  return div;
}
