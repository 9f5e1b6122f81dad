// @ts-check
// The operator page: catalog tree, video wall, PTZ panel, box zoom, device page, record timeline,
// alarm panel and map. Plain modules, no framework; each part of the page is one module under js/.
// Opened with `autoplay=1` in the fragment (the URL `npm start` prints), it fills the wall with the
// online channels at once.
import { $, params, status, token } from './js/api.js';
import { loadCatalog, onlineChannels, renderTree } from './js/catalog.js';
import { setupDevicePage } from './js/device.js';
import { setupDragZoom } from './js/drag-zoom.js';
import { setupPtz } from './js/ptz.js';
import './js/records.js';
import { fillWall, renderWall, startStats } from './js/wall.js';
import { loadAlarms, setupAlarms } from './js/alarms.js';
import { onEvent, startEvents } from './js/events.js';
import { setupMap } from './js/map.js';

for (const b of document.querySelectorAll('[data-layout]'))
  b.addEventListener('click', () => renderWall(Number(b.getAttribute('data-layout'))));
$('#search').addEventListener('input', renderTree);
setupPtz();
setupDragZoom();
setupDevicePage(() => void loadCatalog().catch(() => {}));
renderWall(4);
startStats();
if (!token) status('no access token: open the URL that `npm start` printed');
else {
  const first = loadCatalog();
  first.catch((err) => status(`catalog: ${err.message}`));
  if (params.get('autoplay') === '1') void autoplay();
  setInterval(() => loadCatalog().catch(() => {}), 5000);
  // Device and channel changes redraw the tree at once instead of at the next poll.
  let soon = 0;
  const refresh = () => {
    clearTimeout(soon);
    soon = setTimeout(() => loadCatalog().catch(() => {}), 300);
  };
  onEvent('device', refresh);
  onEvent('channel', refresh);
  setupAlarms();
  Promise.all([loadAlarms(), setupMap()])
    .then(() => startEvents())
    .catch((err) => status(`events: ${err.message}`));
}

/** Waits (up to 20 s) for the catalog to list online channels, then plays them all. */
async function autoplay() {
  for (let i = 0; i < 40; i++) {
    await loadCatalog().catch(() => {});
    const channels = onlineChannels();
    if (channels.length > 0) {
      await fillWall(channels);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  status('autoplay: no online channel to play yet');
}
