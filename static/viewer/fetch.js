// The one way the viewer and its worker fetch: with the page's cookies (what a reader may see
// depends on who they are), and an HTTP error turned into an exception whose message the viewer
// shows in place ("HTTP 404"), so that every caller has a single failure path.

export async function fetchChecked(url, options = {}) {
  const response = await fetch(url, { credentials: 'same-origin', ...options });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response;
}

export async function fetchJson(url) {
  return (await fetchChecked(url)).json();
}

export async function fetchBytes(url, options) {
  return new Uint8Array(await (await fetchChecked(url, options)).arrayBuffer());
}

export async function fetchBitmap(url) {
  return createImageBitmap(await (await fetchChecked(url)).blob());
}
