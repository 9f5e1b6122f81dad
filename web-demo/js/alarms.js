// @ts-check
// The alarm panel: stored alarms, then new ones live from the event stream, newest on top.
// Acknowledge with the button; click an alarm to open its channel's live video in the selected tile.
import { $, api, messageOf, status } from './api.js';
import { onEvent } from './events.js';
import { playLive, selectedTile } from './wall.js';

const MAX_ROWS = 100;
/** @type {Map<string, any>} */
const alarms = new Map();

/** GB/T 28181 AlarmMethod / AlarmType in words (docs/gb28181.md §9). */
const METHODS = ['', 'telephone', 'device', 'SMS', 'GPS', 'video', 'device fault', 'other'];
const TYPES = {
  2: ['', 'video loss', 'tamper', 'disk full', 'high temperature', 'low temperature'],
  5: [
    '',
    'manual',
    'motion',
    'object left',
    'object removed',
    'tripwire',
    'intrusion',
    'wrong way',
    'loitering',
  ],
  6: ['', 'disk fault', 'fan fault'],
};

function kindOf(/** @type {any} */ a) {
  const t = a.method && a.type ? /** @type {any} */ (TYPES)[a.method]?.[a.type] : '';
  return t || METHODS[a.method ?? 0] || 'alarm';
}

export async function loadAlarms() {
  const list = await api('/api/alarms?limit=50');
  for (const a of list.reverse()) alarms.set(a.alarmId, a);
  render();
}

export function setupAlarms() {
  onEvent('alarm', (a) => {
    alarms.delete(a.alarmId);
    alarms.set(a.alarmId, a);
    while (alarms.size > MAX_ROWS) alarms.delete(alarms.keys().next().value);
    render();
  });
}

function render() {
  const list = $('#alarm-list');
  const rows = [...alarms.values()].sort((x, y) => Number(y.alarmId) - Number(x.alarmId));
  list.replaceChildren(
    ...rows.map((a) => {
      const li = document.createElement('li');
      li.className = `alarm p${a.priority ?? 4}${a.acknowledged ? ' acked' : ''}`;
      li.dataset.alarmId = a.alarmId;
      li.title = `${a.deviceId} / ${a.channelId} · SN ${a.sn}`;
      const when = new Date(a.time ?? a.receivedAt).toLocaleTimeString();
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = `${when}  ${kindOf(a)}  ${a.description ?? ''}  ${a.channelId.slice(-6)}`;
      li.append(text);
      if (!a.acknowledged) {
        const ack = document.createElement('button');
        ack.textContent = 'Ack';
        ack.title = 'Acknowledge';
        ack.addEventListener('click', (e) => {
          e.stopPropagation();
          api(`/api/alarms/${a.alarmId}/ack`, { method: 'POST' })
            .then((updated) => {
              alarms.set(updated.alarmId, updated);
              render();
            })
            .catch((err) => status(`ack: ${messageOf(err)}`));
        });
        li.append(ack);
      }
      li.addEventListener(
        'click',
        () => void playLive(selectedTile(), a.deviceId, a.channelId, `alarm ${kindOf(a)}`),
      );
      return li;
    }),
  );
  $('#alarm-count').textContent = `${rows.filter((a) => !a.acknowledged).length} new`;
}
