// @ts-check
// The page's access to the gateway: the bearer token, JSON calls, the status line.

// The token arrives in the URL fragment (never sent to the server in a request line or logged).
export const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
export const token = params.get('token') ?? localStorage.getItem('gb-token') ?? '';
if (token) localStorage.setItem('gb-token', token);

export const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));

/** Shows one line of status in the header. */
export function status(/** @type {string} */ text) {
  $('#status').textContent = text;
}

/** @param {string} path @param {RequestInit} [init] */
export async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), {
      code: body?.error?.code,
      status: res.status,
    });
  return body;
}

/** The message of anything thrown. */
export const messageOf = (/** @type {unknown} */ err) => (err instanceof Error ? err.message : String(err));
