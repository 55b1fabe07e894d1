// The floor manager's page: the floor now (services, counters, printers,
// today's bookings), the alerts, and the actions (pause or resume a
// counter, change its services for the day, reprint or cancel a ticket).
// Live on the event stream: every event reloads GET /api/v1/supervisor,
// and a timer keeps the minutes current. The token is asked once and kept
// in this browser's localStorage.

import { get, post } from '/shared/api.js';
import { connectLive } from '/shared/events.js';
import { minutes, officeMoment, t } from '/shared/i18n.js';
import { office } from '/shared/office.js';

const STORE_KEY = 'bonomat.supervisor';
const REFRESH_DEBOUNCE_MS = 200;
const MINUTE_REFRESH_MS = 20000;
const EVENTS = ['called', 'recalled', 'queue', 'printer', 'counter', 'alert'];

const $ = (id) => document.getElementById(id);

const state = {
	token: '',
	view: null, // GET /api/v1/supervisor
	servicesOf: '', // the counter whose services the dialog changes
	cancelTicket: null, // {id, number} the cancel dialog is about
};

// ---- words -------------------------------------------------------------------

const time = (rfc3339) => officeMoment(rfc3339, office.timeZone)?.time ?? '—';
const sinceMin = (rfc3339) => {
	const now = Date.parse(state.view?.now);
	const at = Date.parse(rfc3339);
	return Number.isFinite(now) && Number.isFinite(at) ? Math.max(0, Math.floor((now - at) / 60000)) : 0;
};
const serviceName = (id) => state.view?.services.find((s) => s.id === id)?.name ?? id;
const counterName = (id) => state.view?.counters.find((c) => c.id === id)?.name ?? `Ghișeul ${id}`;

function alertText(a) {
	switch (a.kind) {
	case 'max_wait':
		return `„${serviceName(a.subject)}”: un bon așteaptă de ${minutes(sinceMin(a.since))}, din ora ${time(a.since)}.`;
	case 'booking_late':
		return `Bonul ${a.subject} al unei programări de la ora ${time(a.since)} nu a fost chemat încă (${minutes(sinceMin(a.since))} de la ora programării).`;
	case 'printer_down':
		return `Imprimanta „${a.subject}” nu funcționează din ora ${time(a.since)}.`;
	case 'counter_paused':
		return `${counterName(a.subject)} este în pauză de ${minutes(sinceMin(a.since))}, din ora ${time(a.since)}.`;
	default:
		return `Alertă: ${a.subject}.`;
	}
}

const ADMISSION = {
	closed: 'Închis acum',
	cutoff: 'Nu se mai dau azi (ora limită)',
	estimate: 'Nu se mai dau azi (așteptarea trece de închidere)',
	wait_too_long: 'Oprite: așteptare prea lungă',
};

const BOOKING = {
	due: 'Urmează',
	late: 'Întârziată',
	checked_in: 'Prezentă',
	no_show: 'Absentă',
	cancelled: 'Anulată',
};

// What a refused action means, in the page's words (never the daemon's).
function problem(e, what) {
	if (e.network)
		return 'Serverul nu răspunde. Încercați din nou peste câteva secunde.';
	if (e.status === 401)
		return 'Codul de acces nu mai este valid. Conectați-vă din nou.';
	if (e.status === 403)
		return 'Acest cod de acces nu permite operația.';
	if (what === 'cancel' && e.status === 409)
		return 'Bonul nu mai așteaptă: a fost chemat sau încheiat. Un bon chemat îl încheie ghișeul (absent).';
	if (what === 'reprint' && e.status === 422)
		return 'Bonul nu poate fi retipărit: chioșcul lui nu are imprimantă.';
	if (what === 'reprint' && e.status === 409)
		return 'Bonul se tipărește chiar acum; încercați peste câteva secunde.';
	if (e.status === 404)
		return 'Nu am găsit bonul sau ghișeul.';
	if (e.status === 503)
		return 'Baza de date nu acceptă scrieri acum. Încercați din nou peste câteva secunde.';
	return 'Operația nu a reușit.';
}

function say(text, bad = false) {
	const s = $('status');
	s.textContent = text;
	s.classList.toggle('is-bad', bad);
}

// ---- the token -----------------------------------------------------------------

function loadToken() {
	try {
		const v = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
		return v && typeof v.token === 'string' ? v.token : '';
	} catch (e) {
		return '';
	}
}

function showLogin(message = '') {
	$('board').hidden = true;
	$('login').hidden = false;
	$('login-token').value = '';
	$('login-error').textContent = message;
	$('login-error').hidden = !message;
	$('login-token').focus();
}

function authProblem(e) {
	if (e.status === 401)
		return 'Codul de acces nu este valid. Introduceți-l din nou.';
	if (e.status === 403)
		return 'Acest cod de acces nu este al unui supervizor.';
	return null;
}

// ---- rendering -------------------------------------------------------------------

function cell(tr, text, cls) {
	const td = document.createElement('td');
	td.textContent = text;
	if (cls)
		td.className = cls;
	tr.append(td);
	return td;
}

function button(text, cls, onClick) {
	const b = document.createElement('button');
	b.type = 'button';
	b.className = 'btn btn-small ' + (cls || '');
	b.textContent = text;
	b.addEventListener('click', onClick);
	return b;
}

function renderAlerts(v) {
	const ul = $('alerts');
	ul.replaceChildren(...v.alerts.map((a) => {
		const li = document.createElement('li');
		li.className = 'alert alert-' + a.kind;
		li.dataset.kind = a.kind;
		li.dataset.subject = a.subject;
		li.textContent = alertText(a);
		return li;
	}));
	$('alerts-none').hidden = v.alerts.length > 0;
}

function renderServices(v) {
	$('services').replaceChildren(...v.services.map((s) => {
		const tr = document.createElement('tr');
		tr.dataset.service = s.id;
		cell(tr, s.name, 'name');
		cell(tr, String(s.waiting), 'num waiting');
		cell(tr, s.longest_wait_min == null ? '—' : `${s.longest_number}: ${minutes(s.longest_wait_min)}`,
			s.over_max_wait > 0 ? 'is-late' : '');
		cell(tr, s.est_wait_min == null ? 'niciun ghișeu deschis'
			: s.est_wait_min === 0 ? 'fără așteptare' : minutes(s.est_wait_min));
		cell(tr, s.open ? 'Se dau' : (ADMISSION[s.closed_reason] || 'Închis acum'), s.open ? '' : 'is-closed');
		return tr;
	}));
}

function counterState(c) {
	if (c.paused)
		return c.paused_since ? `În pauză din ${time(c.paused_since)}` : 'În pauză';
	return c.current ? 'Servește' : 'Liber';
}

function renderCounters(v) {
	$('counters').replaceChildren(...v.counters.map((c) => {
		const tr = document.createElement('tr');
		tr.dataset.counter = c.id;
		tr.className = 'state-' + c.state;
		cell(tr, c.name, 'name');
		cell(tr, counterState(c), 'state');
		cell(tr, c.current ? `${c.current.number} · ${minutes(c.current_min ?? 0)}` : '—', 'current');
		cell(tr, String(c.served_today), 'num');
		const svc = cell(tr, c.services.join(', '), 'svc');
		svc.title = c.services.map(serviceName).join(', ');
		const act = cell(tr, '', 'actions');
		act.append(
			button(c.paused ? 'Reia' : 'Pauză', c.paused ? 'btn-resume' : 'btn-pause',
				() => setPaused(c, !c.paused)),
			button('Servicii…', 'btn-services', () => openServices(c)));
		return tr;
	}));
}

function renderPrinters(v) {
	$('printers').replaceChildren(...v.printers.map((p) => {
		const li = document.createElement('li');
		li.className = 'printer printer-' + p.state;
		li.dataset.printer = p.name;
		li.textContent = `${p.location ? p.location + ' (' + p.name + ')' : p.name}: ${t('printer.' + p.state)}`;
		return li;
	}));
}

function renderBookings(v) {
	const q = $('booking-search').value.replace(/[\s-]/g, '').toUpperCase();
	const all = v.bookings;
	const shown = q ? all.filter((b) => b.code.includes(q)) : all;
	$('bookings-count').textContent = all.length ? `(${all.length})` : '';
	$('bookings').replaceChildren(...shown.map((b) => {
		const tr = document.createElement('tr');
		tr.dataset.code = b.code;
		tr.className = 'booking-' + b.status;
		cell(tr, time(b.start));
		cell(tr, b.code, 'code');
		cell(tr, b.service ? serviceName(b.service) : '—', 'name');
		cell(tr, b.ticket ? `${BOOKING[b.status]} · ${b.ticket.number}` : BOOKING[b.status] || b.status, 'bstate');
		return tr;
	}));
	const none = $('bookings-none');
	none.hidden = shown.length > 0;
	none.textContent = q ? `Nicio programare de azi cu codul „${q}”.` : 'Nicio programare azi.';
}

function render() {
	const v = state.view;
	if (!v)
		return;
	renderAlerts(v);
	renderServices(v);
	renderCounters(v);
	renderPrinters(v);
	renderBookings(v);
	$('clock').textContent = time(v.now);
	document.body.dataset.alerts = String(v.alerts.length);
}

// ---- loading ---------------------------------------------------------------------

async function reload() {
	try {
		const { data } = await get('/api/v1/supervisor', { token: state.token });
		state.view = data;
		render();
	} catch (e) {
		const auth = authProblem(e);
		if (auth) {
			localStorage.removeItem(STORE_KEY);
			showLogin(auth);
		}
		throw e;
	}
}

let live = null;
let refreshTimer = 0;

function refreshSoon() {
	clearTimeout(refreshTimer);
	refreshTimer = setTimeout(() => live?.refresh(), REFRESH_DEBOUNCE_MS);
}

async function login(token, { saved = false } = {}) {
	state.token = token;
	$('login-submit').disabled = true;
	try {
		await reload();
		localStorage.setItem(STORE_KEY, JSON.stringify({ token }));
		$('login').hidden = true;
		$('board').hidden = false;
		if (!live) {
			live = connectLive({
				reload,
				types: EVENTS,
				onEvent: () => refreshSoon(),
				onStatus: (online) => { $('offline').hidden = online; },
			});
			setInterval(() => live.refresh(), MINUTE_REFRESH_MS);
		}
	} catch (e) {
		if (saved && e.network) {
			// The daemon is not up yet: the saved token is tried again.
			$('offline').hidden = false;
			setTimeout(() => login(token, { saved }), 3000);
			return;
		}
		if (!authProblem(e))
			showLogin(problem(e));
	} finally {
		$('login-submit').disabled = false;
	}
}

// ---- actions ---------------------------------------------------------------------

async function act(what, fn, done) {
	try {
		await fn();
		say(done);
	} catch (e) {
		say(problem(e, what), true);
	}
	live?.refresh();
}

function setPaused(c, paused) {
	act('pause', () => post(`/api/v1/counters/${encodeURIComponent(c.id)}/${paused ? 'pause' : 'resume'}`,
		undefined, { token: state.token }),
	paused ? `${c.name} este în pauză.` : `${c.name} lucrează din nou.`);
}

function openServices(c) {
	state.servicesOf = c.id;
	$('services-dialog-h').textContent = `Serviciile ghișeului „${c.name}” pentru restul zilei`;
	$('services-error').hidden = true;
	$('services-choices').replaceChildren(...state.view.services.map((s) => {
		const label = document.createElement('label');
		const box = document.createElement('input');
		box.type = 'checkbox';
		box.value = s.id;
		box.checked = c.services.includes(s.id);
		label.append(box, ' ' + s.name);
		return label;
	}));
	$('services-dialog').showModal();
}

async function saveServices(ev) {
	if (ev.submitter?.value !== 'save')
		return;
	ev.preventDefault();
	const ids = [...$('services-choices').querySelectorAll('input:checked')].map((b) => b.value);
	const err = $('services-error');
	if (!ids.length) {
		err.textContent = 'Alegeți cel puțin un serviciu.';
		err.hidden = false;
		return;
	}
	const id = state.servicesOf;
	try {
		await post(`/api/v1/counters/${encodeURIComponent(id)}/services`, { services: ids },
			{ token: state.token });
		$('services-dialog').close();
		say(`${counterName(id)} cheamă de acum: ${ids.map(serviceName).join(', ')}.`);
		live?.refresh();
	} catch (e) {
		err.textContent = problem(e, 'services');
		err.hidden = false;
	}
}

// The ticket of today with that number: its id, for the actions.
async function findTicket(number) {
	const { data } = await get('/api/v1/tickets?number=' + encodeURIComponent(number) + '&limit=1',
		{ token: state.token });
	return data.tickets[0] || null;
}

async function ticketAction(ev) {
	ev.preventDefault();
	const what = ev.submitter?.value || 'reprint';
	const number = $('ticket-number').value.trim().toUpperCase();
	if (!/^[A-Z]{1,4}\d{1,10}$/.test(number)) {
		say('Scrieți numărul de pe bon, de exemplu A012.', true);
		return;
	}
	let tk;
	try {
		tk = await findTicket(number);
	} catch (e) {
		say(problem(e, what), true);
		return;
	}
	if (!tk) {
		say(`Nu există azi bonul ${number}.`, true);
		return;
	}
	if (what === 'reprint') {
		act('reprint', () => post(`/api/v1/tickets/${tk.id}/reprint`, undefined, { token: state.token }),
			`Bonul ${tk.number} se retipărește.`);
		return;
	}
	state.cancelTicket = tk;
	$('cancel-dialog-h').textContent = `Anulați bonul ${tk.number}?`;
	$('cancel-error').hidden = true;
	$('cancel-dialog').showModal();
}

async function saveCancel(ev) {
	if (ev.submitter?.value !== 'save')
		return;
	ev.preventDefault();
	const reason = $('cancel-reason').value.trim();
	const err = $('cancel-error');
	if (!reason) {
		err.textContent = 'Scrieți motivul.';
		err.hidden = false;
		return;
	}
	const tk = state.cancelTicket;
	try {
		await post(`/api/v1/tickets/${tk.id}/cancel`, { reason }, { token: state.token });
		$('cancel-dialog').close();
		say(`Bonul ${tk.number} a fost anulat.`);
		live?.refresh();
	} catch (e) {
		err.textContent = problem(e, 'cancel');
		err.hidden = false;
	}
}

// ---- start -----------------------------------------------------------------------

$('office-name').textContent = office.name;
$('login-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	login($('login-token').value.trim());
});
$('logout').addEventListener('click', () => {
	localStorage.removeItem(STORE_KEY);
	location.reload();
});
$('booking-search').addEventListener('input', () => state.view && renderBookings(state.view));
$('services-form').addEventListener('submit', saveServices);
$('cancel-form').addEventListener('submit', saveCancel);
$('ticket-form').addEventListener('submit', ticketAction);

const saved = loadToken();
if (saved)
	login(saved, { saved: true });
else
	showLogin();
