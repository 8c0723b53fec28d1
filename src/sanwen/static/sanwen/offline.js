// Field work without signal (SPEC §12). The service worker (/field/sw.js) keeps the field pages and
// their assets; this script keeps the outbox: a visit, meeting or field day saved without signal
// waits in IndexedDB with an id made on the phone and the id of the person who recorded it, and is
// uploaded in order when the network returns (POST /api/v1/offline/…); the server applies each id
// once, so a resend, a lost answer or a page closed mid-upload neither doubles nor loses a record.
// A record is uploaded only while the same person is logged in; a refused one stays, with the
// server's reason, to be corrected and resent or discarded.
(function () {
  'use strict';
  const root = document.getElementById('offline');
  if (!root) return;
  const T = root.dataset;
  const USER = T.user;
  const URLS = { visit: T.visitUrl, meeting: T.meetingUrl, field_day: T.fieldDayUrl };
  const FORMS = { 'visit-form': 'visit', 'meeting-form': 'meeting', 'field-day-form': 'field_day' };
  const PAGES_CACHE = 'sanwen-pages-v1'; // the service worker's cache of pages (sw.js, PAGES)
  const SUPPORTED = 'indexedDB' in window && 'serviceWorker' in navigator && window.isSecureContext;
  const html = document.documentElement;

  if (!SUPPORTED) {
    // Plain HTTP (or an old browser): say so on the field pages, and leave the forms as they are.
    if (USER && location.pathname.startsWith('/field/')) document.getElementById('offline-unavailable').classList.remove('d-none');
    return;
  }

  function upgrade(d) {
    d.createObjectStore('records', { keyPath: 'id' });
    d.createObjectStore('households', { keyPath: 'id' });
  }

  if (!USER) {
    // The login page: say what waits on this phone (it is uploaded after logging in), nothing more.
    const opening = indexedDB.open('sanwen-outbox', 1);
    opening.onupgradeneeded = () => upgrade(opening.result);
    opening.onsuccess = (event) => {
      const d = event.target.result;
      const count = d.transaction('records').objectStore('records').count();
      count.onsuccess = () => {
        if (!count.result) return;
        const notice = document.getElementById('offline-login-notice');
        notice.querySelector('span').textContent = notice.dataset.text.replace('{n}', count.result);
        notice.classList.remove('d-none');
      };
    };
    return;
  }

  // --- IndexedDB ---------------------------------------------------------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const open = indexedDB.open('sanwen-outbox', 1);
        open.onupgradeneeded = () => upgrade(open.result);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
    }
    return dbPromise;
  }
  async function run(store, mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(store, mode);
      let result;
      const request = fn(t.objectStore(store));
      if (request) request.onsuccess = () => { result = request.result; };
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }
  const records = () => run('records', 'readonly', (s) => s.getAll()).then((all) => all.sort((a, b) => (a.created < b.created ? -1 : 1)));
  const getRecord = (id) => run('records', 'readonly', (s) => s.get(id));
  const putRecord = (record) => run('records', 'readwrite', (s) => s.put(record));
  const removeRecord = (id) => run('records', 'readwrite', (s) => s.delete(id));
  const mine = (list) => list.filter((r) => String(r.owner) === String(USER));

  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const fmt = (n, text) => text.replace('{n}', n);
  function localToday() {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }

  // --- saving a form into the outbox ---------------------------------------------------------
  function summary(form, kind) {
    const value = (name) => (form.elements[name] ? form.elements[name].value : '');
    const chips = Array.from(form.querySelectorAll('#chosen .chip')).map((c) => ({ id: c.dataset.id, label: c.dataset.label || c.firstChild.textContent.trim() }));
    const text = kind === 'visit' ? value('diary') : kind === 'meeting' ? value('title') : value('activity');
    return { on: value('on'), households: chips, text: text.slice(0, 60) };
  }

  async function saveForm(form, kind, id) {
    const fields = [];
    for (const [name, value] of new FormData(form).entries()) {
      if (name === 'csrfmiddlewaretoken' || name === 'q') continue;
      if (value instanceof File && !value.size) continue;
      fields.push([name, value]);
    }
    const previous = id ? await getRecord(id) : null;
    if (previous && !fields.some(([n]) => n === 'photos')) {
      // Corrected without choosing the photos again: the photos saved the first time go with it.
      previous.fields.filter(([n]) => n === 'photos').forEach((f) => fields.push(f));
    }
    const record = {
      id: id || newId(),
      kind,
      owner: USER,
      created: previous ? previous.created : new Date().toISOString(),
      fields,
      summary: summary(form, kind),
      state: 'waiting',
      error: null,
    };
    await putRecord(record);
    return record;
  }

  // A promise's value, or `fallback` if it fails or takes longer than `ms` (the phone's storage can
  // be held by another tab or a worker being replaced; logging out must not wait on it).
  function within(promise, ms, fallback) {
    return Promise.race([promise.catch(() => fallback), new Promise((ok) => { setTimeout(() => ok(fallback), ms); })]);
  }

  function editingId() { return new URLSearchParams(location.search).get('outbox'); }

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    const kind = FORMS[form.id];
    if (kind) {
      // Every record goes through the outbox, online too: a phone that says it is online may have
      // no signal at all, and a post lost on the way would lose the diary, or (if the answer was
      // lost) be typed and saved twice. From the outbox it is sent at once, and once only.
      event.preventDefault();
      if (form.dataset.saving) return; // a second tap on the button
      form.dataset.saving = '1';
      form.querySelectorAll('button[type=submit], button:not([type])').forEach((b) => { b.disabled = true; });
      const record = await saveForm(form, kind, editingId());
      if (navigator.onLine) {
        await sync();
        // A sync already under way may have started before this record was saved.
        if (((await getRecord(record.id)) || {}).state === 'waiting') await sync();
      }
      const after = await getRecord(record.id);
      const uploaded = sessionStorage.getItem(`sanwen-uploaded-${record.id}`);
      if (!after && uploaded) location.href = uploaded;
      else if (after && after.state === 'refused') location.href = `${location.pathname}?outbox=${record.id}`;
      else location.href = `${T.outboxUrl}?saved=1`;
      return;
    }
    if (form.matches('form[action$="/logout/"]') && !form.dataset.confirmed) {
      event.preventDefault();
      // If the phone's storage does not answer in time, the count last shown on the page stands in.
      const shown = Number(document.documentElement.dataset.outboxWaiting || 0)
        + Number(document.documentElement.dataset.outboxRefused || 0);
      const waiting = await within(records().then((all) => mine(all).length), 3000, shown);
      if (waiting && !window.confirm(fmt(waiting, T.logoutWarning))) return;
      localStorage.removeItem('sanwen-households-owner');
      localStorage.removeItem('sanwen-pages-owner');
      // The kept pages are gone: whoever logs in next has them fetched again.
      Object.keys(localStorage).filter((k) => k.startsWith('sanwen-warm-')).forEach((k) => localStorage.removeItem(k));
      const forget = async () => {
        const registration = await navigator.serviceWorker.getRegistration(T.swScope);
        if (registration && registration.active) registration.active.postMessage({ type: 'forget' });
        // This person's households leave the phone with them; their records stay, to be uploaded
        // when they log in again.
        await run('households', 'readwrite', (st) => st.clear());
      };
      // The person is logged out whatever the phone's storage does, within seconds at most (a
      // household refresh holding the store, a worker being replaced).
      await within(forget(), 3000, null);
      form.dataset.confirmed = '1';
      form.submit();
    }
  });

  // --- uploading -----------------------------------------------------------------------------
  let syncing = null;
  let retryTimer = null;
  let failures = 0;
  function sync() {
    if (!syncing) {
      const work = () => upload().then((outcome) => {
        clearTimeout(retryTimer);
        if (outcome === AGAIN) {
          // No answer, or a busy or failing server: try again soon, then less often (2 s … 60 s).
          failures += 1;
          retryTimer = setTimeout(() => { if (navigator.onLine) sync(); }, Math.min(60, 2 ** failures) * 1000);
        } else {
          failures = 0;
        }
      }).finally(() => { syncing = null; show(); });
      // One tab at a time (the server would apply a record once anyway).
      syncing = navigator.locks ? navigator.locks.request('sanwen-outbox', work) : work();
    }
    return syncing;
  }

  // A request the network swallows without an answer counts as no signal: the record stays and goes
  // next time (were it applied meanwhile, the server answers with the record it made).
  function timed(url, options, seconds) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), seconds * 1000);
    return fetch(url, { ...options, signal: controller.signal }).finally(() => clearTimeout(timer));
  }

  const AGAIN = 'again';
  async function upload() {
    if (!navigator.onLine) return;
    const waiting = mine(await records()).filter((r) => r.state === 'waiting');
    if (!waiting.length) return;
    let me;
    try {
      const response = await timed(T.meUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } }, 15);
      if (response.status === 401 || response.status === 403) { localStorage.setItem('sanwen-outbox-login', '1'); return; }
      if (!response.ok) return AGAIN;
      me = await response.json();
    } catch (e) { return AGAIN; }
    localStorage.removeItem('sanwen-outbox-login');
    for (const record of waiting) {
      if (String(record.owner) !== String(me.user)) continue;
      const body = new FormData();
      for (const [name, value] of record.fields) body.append(name, value);
      body.append('client_id', record.id);
      body.append('owner', record.owner);
      body.append('recorded_at', record.created);
      let response;
      try {
        response = await timed(URLS[record.kind], {
          method: 'POST', body, credentials: 'same-origin',
          headers: { 'X-CSRFToken': me.csrf_token, Accept: 'application/json' },
        }, 120);
      } catch (e) { return AGAIN; } // the network went: the record stays and goes next time
      if (response.ok) {
        try { sessionStorage.setItem(`sanwen-uploaded-${record.id}`, (await response.json()).url); } catch (e) { /* no matter */ }
        await removeRecord(record.id);
        localStorage.setItem('sanwen-outbox-last', new Date().toISOString());
        continue;
      }
      if (response.status === 401) { localStorage.setItem('sanwen-outbox-login', '1'); return; }
      if (response.status >= 500 || response.status === 429 || response.status === 408) return AGAIN;
      let error = {};
      try { error = (await response.json()).error || {}; } catch (e) { /* not JSON: a proxy's page */ }
      record.state = 'refused';
      record.error = { status: response.status, message: error.message || response.statusText, fields: error.fields || {} };
      await putRecord(record);
    }
  }

  // --- what is waiting ---------------------------------------------------------------------
  async function show() {
    const all = await records();
    const own = mine(all);
    const waiting = own.filter((r) => r.state === 'waiting').length;
    const refused = own.filter((r) => r.state === 'refused').length;
    const indicator = document.getElementById('outbox-indicator');
    if (indicator) {
      indicator.classList.toggle('d-none', !own.length);
      const parts = [waiting || !refused ? fmt(waiting, T.waiting) : '', refused ? fmt(refused, T.refusedCount) : ''];
      indicator.querySelector('span').textContent = parts.filter(Boolean).join(' · ');
      // Refused records want attention: white on the red bar, red text.
      indicator.classList.toggle('btn-light', Boolean(refused));
      indicator.classList.toggle('text-danger', Boolean(refused));
      indicator.classList.toggle('btn-warning', !refused);
    }
    html.dataset.outboxWaiting = String(waiting);
    html.dataset.outboxRefused = String(refused);
    const list = document.getElementById('outbox-list');
    if (list) renderList(list, all);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderList(list, all) {
    const page = list.dataset;
    const last = localStorage.getItem('sanwen-outbox-last');
    document.getElementById('outbox-last').textContent = last ? new Date(last).toLocaleString('zh-CN', { hour12: false }) : page.never;
    document.getElementById('outbox-login').classList.toggle('d-none', !localStorage.getItem('sanwen-outbox-login'));
    document.getElementById('outbox-offline').classList.toggle('d-none', navigator.onLine);
    // The page may come from the phone's cache, whatever its address: the notice is shown here.
    const waitingHere = mine(all).some((r) => r.state === 'waiting');
    document.getElementById('outbox-saved').classList.toggle('d-none', !waitingHere || !new URLSearchParams(location.search).has('saved'));
    list.replaceChildren();
    if (!all.length) { list.appendChild(el('div', 'list-group-item text-muted small', page.empty)); return; }
    for (const r of all) {
      const item = el('div', `list-group-item outbox-record ${r.state === 'refused' ? 'list-group-item-danger' : ''}`);
      item.dataset.id = r.id;
      item.dataset.state = r.state;
      const head = el('div', 'd-flex justify-content-between gap-2');
      head.appendChild(el('strong', '', `${page[`kind_${r.kind}`] || r.kind} · ${r.summary.on || ''}`));
      const other = String(r.owner) !== String(USER);
      head.appendChild(el('span', `badge ${r.state === 'refused' ? 'text-bg-danger' : other ? 'text-bg-secondary' : 'text-bg-warning'}`,
        r.state === 'refused' ? page.refused : other ? page.other : page.waiting));
      item.appendChild(head);
      const names = (r.summary.households || []).map((h) => h.label).join('、');
      if (names) item.appendChild(el('div', 'small', names));
      if (r.summary.text) item.appendChild(el('div', 'small text-muted text-truncate', r.summary.text));
      const photos = r.fields.filter(([n]) => n === 'photos').length;
      if (photos) item.appendChild(el('div', 'small text-muted', fmt(photos, page.photos)));
      if (r.state === 'refused' && r.error) {
        const reasons = el('ul', 'small mb-1 mt-1 ps-3 outbox-reason');
        const messages = Object.values(r.error.fields || {}).flat();
        (messages.length ? messages : [r.error.message]).forEach((m) => reasons.appendChild(el('li', '', m)));
        item.appendChild(reasons);
      }
      if (!other) {
        const actions = el('div', 'd-flex gap-2 mt-1');
        if (r.state === 'refused') {
          const edit = el('a', 'btn btn-sm btn-outline-primary', page.edit);
          edit.href = `${page[`form_${r.kind}`]}?outbox=${r.id}`;
          actions.appendChild(edit);
          const resend = el('button', 'btn btn-sm btn-outline-secondary outbox-resend', page.resend);
          resend.type = 'button';
          actions.appendChild(resend);
        }
        const discard = el('button', 'btn btn-sm btn-outline-danger outbox-discard', page.discard);
        discard.type = 'button';
        actions.appendChild(discard);
        item.appendChild(actions);
      }
      list.appendChild(item);
    }
  }

  document.addEventListener('click', async (event) => {
    const item = event.target.closest('.outbox-record');
    if (event.target.closest('#outbox-sync')) { event.preventDefault(); await sync(); return; }
    if (!item) return;
    if (event.target.closest('.outbox-discard')) {
      if (!window.confirm(document.getElementById('outbox-list').dataset.discardConfirm)) return;
      await removeRecord(item.dataset.id);
      show();
    } else if (event.target.closest('.outbox-resend')) {
      const record = await getRecord(item.dataset.id);
      record.state = 'waiting';
      record.error = null;
      await putRecord(record);
      await sync();
    }
  });

  // --- a refused record back in its form ----------------------------------------------------
  async function refill() {
    const id = editingId();
    if (!id) return;
    const form = Object.keys(FORMS).map((f) => document.getElementById(f)).find(Boolean);
    const record = form && (await getRecord(id));
    if (!record) return;
    const results = document.getElementById('household-results');
    if (results) {
      for (const h of record.summary.households || []) {
        const pick = el('a', '', h.label);
        pick.href = '#'; pick.dataset.household = h.id; pick.dataset.label = h.label;
        results.appendChild(pick);
        pick.click();
      }
    }
    const values = record.fields.filter(([, v]) => typeof v === 'string');
    const items = Number((values.find(([n]) => n === 'items-TOTAL_FORMS') || [0, '0'])[1]);
    for (let i = 0; i < items; i += 1) document.getElementById('add-item').click();
    form.querySelectorAll('input[type=checkbox]').forEach((box) => { box.checked = false; });
    for (const [name, value] of values) {
      if (name === 'households') continue;
      const fields = form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
      fields.forEach((field) => {
        if (field.type === 'checkbox' || field.type === 'radio') { if (field.value === value) field.checked = true; }
        else if (field.tagName === 'SELECT' && field.multiple) { Array.from(field.options).forEach((o) => { if (o.value === value) o.selected = true; }); }
        else field.value = value;
      });
    }
    const note = document.getElementById('offline-editing');
    if (note) {
      note.classList.remove('d-none');
      const reasons = Object.values((record.error || {}).fields || {}).flat();
      note.querySelector('span').textContent = (reasons.length ? reasons : [(record.error || {}).message || '']).join('；');
    }
  }

  // --- households without signal -------------------------------------------------------------
  function fold(text) { return (text || '').normalize('NFKC').replace(/\s+/g, '').toLowerCase(); }

  async function searchLocal(q) {
    const results = document.getElementById('household-results');
    if (!results) return;
    const key = fold(q);
    results.replaceChildren();
    if (key.length < 2) return;
    const all = localStorage.getItem('sanwen-households-owner') === String(USER) ? await run('households', 'readonly', (s) => s.getAll()) : [];
    const found = all.filter((h) => h.key.includes(key) || fold(h.name).includes(key)).slice(0, 10);
    for (const h of found) {
      const a = el('a', 'list-group-item list-group-item-action small', `${h.name} `);
      a.href = '#'; a.dataset.household = h.id; a.dataset.label = h.label;
      a.appendChild(el('span', 'text-muted', [h.kind, h.township, h.village, h.phone].filter(Boolean).join(' · ')));
      results.appendChild(a);
    }
    if (!found.length) results.appendChild(el('div', 'list-group-item small text-muted', T.noMatch));
  }

  const search = document.getElementById('household-q');
  if (search) {
    // Offline the picker searches the phone's own set; online it asks the server as before.
    document.body.addEventListener('htmx:beforeRequest', (event) => {
      if (event.detail.elt === search && !navigator.onLine) event.preventDefault();
    });
    document.body.addEventListener('htmx:sendError', (event) => { if (event.detail.elt === search) searchLocal(search.value); });
    search.addEventListener('input', () => { if (!navigator.onLine) searchLocal(search.value); });
  }

  async function refreshHouseholds() {
    const fresh = Number(localStorage.getItem('sanwen-households-at') || 0);
    if (localStorage.getItem('sanwen-households-owner') === String(USER) && Date.now() - fresh < 30 * 60 * 1000) return;
    try {
      const response = await fetch(T.householdsUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const body = await response.json();
      await run('households', 'readwrite', (s) => { s.clear(); body.items.forEach((h) => s.put(h)); });
      localStorage.setItem('sanwen-households-owner', String(USER));
      localStorage.setItem('sanwen-households-at', String(Date.now()));
    } catch (e) { /* no signal: keep the set there is */ }
  }

  // --- the service worker and the pages it keeps ---------------------------------------------
  function activated(registration) {
    return new Promise((resolve) => {
      if (registration.active) { resolve(registration.active); return; }
      const worker = registration.installing || registration.waiting;
      worker.addEventListener('statechange', () => { if (worker.state === 'activated') resolve(worker); });
    });
  }

  async function installWorker() {
    // The pages outside /field/ are not the worker's, but they install it and keep its pages fresh.
    const registration = await navigator.serviceWorker.register(T.swUrl, { scope: T.swScope });
    const worker = await activated(registration);
    if (localStorage.getItem('sanwen-pages-owner') !== String(USER)) {
      // Someone else's pages may still be kept here (their session ended without logging out): they
      // go before this person's are kept, so that nobody opens another's pages offline.
      await caches.delete(PAGES_CACHE);
      Object.keys(localStorage).filter((k) => k.startsWith('sanwen-warm-')).forEach((k) => localStorage.removeItem(k));
      localStorage.setItem('sanwen-pages-owner', String(USER));
    }
    const warmKey = `sanwen-warm-${USER}`;
    const stale = Date.now() - Number(localStorage.getItem(warmKey) || 0) > 10 * 60 * 1000;
    if (navigator.onLine && (stale || location.pathname.startsWith(T.swScope))) {
      const assets = Array.from(document.querySelectorAll('link[rel=stylesheet][href], script[src], link[rel=manifest]'))
        .map((e) => e.href || e.src).filter((u) => u.startsWith(location.origin));
      const warmed = new Promise((resolve) => {
        navigator.serviceWorker.addEventListener('message', (event) => { if (event.data && event.data.type === 'warmed') resolve(); });
      });
      worker.postMessage({ type: 'warm', pages: JSON.parse(T.pages), assets });
      await warmed;
      localStorage.setItem(warmKey, String(Date.now()));
    }
    await refreshHouseholds();
  }

  window.addEventListener('online', () => { show(); sync(); });
  window.addEventListener('offline', show);
  // A kept page was made on the day it was fetched: offline, a new record is dated today.
  const keptForm = Object.keys(FORMS).map((f) => document.getElementById(f)).find(Boolean);
  if (!navigator.onLine && keptForm && keptForm.elements.on && !editingId()) keptForm.elements.on.value = localToday();
  (async () => {
    await refill();
    await show();
    if (navigator.onLine) {
      await sync();
      await installWorker().catch(() => null);
    }
    html.dataset.offlineReady = '1';
  })();
  setInterval(() => { if (navigator.onLine) sync(); }, 60 * 1000);
})();
