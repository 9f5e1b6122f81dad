// @ts-check
// The PTZ pad: move while a button is held, stop on release; presets.
import { $, api, status } from './api.js';
import { onSelect, selectedTile } from './wall.js';

function ptz(/** @type {any} */ body) {
  const t = selectedTile();
  if (!t?.deviceId || !t.channelId) return;
  api(`/api/devices/${t.deviceId}/channels/${t.channelId}/ptz`, {
    method: 'POST',
    body: JSON.stringify(body),
  }).catch((err) => status(`PTZ: ${err.message}`));
}

export function setupPtz() {
  onSelect((t) => {
    $('#ptz-target').textContent = t?.channelId ? `${t.name ?? t.channelId}` : 'select a playing tile';
  });
  for (const b of document.querySelectorAll('[data-ptz]')) {
    const command = b.getAttribute('data-ptz');
    const speed = () => Number(/** @type {HTMLInputElement} */ ($('#ptz-speed')).value);
    if (command === 'stop') {
      b.addEventListener('click', () => ptz({ command: 'stop', speed: 0 }));
      continue;
    }
    // Motion continues until a stop (docs/gb28181.md §5.2): move while pressed, stop on release.
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
}
