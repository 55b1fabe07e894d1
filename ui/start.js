'use strict';
// The start page: a small tour of the API for a newcomer. The real kiosk,
// counter and display pages live in their own folders.
const $ = (id) => document.getElementById(id);

async function api(method, path, body, token) {
  const headers = {};
  if (body) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data && data.error ? data.error.message : res.statusText);
  return { status: res.status, data };
}

function say(el, html, error) {
  el.className = 'result' + (error ? ' error' : '');
  el.innerHTML = html;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
}

async function loadServices() {
  const box = $('services');
  try {
    const { data } = await api('GET', '/api/v1/services');
    box.textContent = '';
    for (const s of data) {
      const b = document.createElement('button');
      b.type = 'button';
      if (s.kind === 'info') {
        b.className = 'info';
        b.innerHTML = esc(s.name) + '<small>' + esc(s.info) + '</small>';
        b.onclick = () => say($('ticket'), esc(s.name) + ': ' + esc(s.info));
      } else {
        const wait = s.est_wait_min === null || !s.waiting ? '' : ', ~' + s.est_wait_min + ' min';
        b.innerHTML = esc(s.name) + '<small>' + s.waiting + ' waiting' + wait + '</small>';
        b.onclick = () => take(s.id);
      }
      box.appendChild(b);
    }
  } catch (e) {
    say(box, 'The daemon does not answer: ' + esc(e.message), true);
  }
}

async function take(service) {
  try {
    const { data: t } = await api('POST', '/api/v1/tickets', { service, kiosk: 'k1', priority: false });
    say($('ticket'), 'Your ticket: <strong>' + esc(t.number) + '</strong> — ' + t.ahead +
        ' ahead of you' + (t.est_wait_min === null ? '' : ', about ' + t.est_wait_min + ' min'));
    loadServices();
  } catch (e) {
    say($('ticket'), esc(e.message), true);
  }
}

$('counter-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const id = encodeURIComponent($('counter').value.trim());
  try {
    const { status, data } = await api('POST', '/api/v1/counters/' + id + '/next', null, $('token').value.trim());
    say($('called'), status === 204 ? 'Nobody is waiting for this counter.'
      : 'Called <strong>' + esc(data.number) + '</strong> (rule: ' + esc(data.reason) + ')');
    loadServices();
    loadCalls();
  } catch (e) {
    say($('called'), esc(e.message), true);
  }
});

async function loadCalls() {
  try {
    const { data } = await api('GET', '/api/v1/display');
    const ol = $('calls');
    ol.textContent = '';
    for (const c of data.calls) {
      const li = document.createElement('li');
      li.textContent = c.number + ' → ' + c.counter_name;
      ol.appendChild(li);
    }
    if (!data.calls.length) ol.innerHTML = '<li>No calls yet.</li>';
  } catch (e) { /* shown by the services box */ }
}

loadServices();
loadCalls();
setInterval(loadCalls, 3000);
