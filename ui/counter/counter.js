// The counter console: a clerk calls the next ticket, recalls it, marks it
// served or no-show, transfers it to another service, pauses. The counter
// id and its token are asked once and kept in this browser's localStorage;
// /counter?counter=3 preselects the id.

import { get, post } from '/shared/api.js';
import { connectLive } from '/shared/events.js';
import { t } from '/shared/i18n.js';
import { office } from '/shared/office.js';

const STORE_KEY = 'bonomat.counter';
const REFRESH_DEBOUNCE_MS = 150;
const WAITING_SHOWN = 60;

const $ = (id) => document.getElementById(id);

const state = {
	id: '',
	token: '',
	counter: null,   // GET /api/v1/counters/{id}
	services: [],    // GET /api/v1/services
	printers: {},    // name -> the last printer event
	busy: false,
	networkError: false, // the status line says the daemon does not answer
};

// ---- the counter and its token ----------------------------------------------

function loadLogin() {
	try {
		const v = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
		if (v && typeof v.id === 'string' && typeof v.token === 'string')
			return v;
	} catch (e) {
		// A damaged entry is asked for again.
	}
	return null;
}

function saveLogin(id, token) {
	localStorage.setItem(STORE_KEY, JSON.stringify({ id, token }));
}

function showLogin(message = '') {
	$('console').hidden = true;
	$('login').hidden = false;
	$('login-id').value = state.id || new URLSearchParams(location.search).get('counter') || '';
	$('login-token').value = '';
	$('login-error').textContent = message;
	$('login-error').hidden = !message;
	(state.id ? $('login-token') : $('login-id')).focus();
}

// What an auth refusal means for the clerk; null when it is not one.
function authProblem(e) {
	if (e.status === 401)
		return t('counter.err.token');
	if (e.status === 403) {
		const m = /^Counter (\S+)'s token/.exec(e.message);
		return m ? t('counter.err.other.id', { id: m[1] }) : t('counter.err.other');
	}
	if (e.status === 404 && e.code === 'not_found' && /counter/i.test(e.message))
		return t('counter.err.unknown', { id: state.id });
	return null;
}

function showConsole() {
	$('login').hidden = true;
	$('console').hidden = false;
	renderButtons();
}

// saved: the id and token come from localStorage, so a daemon that does not
// answer yet is waited for rather than asking the clerk again.
async function login(id, token, { saved = false } = {}) {
	state.id = id;
	state.token = token;
	$('login-submit').disabled = true;
	try {
		const { data } = await get(counterView(), { token });
		saveLogin(id, token);
		setCounter(data);
		showConsole();
		render();
		live.refresh();
	} catch (e) {
		if (e.network && saved) {
			showConsole();
			say(t('counter.err.network'), 'error', true);
			return;
		}
		state.token = '';
		if (!e.network)
			localStorage.removeItem(STORE_KEY);
		showLogin(authProblem(e) || (e.network ? t('counter.err.network') : e.message));
	} finally {
		$('login-submit').disabled = false;
	}
}

function logout() {
	localStorage.removeItem(STORE_KEY);
	state.token = '';
	state.counter = null;
	showLogin();
}

// Asks before an action: choices are [{label, key, run}]; Esc cancels.
function ask(title, text, choices) {
	const dlg = $('confirm');
	$('confirm-h').textContent = title;
	$('confirm-text').textContent = text;
	const list = $('confirm-list');
	list.textContent = '';
	for (const c of choices) {
		const b = document.createElement('button');
		b.type = 'button';
		b.className = 'btn confirm-choice';
		b.dataset.key = c.key;
		b.append(c.label);
		const k = document.createElement('kbd');
		k.textContent = c.key.toUpperCase();
		b.appendChild(k);
		b.setAttribute('aria-keyshortcuts', c.key.toUpperCase());
		b.addEventListener('click', () => {
			dlg.close();
			c.run();
		});
		list.appendChild(b);
	}
	dlg.showModal();
	list.querySelector('button')?.focus();
}

function askLogout() {
	ask(t('counter.logout.ask'), t('counter.logout.ask.text'), [
		{ label: t('counter.logout.yes'), key: 'd', run: logout },
	]);
}

const counterPath = (action = '') =>
	'/api/v1/counters/' + encodeURIComponent(state.id) + (action ? '/' + action : '');
// The view lists the first WAITING_SHOWN waiting tickets and their total.
const counterView = () => counterPath() + '?limit=' + WAITING_SHOWN;

// ---- rendering --------------------------------------------------------------

const timeFmt = new Intl.DateTimeFormat('ro-RO', { hour: '2-digit', minute: '2-digit', timeZone: office.timeZone });

// The daemon's clock minus the browser's, from the counter view's `now`:
// the minutes a ticket waited are the daemon's, not this PC's.
let clockSkew = 0;
const daemonNow = () => Date.now() + clockSkew;

function minutesSince(iso, now = daemonNow()) {
	const t0 = Date.parse(iso);
	return Number.isNaN(t0) ? null : Math.max(0, Math.floor((now - t0) / 60000));
}

function serviceName(id) {
	const s = state.services.find((x) => x.id === id);
	return s ? s.name : id;
}

function say(text, kind = 'info', network = false) {
	const s = $('status');
	s.textContent = text;
	s.className = 'status status-' + kind;
	state.networkError = network;
}

// The daemon answers again: a "not answering" line is no longer true.
function recovered() {
	if (state.networkError)
		say('', 'info');
}

function setCounter(data) {
	state.counter = data;
	const now = Date.parse(data && data.now);
	if (!Number.isNaN(now))
		clockSkew = now - Date.now();
}

function render() {
	const c = state.counter;
	if (!c)
		return;
	document.title = c.name + ' — Bonomat';
	$('counter-name').textContent = c.name;
	$('counter-services').textContent = t('counter.services', {
		list: c.services.map((s) => s + ' · ' + serviceName(s)).join(', '),
	});
	const pill = $('counter-state');
	pill.textContent = c.paused ? t('counter.state.paused') : t('counter.state.open');
	pill.classList.toggle('is-paused', c.paused);
	document.body.classList.toggle('is-paused', c.paused);
	renderCurrent();
	renderQueue();
	renderAlerts();
	renderButtons();
}

function renderCurrent() {
	const cur = state.counter.current;
	const box = $('current');
	box.classList.toggle('is-empty', !cur);
	if (!cur) {
		$('current-number').textContent = t('counter.current.none');
		$('current-service').textContent = '';
		$('current-facts').textContent = state.counter.paused ? '' : t('counter.current.hint');
		return;
	}
	$('current-number').textContent = cur.number;
	$('current-service').textContent = serviceName(cur.service);
	const facts = [t('kind.' + cur.kind)];
	if (cur.called_at) {
		facts.push(t('counter.called_at', { time: timeFmt.format(new Date(cur.called_at)) }));
		const waited = Math.round((Date.parse(cur.called_at) - Date.parse(cur.issued_at)) / 60000);
		if (waited >= 0)
			facts.push(t('counter.waited', { min: t('minutes', { n: waited }) }));
	}
	if (cur.reason)
		facts.push(t('reason.' + cur.reason));
	if (cur.late)
		facts.push(t('counter.late'));
	$('current-facts').textContent = facts.join(' · ');
}

function renderQueue() {
	const list = $('queue');
	const waiting = state.counter.waiting || [];
	const now = daemonNow();
	list.textContent = '';
	for (const tk of waiting.slice(0, WAITING_SHOWN)) {
		const li = document.createElement('li');
		li.className = 'queue-item kind-' + tk.kind;
		const min = minutesSince(tk.issued_at, now);
		li.innerHTML = '<span class="q-number"></span><span class="q-service"></span>' +
			'<span class="q-kind"></span><span class="q-wait"></span>';
		li.querySelector('.q-number').textContent = tk.number;
		li.querySelector('.q-service').textContent = serviceName(tk.service);
		li.querySelector('.q-kind').textContent = t('kind.' + tk.kind);
		li.querySelector('.q-wait').textContent = min === null ? '' : t('counter.waiting.min', { n: min });
		list.appendChild(li);
	}
	// The daemon lists the first few waiting and says how many wait in all.
	const total = Number.isInteger(state.counter.waiting_total) ?
		state.counter.waiting_total : waiting.length;
	const shown = Math.min(waiting.length, WAITING_SHOWN);
	if (total > shown) {
		const li = document.createElement('li');
		li.className = 'queue-more';
		li.textContent = t('counter.waiting.more', { n: total - shown });
		list.appendChild(li);
	}
	$('queue-count').textContent = String(total);
	$('queue-empty').hidden = total > 0;
	renderReturns();
}

// Today's no-shows of this counter's services that may still come back.
function renderReturns() {
	const list = $('returns-list');
	const back = state.counter.returnable || [];
	list.textContent = '';
	for (const tk of back) {
		const li = document.createElement('li');
		li.className = 'return-item';
		li.dataset.ticket = String(tk.id);
		li.innerHTML = '<span class="q-number"></span><span class="q-service"></span>' +
			'<span class="r-until"></span><button type="button" class="btn btn-return"></button>';
		li.querySelector('.q-number').textContent = tk.number;
		li.querySelector('.q-service').textContent = serviceName(tk.service);
		li.querySelector('.r-until').textContent = tk.return_until
			? t('counter.returns.until', { time: timeFmt.format(new Date(tk.return_until)) }) : '';
		const b = li.querySelector('.btn-return');
		b.textContent = t('counter.returns.do');
		b.setAttribute('aria-label', t('counter.returns.do.label', { number: tk.number }));
		b.disabled = state.busy;
		b.addEventListener('click', () => bringBack(tk));
		list.appendChild(li);
	}
	$('returns').hidden = back.length === 0;
}

function bringBack(tk) {
	return act('tickets/' + tk.id + '/return', undefined, () => {
		say(t('counter.msg.returned', { number: tk.number }), 'ok');
	}, tk.number);
}

function renderAlerts() {
	const box = $('alerts');
	box.textContent = '';
	if (state.counter.paused) {
		const p = document.createElement('p');
		p.className = 'alert alert-paused';
		p.textContent = t('counter.paused');
		box.appendChild(p);
	}
	for (const ev of Object.values(state.printers)) {
		if (ev.state === 'ok')
			continue;
		const p = document.createElement('p');
		p.className = 'alert alert-printer';
		// Named by where it stands, never by the config's name nor with
		// the daemon's English detail.
		const kiosks = Array.isArray(ev.kiosks) ? ev.kiosks : [];
		const where = ev.location ? t('printer.where', { location: ev.location })
			: kiosks.length ? t('printer.where.kiosk', { kiosk: kiosks.join(', ') })
				: t('printer.where.none');
		p.textContent = t('counter.printer', { where, state: t('printer.' + ev.state) });
		box.appendChild(p);
	}
}

function renderButtons() {
	const c = state.counter;
	const has = Boolean(c && c.current);
	const set = (id, enabled) => { $(id).disabled = state.busy || !enabled; };
	set('act-next', c && !c.paused);
	set('act-recall', has);
	set('act-served', has);
	set('act-noshow', has);
	set('act-transfer', has && transferTargets().length > 0);
	set('act-pause', Boolean(c));
	for (const b of document.querySelectorAll('.btn-return'))
		b.disabled = state.busy;
	$('pause-label').textContent = c && c.paused ? t('counter.resume') : t('counter.pause');
	$('act-pause').classList.toggle('is-resume', Boolean(c && c.paused));
}

function transferTargets() {
	const cur = state.counter && state.counter.current;
	return state.services.filter((s) => s.kind !== 'info' && (!cur || s.id !== cur.service));
}

// ---- actions ----------------------------------------------------------------

async function act(action, body, describe, number = '') {
	if (state.busy || !state.counter)
		return;
	state.busy = true;
	renderButtons();
	try {
		const res = await post(counterPath(action), body, { token: state.token });
		recovered();
		describe(res);
	} catch (e) {
		const auth = authProblem(e);
		if (auth) {
			localStorage.removeItem(STORE_KEY);
			state.token = '';
			showLogin(auth);
		} else if (e.network) {
			say(t('counter.err.network'), 'error', true);
		} else if (action.startsWith('tickets/')) {
			say(e.code === 'return_window_passed' ? t('counter.err.return.window', { number })
				: e.status === 409 ? t('counter.err.return.state', { number }) : t('counter.err.generic'), 'error');
		} else if (e.status === 409 && action === 'next') {
			say(t('counter.err.paused'), 'error');
		} else if (e.status === 409) {
			say(t('counter.err.no_current'), 'error');
		} else {
			say(t('counter.err.generic'), 'error');
		}
	} finally {
		state.busy = false;
		renderButtons();
		live.refresh();
	}
}

const numberOf = () => (state.counter.current ? state.counter.current.number : '');

// "Următorul" finishes the called ticket as served (API.md). By default
// the page asks first, served or absent; with ?next=say it goes on and
// says what it did.
const NEXT_MODE = new URLSearchParams(location.search).get('next') === 'say' ? 'say' : 'ask';

function next() {
	const cur = state.counter && state.counter.current;
	if (cur && NEXT_MODE === 'ask') {
		ask(t('counter.next.ask', { number: cur.number }), t('counter.next.ask.text'), [
			{ label: t('counter.next.served'), key: 's', run: () => callNext(cur.number) },
			{ label: t('counter.next.no_show'), key: 'x', run: () => absentThenNext() },
		]);
		return undefined;
	}
	return callNext(cur ? cur.number : null);
}

function callNext(finished) {
	return act('next', undefined, ({ status, data }) => {
		const before = finished ? t('counter.msg.served', { number: finished }) + ' ' : '';
		if (status === 204) {
			state.counter.current = null;
			say(before + t('counter.msg.nobody'), 'warn');
		} else {
			state.counter.current = data;
			say(before + t('counter.msg.called', { number: data.number }), 'ok');
		}
		render();
	});
}

async function absentThenNext() {
	await done('no_show');
	if (!state.counter.current)
		await callNext(null);
}

function recall() {
	return act('recall', undefined, ({ data }) => say(t('counter.msg.recalled', { number: data.number }), 'ok'));
}

function done(outcome) {
	return act('done', { outcome }, ({ data }) => {
		state.counter.current = null;
		say(t(outcome === 'served' ? 'counter.msg.served' : 'counter.msg.no_show', { number: data.number }), 'ok');
		render();
	});
}

function transfer(service) {
	return act('transfer', { service }, ({ data }) => {
		state.counter.current = null;
		say(t('counter.msg.transferred', { number: data.number, service: serviceName(service) }), 'ok');
		render();
	});
}

function togglePause() {
	const paused = state.counter.paused;
	return act(paused ? 'resume' : 'pause', undefined, ({ data }) => {
		if (data && typeof data.paused === 'boolean')
			state.counter.paused = data.paused;
		say(t(state.counter.paused ? 'counter.msg.paused' : 'counter.msg.resumed'), 'ok');
		render();
	});
}

function openTransfer() {
	if (!state.counter || !state.counter.current || state.busy)
		return;
	const dlg = $('transfer');
	$('transfer-h').textContent = t('counter.transfer.title', { number: numberOf() });
	const list = $('transfer-list');
	list.textContent = '';
	transferTargets().forEach((s, i) => {
		const b = document.createElement('button');
		b.type = 'button';
		b.className = 'btn transfer-choice';
		b.dataset.service = s.id;
		b.innerHTML = '<span class="tc-id"></span><span class="tc-name"></span>';
		b.querySelector('.tc-id').textContent = s.id;
		b.querySelector('.tc-name').textContent = s.name;
		if (i < 9) {
			const k = document.createElement('kbd');
			k.textContent = String(i + 1);
			b.appendChild(k);
			b.setAttribute('aria-keyshortcuts', String(i + 1));
		}
		b.addEventListener('click', () => {
			dlg.close();
			transfer(s.id);
		});
		list.appendChild(b);
	});
	dlg.showModal();
	const first = list.querySelector('button');
	if (first)
		first.focus();
}

// ---- keyboard -----------------------------------------------------------------

const SHORTCUTS = {
	n: () => next(),
	r: () => recall(),
	s: () => done('served'),
	x: () => done('no_show'),
	t: () => openTransfer(),
	p: () => togglePause(),
};

document.addEventListener('keydown', (ev) => {
	if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat)
		return;
	const confirm = $('confirm');
	if (confirm.open) {
		const b = confirm.querySelector(`.confirm-choice[data-key="${ev.key.toLowerCase()}"]`);
		if (b) {
			ev.preventDefault();
			b.click();
		}
		return;
	}
	const dlg = $('transfer');
	if (dlg.open) {
		const n = Number(ev.key);
		const choices = dlg.querySelectorAll('.transfer-choice');
		if (n >= 1 && n <= choices.length) {
			ev.preventDefault();
			choices[n - 1].click();
		}
		return;
	}
	if ($('console').hidden || ev.target.closest('input, select, textarea'))
		return;
	const run = SHORTCUTS[ev.key.toLowerCase()];
	if (!run)
		return;
	const button = document.querySelector(`[data-key="${ev.key.toLowerCase()}"]`);
	ev.preventDefault();
	if (button && !button.disabled)
		run();
});

// ---- wiring -----------------------------------------------------------------

let refreshTimer = 0;
function refreshSoon() {
	clearTimeout(refreshTimer);
	refreshTimer = setTimeout(() => live.refresh(), REFRESH_DEBOUNCE_MS);
}

async function reload() {
	if (!state.token) {
		// Not logged in: only the services, which also tell whether the
		// daemon answers.
		const { data } = await get('/api/v1/services');
		state.services = data;
		return;
	}
	const [services, counter] = await Promise.all([
		get('/api/v1/services'),
		get(counterView(), { token: state.token }).catch((e) => e),
	]);
	state.services = services.data;
	if (counter instanceof Error) {
		const auth = authProblem(counter);
		if (auth) {
			localStorage.removeItem(STORE_KEY);
			state.token = '';
			showLogin(auth);
			return;
		}
		throw counter;
	}
	setCounter(counter.data);
	recovered();
	render();
}

const live = connectLive({
	reload,
	onEvent: (type, data) => {
		if (type === 'printer' && data && data.name) {
			state.printers[data.name] = data;
			if (state.counter)
				renderAlerts();
			return;
		}
		refreshSoon();
	},
	onStatus: (online) => {
		$('offline').hidden = online;
		if (online)
			recovered();
	},
	pollMs: 3000,
});

function tick() {
	const now = new Date();
	$('clock').textContent = timeFmt.format(now);
	$('clock').dateTime = now.toISOString();
}

for (const el of document.querySelectorAll('[data-t]'))
	el.textContent = t(el.dataset.t);

$('login-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	login($('login-id').value.trim(), $('login-token').value.trim());
});
$('logout').addEventListener('click', askLogout);
$('act-next').addEventListener('click', next);
$('act-recall').addEventListener('click', recall);
$('act-served').addEventListener('click', () => done('served'));
$('act-noshow').addEventListener('click', () => done('no_show'));
$('act-transfer').addEventListener('click', openTransfer);
$('act-pause').addEventListener('click', togglePause);

tick();
setInterval(tick, 5000);
// Waiting times grow by themselves.
setInterval(() => { if (state.counter) { renderCurrent(); renderQueue(); } }, 30000);

const saved = loadLogin();
const wanted = new URLSearchParams(location.search).get('counter');
if (saved && (!wanted || wanted === saved.id))
	login(saved.id, saved.token, { saved: true });
else
	showLogin();
