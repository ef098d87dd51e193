// address.js - the address search field of the editor's side panel: a
// WAI-ARIA 1.2 combobox (input with role=combobox, aria-expanded,
// aria-controls, aria-activedescendant; a listbox of options) over
// GET /v1/addresses. Typing fetches suggestions after a 200 ms pause (the
// answer to an older text is dropped); ArrowDown/ArrowUp move through them,
// Enter picks, Escape closes (and clears the field when already closed).
// Focus stays in the field throughout, as the pattern wants, so a screen
// reader follows the active option through aria-activedescendant.
import { t, tn } from '../common/i18n.js';

const DEBOUNCE_MS = 200;
const LIMIT = 8;

// input, list, status: elements; lang: 'de' | 'en'; onPick(address) gets
// {label, street, housenumber, postcode, city, lon, lat, x, y}.
export function initAddressSearch({ input, list, status, lang, onPick }) {
  let hits = [];
  let active = -1;
  let timer = null;
  let seq = 0;

  function open(yes) {
    list.hidden = !yes;
    input.setAttribute('aria-expanded', yes ? 'true' : 'false');
    if (!yes) setActive(-1);
  }

  function setActive(i) {
    active = i;
    for (const [k, li] of [...list.children].entries()) li.setAttribute('aria-selected', k === i ? 'true' : 'false');
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `${list.id}-${i}`);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function render() {
    list.replaceChildren();
    hits.forEach((a, i) => {
      const li = document.createElement('li');
      li.id = `${list.id}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.textContent = a.label;
      const where = [a.postcode, a.city].filter(Boolean).join(' ');
      if (where) {
        const small = document.createElement('span');
        small.className = 'where';
        small.textContent = ` ${where}`;
        li.append(small);
      }
      // mousedown, not click: the field keeps the focus
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        pick(i);
      });
      list.append(li);
    });
    open(hits.length > 0);
    status.textContent = hits.length ? tn('address_count', hits.length) : t('address_none');
  }

  async function search(q) {
    const mine = ++seq;
    let body;
    try {
      const res = await fetch(`/v1/addresses?q=${encodeURIComponent(q)}&limit=${LIMIT}`, {
        headers: { Accept: 'application/json', 'Accept-Language': lang },
        credentials: 'omit',
      });
      body = await res.json();
      if (!res.ok) body = { addresses: [] };
    } catch {
      body = null;
    }
    if (mine !== seq) return; // the text changed meanwhile
    if (!body) {
      hits = [];
      open(false);
      status.textContent = t('address_failed');
      return;
    }
    hits = body.addresses || [];
    render();
  }

  function pick(i) {
    const a = hits[i];
    if (!a) return;
    input.value = a.label;
    seq++; // an answer still on its way must not reopen the list
    clearTimeout(timer);
    open(false);
    status.textContent = '';
    onPick(a);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2 || !/[\p{L}\p{N}]/u.test(q)) {
      seq++;
      hits = [];
      open(false);
      status.textContent = '';
      return;
    }
    timer = setTimeout(() => search(q.slice(0, 200)), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (e) => {
    const n = hits.length;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!n) return;
      if (list.hidden) open(true);
      setActive(active < n - 1 ? active + 1 : 0);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (!n) return;
      if (list.hidden) open(true);
      setActive(active > 0 ? active - 1 : n - 1);
    } else if (e.key === 'Enter') {
      if (list.hidden || !n) return;
      e.preventDefault();
      pick(active >= 0 ? active : 0);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (!list.hidden) open(false);
      else {
        input.value = '';
        status.textContent = '';
      }
    }
  });

  input.addEventListener('blur', () => open(false));
}
