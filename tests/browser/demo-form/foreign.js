// foreign.js - collects every message that reaches this page, and asks the
// editor for its drawing in the Munimap protocol (with '*', as an attacker
// would).
window.received = [];
window.addEventListener('message', (ev) => window.received.push({ origin: ev.origin, data: ev.data }));
window.openEditor = (url) => {
  window.editor = window.open(url, 'geoeditor', 'width=1000,height=700');
};
window.ask = () => {
  for (const action of ['finishGeoEditing', 'printGeoEditing'])
    window.editor?.postMessage({ action }, '*');
};
document.body.dataset.ready = '1';
