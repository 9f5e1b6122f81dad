// @ts-check
// The operator page: catalog tree, video wall, PTZ pad, record timeline, alarm panel and map.
// Plain modules, no framework; each part of the page is one module under js/.
import { $, status, token } from './js/api.js';
import { loadCatalog, renderTree } from './js/catalog.js';
import { setupPtz } from './js/ptz.js';
import './js/records.js';
import { renderWall, startStats } from './js/wall.js';
import { loadAlarms, setupAlarms } from './js/alarms.js';
import { onEvent, startEvents } from './js/events.js';
import { setupMap } from './js/map.js';

for (const b of document.querySelectorAll('[data-layout]'))
  b.addEventListener('click', () => renderWall(Number(b.getAttribute('data-layout'))));
$('#search').addEventListener('input', renderTree);
setupPtz();
renderWall(4);
startStats();
if (!token) status('no access token: open the URL that `npm start` printed');
else {
  loadCatalog().catch((err) => status(`catalog: ${err.message}`));
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
