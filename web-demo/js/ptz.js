// @ts-check
// The PTZ panel: move, zoom, focus and iris while a button is held (stop on release), presets with
// the camera's own names, the wiper, device recording and a keyframe for the selected tile.
import { $, api, messageOf, status } from './api.js';
import { onSelect, selectedTile } from './wall.js';

/** The selected tile's channel API path, or undefined when it plays nothing. */
function channelPath() {
  const t = selectedTile();
  return t?.deviceId && t.channelId ? `/api/devices/${t.deviceId}/channels/${t.channelId}` : undefined;
}

/** POSTs (or PUTs) to the selected channel; failures go to the status line. */
export function channelCommand(/** @type {string} */ path, /** @type {any} */ body, method = 'POST') {
  const base = channelPath();
  if (!base) return Promise.resolve(undefined);
  return api(`${base}/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((err) => status(`${path}: ${messageOf(err)}`));
}

const ptz = (/** @type {any} */ body) => channelCommand('ptz', body);

let presetLoads = 0;

/** The camera's presets with their names; a click calls one. Only the latest request renders. */
async function loadPresets() {
  const list = $('#preset-list');
  const base = channelPath();
  const load = ++presetLoads;
  if (!base) {
    list.replaceChildren();
    delete list.dataset.count;
    return;
  }
  try {
    const { presets } = await api(`${base}/presets`);
    if (load !== presetLoads) return;
    list.replaceChildren();
    for (const p of presets) {
      const li = document.createElement('li');
      li.dataset.index = String(p.index);
      const name = document.createElement('span');
      name.textContent = `${p.index} · ${p.name ?? ''}`;
      name.title = p.name ?? '';
      const call = document.createElement('button');
      call.textContent = 'Call';
      call.onclick = () => void ptz({ preset: 'call', index: p.index });
      li.append(name, call);
      list.append(li);
    }
    list.dataset.count = String(presets.length);
  } catch (err) {
    if (load === presetLoads) status(`presets: ${messageOf(err)}`);
  }
}

export function setupPtz() {
  onSelect((t) => {
    $('#ptz-target').textContent = t?.channelId ? `${t.name ?? t.channelId}` : 'select a playing tile';
    void loadPresets();
  });
  const speed = () => Number(/** @type {HTMLInputElement} */ ($('#ptz-speed')).value);
  for (const b of document.querySelectorAll('[data-ptz]')) {
    const command = b.getAttribute('data-ptz') ?? '';
    if (command === 'stop') {
      b.addEventListener('click', () => void ptz({ command: 'stop', speed: 0 }));
      continue;
    }
    // Motion continues until a stop (docs/gb28181.md §5.2): act while pressed, stop on release.
    // Focus and iris end with the FI stop, moves and zoom with the PTZ stop.
    const fi = /^(focus|iris)/.test(command);
    b.addEventListener('pointerdown', () =>
      ptz({ command, speed: command.startsWith('zoom') ? Math.min(15, Math.round(speed() / 17)) : speed() }),
    );
    b.addEventListener('pointerup', () => ptz({ command: fi ? 'fistop' : 'stop', speed: 0 }));
  }
  for (const b of document.querySelectorAll('[data-preset]')) {
    b.addEventListener('click', async () => {
      await ptz({
        preset: b.getAttribute('data-preset'),
        index: Number(/** @type {HTMLInputElement} */ ($('#preset-index')).value),
      });
      void loadPresets();
    });
  }
  $('#preset-refresh').addEventListener('click', () => void loadPresets());
  let wiperOn = false;
  $('#wiper').addEventListener('click', () => {
    wiperOn = !wiperOn;
    $('#wiper').classList.toggle('toggled', wiperOn);
    void channelCommand('aux', { index: 1, on: wiperOn });
  });
  $('#rec-start').addEventListener(
    'click',
    () => void channelCommand('device-recording', { action: 'start' }),
  );
  $('#rec-stop').addEventListener('click', () => void channelCommand('device-recording', { action: 'stop' }));
  $('#keyframe').addEventListener('click', () => void channelCommand('keyframe', undefined));
}
