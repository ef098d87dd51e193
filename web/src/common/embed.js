// embed.js - the Munimap geoEDITOR postMessage protocol between the editor
// and the form that embeds it (iframe) or opened it (popup), DESIGN.md
// section 7. Messages are {action, value}. Only messages whose event.origin
// is one of the client's configured origins, compared as strings, are
// answered, and answers go to that origin only - never to '*': a page of
// another origin must learn nothing, not even that the editor is there.
export function startEmbedding({ origins, handlers }) {
  const allowed = new Set(origins || []);
  const peers = [];
  if (window.parent && window.parent !== window) peers.push(window.parent);
  if (window.opener) peers.push(window.opener);

  // Who to tell things unasked (munimapReady, our result): the embedding
  // window at each allowed origin. postMessage with a targetOrigin delivers
  // only when the target's origin matches, so trying each allowed origin
  // reaches the real form and nobody else.
  function broadcast(msg) {
    for (const w of peers)
      for (const o of allowed) {
        try {
          w.postMessage(msg, o);
        } catch {
          // a malformed origin cannot be a target; cli_client.c refuses those
        }
      }
  }

  window.addEventListener('message', async (ev) => {
    if (!allowed.has(ev.origin)) return; // exact string equality, no patterns
    const data = ev.data;
    if (!data || typeof data !== 'object' || typeof data.action !== 'string') return;
    const fn = handlers[data.action];
    if (!fn) return;
    const reply = await fn(data.value);
    if (reply && ev.source) ev.source.postMessage(reply, ev.origin);
  });

  broadcast({ action: 'munimapReady' });
  return { broadcast };
}
