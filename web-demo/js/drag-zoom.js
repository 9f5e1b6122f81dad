// @ts-check
// Box zoom on a tile (DragZoomIn/DragZoomOut, docs/gb28181.md §5.3): with "Box zoom" on, drag a
// box over the picture of the selected tile; left to right zooms into the box, right to left
// zooms out. The box goes to the camera in the player window's pixels, as the standard asks.
import { $ } from './api.js';
import { channelCommand } from './ptz.js';
import { selectedTile } from './wall.js';

/** Boxes smaller than this (px) are clicks, not boxes. */
const MIN_BOX = 8;

export function setupDragZoom() {
  const toggle = $('#box-zoom');
  let on = false;
  toggle.addEventListener('click', () => {
    on = !on;
    toggle.classList.toggle('toggled', on);
    $('#wall').classList.toggle('box-zoom', on);
  });
  $('#wall').addEventListener('pointerdown', (e) => {
    const tile = selectedTile();
    if (!on || !tile?.player || !(e.target instanceof Node) || !tile.el.contains(e.target)) return;
    e.preventDefault();
    const rect = tile.el.getBoundingClientRect();
    const start = { x: e.clientX - rect.left, y: e.clientY - rect.top };
    const box = document.createElement('div');
    box.className = 'zoom-box';
    tile.el.append(box);
    /** @param {PointerEvent} ev */
    const geometry = (ev) => {
      const x = Math.min(Math.max(ev.clientX - rect.left, 0), rect.width);
      const y = Math.min(Math.max(ev.clientY - rect.top, 0), rect.height);
      return {
        left: Math.min(start.x, x),
        top: Math.min(start.y, y),
        w: Math.abs(x - start.x),
        h: Math.abs(y - start.y),
        rightward: x >= start.x,
      };
    };
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      const g = geometry(ev);
      Object.assign(box.style, {
        left: `${g.left}px`,
        top: `${g.top}px`,
        width: `${g.w}px`,
        height: `${g.h}px`,
      });
    };
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      box.remove();
      const g = geometry(ev);
      if (g.w < MIN_BOX || g.h < MIN_BOX) return;
      void channelCommand('drag-zoom', {
        direction: g.rightward ? 'in' : 'out',
        length: Math.round(rect.width),
        width: Math.round(rect.height),
        midPointX: Math.round(g.left + g.w / 2),
        midPointY: Math.round(g.top + g.h / 2),
        lengthX: Math.round(g.w),
        lengthY: Math.round(g.h),
      });
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  });
}
