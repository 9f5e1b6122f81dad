// @ts-check
// The catalog tree: devices and their channels, searchable; a click on a channel plays it in the
// next free tile (or drag it onto a tile); a click on a device opens its page.
import { $, api, status } from './api.js';
import { openDevice } from './device.js';
import { playInNextTile } from './wall.js';

/** @type {{ device: any, channels: any[] }[]} */
let catalog = [];

/** Online channels of online devices, in tree order (the demo fills the wall with them). */
export function onlineChannels() {
  return catalog.flatMap(({ device, channels }) =>
    device.online
      ? channels
          .filter((/** @type {any} */ c) => c.status === 'ON')
          .map((/** @type {any} */ c) => ({
            deviceId: device.deviceId,
            channelId: c.channelId,
            name: c.name ?? c.channelId,
          }))
      : [],
  );
}

export async function loadCatalog() {
  const devices = await api('/api/devices');
  catalog = await Promise.all(
    devices.map(async (/** @type {any} */ device) => ({
      device,
      channels: await api(`/api/devices/${device.deviceId}/channels`).catch(() => []),
    })),
  );
  renderTree();
  const online = devices.filter((/** @type {any} */ d) => d.online).length;
  status(
    `${online}/${devices.length} devices online · ${catalog.reduce((n, c) => n + c.channels.length, 0)} channels`,
  );
}

export function renderTree() {
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
    li.firstElementChild.title = `${device.deviceId}: settings and commands`;
    li.dataset.deviceId = device.deviceId;
    li.firstElementChild.addEventListener('click', () => void openDevice(device.deviceId));
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
        () => void playInNextTile(device.deviceId, ch.channelId, ch.name ?? ch.channelId),
      );
      c.append(span);
      ul.append(c);
    }
    tree.append(li);
  }
}
