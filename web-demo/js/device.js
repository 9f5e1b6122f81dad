// @ts-check
// The device page: a dialog opened from a device in the tree, with what the device reported,
// its per-device settings (PATCH /api/devices/:id), its configuration (ConfigDownload and
// DeviceConfig) and the device commands: catalog sync, reboot, forget.
import { $, api, messageOf } from './api.js';

/** @type {string|undefined} */
let current;
/** @type {() => void} */
let onChange = () => {};

const dialog = /** @type {HTMLDialogElement} */ ($('#device-dialog'));
const field = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));
const result = (/** @type {string} */ text) => ($('#device-result').textContent = text);

function showInfo(/** @type {Record<string, unknown>} */ rows) {
  const dl = $('#device-info');
  dl.replaceChildren();
  for (const [k, v] of Object.entries(rows)) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v === null || v === undefined ? '—' : String(v);
    dl.append(dt, dd);
  }
}

async function load() {
  const d = await api(`/api/devices/${current}`);
  $('#device-title').textContent = `${d.name ?? d.deviceId}`;
  const s = d.settings;
  showInfo({
    'Device ID': d.deviceId,
    Online: d.online ? 'yes' : 'no',
    Manufacturer: d.manufacturer,
    Model: d.model,
    Firmware: d.firmware,
    Address: d.remoteAddress,
    'GB/T 28181 edition': s.gbVersion ?? 'not reported (2016 rules)',
    Keepalive: s.heartbeatIntervalSec
      ? `${s.heartbeatIntervalSec} s × ${s.heartbeatCount} (the device's own)`
      : 'global',
    'Own password': s.ownPassword ? 'yes' : 'no',
  });
  field('#set-password').value = '';
  field('#set-charset').value = s.charset;
  field('#set-transport').value = s.transport ?? '';
  field('#set-media-ip').value = s.mediaIp ?? '';
  field('#set-default-stream').value = s.defaultStream;
  field('#set-stream-selection').value = s.streamSelection;
}

/** Opens the page of one device. */
export async function openDevice(/** @type {string} */ deviceId) {
  current = deviceId;
  result('');
  try {
    await load();
  } catch (err) {
    result(messageOf(err));
  }
  if (!dialog.open) dialog.showModal();
}

/** What to run when a device changed or was forgotten (reload the tree). */
export function setupDevicePage(/** @type {() => void} */ changed) {
  onChange = changed;
  const act = (/** @type {string} */ id, /** @type {() => Promise<string>} */ run) =>
    $(id).addEventListener('click', async (e) => {
      e.preventDefault();
      if (!current) return;
      result('…');
      try {
        result(await run());
      } catch (err) {
        result(messageOf(err));
      }
    });
  act('#device-save', async () => {
    const password = field('#set-password').value;
    const mediaIp = field('#set-media-ip').value.trim();
    const transport = field('#set-transport').value;
    await api(`/api/devices/${current}`, {
      method: 'PATCH',
      body: JSON.stringify({
        ...(password ? { password } : {}),
        charset: field('#set-charset').value,
        transport: transport || null,
        mediaIp: mediaIp || null,
        defaultStream: field('#set-default-stream').value,
        streamSelection: field('#set-stream-selection').value,
      }),
    });
    await load();
    return 'settings saved';
  });
  act('#device-config-read', async () => {
    const c = await api(`/api/devices/${current}/config?type=BasicParam`);
    field('#cfg-name').value = c.name ?? '';
    field('#cfg-heartbeat-interval').value = c.heartbeatInterval ?? '';
    field('#cfg-heartbeat-count').value = c.heartbeatCount ?? '';
    await load();
    return `config: ${c.name ?? '?'}, expiry ${c.expiration ?? '?'} s, keepalive ${c.heartbeatInterval ?? '?'} s × ${c.heartbeatCount ?? '?'}`;
  });
  act('#device-config-write', async () => {
    const name = field('#cfg-name').value.trim();
    const interval = Number(field('#cfg-heartbeat-interval').value);
    const count = Number(field('#cfg-heartbeat-count').value);
    await api(`/api/devices/${current}/config`, {
      method: 'PUT',
      body: JSON.stringify({
        ...(name ? { name } : {}),
        ...(interval ? { heartbeatInterval: interval } : {}),
        ...(count ? { heartbeatCount: count } : {}),
      }),
    });
    await load();
    return 'config written';
  });
  act('#device-sync', async () => {
    const r = await api(`/api/devices/${current}/catalog/sync`, { method: 'POST' });
    onChange();
    return `${r.channelCount} channels${r.complete ? '' : ' (partial)'}`;
  });
  act('#device-reboot', async () => {
    if (!confirm('Reboot the device?')) return 'not rebooted';
    await api(`/api/devices/${current}/reboot`, { method: 'POST' });
    return 'reboot sent';
  });
  act('#device-forget', async () => {
    if (!confirm('Forget this device and its channels until it registers again?')) return 'kept';
    await api(`/api/devices/${current}`, { method: 'DELETE' });
    dialog.close();
    onChange();
    return 'forgotten';
  });
  $('#device-close').addEventListener('click', () => dialog.close());
}
