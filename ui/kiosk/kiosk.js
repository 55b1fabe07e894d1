// The kiosk: a citizen takes a queue ticket for a service, a priority
// ticket, or checks in with a booking code (keypad or scanner). The page
// is /kiosk?kiosk=k1; the kiosk id names the [kiosk.ID] of the config and
// with it the printer.

import { get, post } from '/shared/api.js';
import { connectLive } from '/shared/events.js';
import {
	t, setLang, getLang, describeKioskError, lateText, minutes, officeMoment,
} from '/shared/i18n.js';
import { office } from '/shared/office.js';
import { initSms, renderSms, smsTicketShown } from '/kiosk/sms.js';

const IDLE_MS = 20000;        // back to the start screen after this long untouched
const IDLE_UNPRINTED_MS = 90000; // a ticket not printed stays longer: the number must be written down
const IDLE_SHOWN_MS = 10000;  // the countdown shows for this long
const PRINT_WATCH_MS = 3000;  // a print still "pending" after this is in doubt
const PRINT_POLL_MS = 400;
const PRINT_POLL_SLOW_MS = 1500;
const PRINT_GIVE_UP_MS = 20000;
const GUARD_MS = 500;         // taps ignored after a screen change (a double tap's second half)
const BUSY_SHOWN_MS = 250;    // the "please wait" overlay only for slow answers
const SCAN_BURST_GAP_MS = 1000; // keys closer than this are one scan

const KEY_ROWS = ['1234567890', 'QWERTYUIOP', 'ASDFGHJKL⌫', 'ZXCVBNM'];

const kioskId = new URLSearchParams(location.search).get('kiosk') || 'k1';
const $ = (id) => document.getElementById(id);
const main = $('main');

const state = {
	services: [],
	screen: 'home',
	busy: false,
	code: '',
	ticket: null,        // the ticket screen's ticket
	already: false,      // the ticket is one the booking was already checked in with
	printer: null,       // the last `printer` event about this kiosk's printer
	printWatch: 'done',  // 'watching' | 'done' | 'timeout'
	message: null,       // what the message screen says, kept to re-render in another language
	guardUntil: 0,
	lastInput: Date.now(),
};

// ---- screens ------------------------------------------------------------

function show(screen) {
	for (const s of main.querySelectorAll('.screen'))
		s.hidden = s.id !== screen;
	state.screen = screen;
	state.guardUntil = performance.now() + GUARD_MS;
	noteActivity();
	document.body.dataset.screen = screen;
	document.body.dataset.guardUntil = String(state.guardUntil);
	const heading = $(screen).querySelector('h2, .lead');
	if (heading) {
		heading.tabIndex = -1;
		heading.focus({ preventScroll: true });
	}
}

function goHome() {
	state.code = '';
	state.ticket = null;
	state.already = false;
	state.message = null;
	renderCode();
	show('home');
}

function noteActivity() {
	state.lastInput = Date.now();
}

// A screen left untouched goes back to the start, and to Romanian for the
// next citizen.
function checkIdle() {
	const unprinted = state.screen === 'ticket' && state.ticket && state.ticket.printed === 'failed';
	const left = (unprinted ? IDLE_UNPRINTED_MS : IDLE_MS) - (Date.now() - state.lastInput);
	if (left <= 0 && !state.busy) {
		if (state.screen !== 'home')
			goHome();
		if (getLang() !== 'ro') {
			setLang('ro');
			renderAll();
		}
		noteActivity();
		return;
	}
	const text = state.screen !== 'home' && left <= IDLE_SHOWN_MS
		? t('kiosk.idle', { n: Math.ceil(left / 1000) }) : '';
	for (const p of main.querySelectorAll('.screen:not([hidden]) .idle'))
		p.textContent = text;
}

// Every button is disabled while a request runs, so that a double tap
// never makes two tickets; the overlay shows only when it takes a while.
let busyTimer = 0;
function setBusy(busy, text = '') {
	state.busy = busy;
	main.setAttribute('aria-busy', String(busy));
	for (const b of main.querySelectorAll('button'))
		b.disabled = busy;
	clearTimeout(busyTimer);
	if (busy) {
		$('busy-text').textContent = text;
		busyTimer = setTimeout(() => { $('busy').hidden = false; }, BUSY_SHOWN_MS);
	} else {
		$('busy').hidden = true;
	}
}

// ---- rendering ----------------------------------------------------------

function renderStatic() {
	for (const el of document.querySelectorAll('[data-t]'))
		el.textContent = t(el.dataset.t);
	const other = getLang() === 'ro' ? 'en' : 'ro';
	const lang = $('lang');
	lang.lang = other;
	lang.setAttribute('aria-label', t('lang.switch.label'));
	$('office-name').textContent = office.name;
	$('footer').textContent = t('kiosk.footer', { site: office.booking });
	$('del-key').setAttribute('aria-label', t('kiosk.code.del'));
}

// A service's name and information text in the page's language.
const nameOf = (s) => (getLang() === 'en' && s.name_en) || s.name;
const infoOf = (s) => (getLang() === 'en' && s.info_en) || s.info;

// Whether a tap on the tile gets a ticket: the daemon's own decision
// (API.md, Service `open`, `priority_open`).
const isOpen = (s, priority) => (priority ? s.priority_open ?? s.open : s.open);

function serviceMeta(s, priority) {
	if (!isOpen(s, priority))
		return s.closed_reason === 'cutoff' ? t('kiosk.closed.cutoff')
			: s.closed_reason === 'estimate' ? t('kiosk.closed.estimate')
				: s.closed_reason === 'wait_too_long' ? t('kiosk.closed.wait')
					: t('kiosk.closed');
	if (!s.waiting)
		return t('kiosk.nobody');
	const wait = s.est_wait_min === null || s.est_wait_min === undefined
		? '' : ' · ~' + minutes(s.est_wait_min);
	return t('kiosk.waiting', { n: s.waiting }) + wait;
}

// The banners of the start screen: the office closed (and when it opens
// again), the end of today's tickets, this kiosk's printer down.
function renderBanners() {
	const tickets = state.services.filter((s) => s.kind !== 'info');
	let closed = '';
	if (tickets.length && tickets.every((s) => s.closed_reason === 'closed')) {
		const at = officeMoment(tickets[0].opens_at, office.timeZone);
		closed = at ? t('kiosk.closed.banner.at', at) : t('kiosk.closed.banner');
	} else if (tickets.length && tickets.every((s) => s.closed_reason === 'cutoff')) {
		closed = t('kiosk.cutoff.banner');
	}
	setText('closed-banner', closed);
	const p = state.printer;
	const down = p && ['paper_out', 'cover_open', 'offline'].includes(p.state);
	setText('printer-banner', down ? t('kiosk.printer.down') : '');
}

function tile(cls, onTap) {
	const b = document.createElement('button');
	b.type = 'button';
	b.className = 'tile ' + cls;
	b.innerHTML = '<span class="tile-prefix" aria-hidden="true"></span>' +
		'<span class="tile-text"><span class="tile-name"></span>' +
		'<span class="tile-meta"></span></span>';
	b.addEventListener('click', onTap);
	return b;
}

function fillTile(b, prefix, name, meta) {
	b.querySelector('.tile-prefix').textContent = prefix;
	b.querySelector('.tile-name').textContent = name;
	b.querySelector('.tile-meta').textContent = meta;
}

// Tiles are updated in place when the list of services is the same, so that
// a tile never moves under a finger when the waiting counts change.
function renderTiles(box, services, make, fill) {
	const ids = services.map((s) => s.id).join('\n');
	if (box.dataset.ids !== ids) {
		box.textContent = '';
		for (const s of services) {
			const b = make(s);
			b.dataset.service = s.id;
			box.appendChild(b);
		}
		box.dataset.ids = ids;
	}
	services.forEach((s, i) => fill(box.children[i], s));
	for (const b of box.children)
		b.disabled = state.busy;
}

function renderServices() {
	const tickets = state.services.filter((s) => s.kind !== 'info');
	const infos = state.services.filter((s) => s.kind === 'info');
	const fillService = (priority) => (b, s) => {
		fillTile(b, s.prefix || s.id, nameOf(s), serviceMeta(s, priority));
		b.classList.toggle('is-closed', !isOpen(s, priority));
	};
	renderTiles($('services'), tickets,
		(s) => tile('tile-service', () => issue(s.id, false)), fillService(false));
	renderTiles($('priority-services'), tickets,
		(s) => tile('tile-service', () => issue(s.id, true)), fillService(true));
	renderTiles($('infos'), infos,
		(s) => tile('tile-info', () => showInfo(s.id)),
		(b, s) => fillTile(b, 'i', nameOf(s), t('kiosk.info.badge')));
	document.body.dataset.services = String(tickets.length);
	renderBanners();
}

function serviceName(id) {
	const s = state.services.find((x) => x.id === id);
	return s ? nameOf(s) : id;
}

function setText(id, text) {
	const el = $(id);
	el.textContent = text || '';
	el.hidden = !text;
}

// What the ticket screen says about the paper: ok, pending (still being
// watched), unsure (pending for too long), failed, or none (no printer).
function printState(tk) {
	if (tk.printed === 'pending')
		return state.printWatch === 'watching' ? 'pending' : 'unsure';
	return ['failed', 'none'].includes(tk.printed) ? tk.printed : 'ok';
}

function renderTicket() {
	const tk = state.ticket;
	if (!tk)
		return;
	$('ticket-h').textContent = state.already ? t('kiosk.already.title') : t('kiosk.ticket.title');
	$('ticket-number').textContent = tk.number;
	$('ticket-number').dataset.len = String(Math.min(tk.number.length, 7));
	$('ticket-service').textContent = serviceName(tk.service);
	setText('ticket-kind', tk.kind === 'priority' ? t('kiosk.ticket.priority')
		: tk.kind === 'appointment' ? t('kiosk.ticket.appointment') : '');
	$('ticket-ahead').textContent = tk.ahead > 0
		? t('kiosk.ahead', { people: t('people', { n: tk.ahead }) })
		: t('kiosk.ahead.none');
	setText('ticket-wait', tk.ahead > 0 && tk.est_wait_min != null
		? t('kiosk.wait', { minutes: minutes(tk.est_wait_min) }) : '');
	setText('ticket-late', tk.late ? lateText(tk, office.timeZone) : '');

	renderQr(tk);
	const box = $('ticket-print');
	if (state.already) {
		box.className = 'print print-already';
		box.setAttribute('role', 'status');
		box.textContent = t('kiosk.already.text');
		$('ticket').classList.remove('is-print-failed');
		return;
	}
	const ps = printState(tk);
	box.className = 'print print-' + ps;
	box.setAttribute('role', ps === 'failed' ? 'alert' : 'status');
	box.textContent = '';
	if (ps === 'pending')
		box.insertAdjacentHTML('beforeend', '<span class="spinner" aria-hidden="true"></span>');
	if (ps === 'failed')
		box.appendChild(document.createElement('strong')).textContent = t('kiosk.print.failed.title');
	box.appendChild(document.createElement('span')).textContent = t('kiosk.print.' + ps);
	if (ps === 'failed')
		box.appendChild(document.createElement('span')).textContent = ' ' + t('kiosk.print.failed.keep');
	$('ticket').classList.toggle('is-print-failed', tk.printed === 'failed');
}

// The ticket's QR code, drawn by the daemon; hidden when it has none (no
// [office] ticket_url) or cannot be fetched.
function renderQr(tk) {
	const fig = $('ticket-qr');
	const img = $('ticket-qr-img');
	const src = tk.token && office.ticketQr ? '/api/v1/t/' + encodeURIComponent(tk.token) + '/qr.svg' : '';
	$('ticket-qr-text').textContent = t(tk.printed === 'failed' ? 'kiosk.qr.failed' : 'kiosk.qr');
	if (img.dataset.src === src)
		return;
	img.dataset.src = src;
	fig.hidden = true;
	if (!src) {
		img.removeAttribute('src');
		return;
	}
	img.onload = () => { if (img.dataset.src === src) fig.hidden = false; };
	img.onerror = () => { fig.hidden = true; };
	img.src = src;
}

// What the lost-turn flow says: the ticket back in the queue, or why not.
function returnText(m) {
	if (m.returned) {
		const tk = m.returned;
		return {
			title: t('kiosk.lost.done.title', { number: tk.number }),
			text: tk.ahead > 0 ? t('kiosk.lost.done.ahead', { n: tk.ahead }) : t('kiosk.lost.done.next'),
		};
	}
	const e = m.error;
	const code = e && e.code;
	const text = !e ? t('kiosk.lost.error.empty')
		: e.network ? t('error.network')
			: e.status === 404 ? t('kiosk.lost.error.not_found')
				: code === 'conflict' ? t('kiosk.lost.error.conflict')
					: code === 'return_window_passed' ? t('kiosk.lost.error.window', { minutes: minutes(e.wait_min ?? office.returnWindow) })
						: code === 'closed' ? t('kiosk.lost.error.closed')
							: t('error.generic');
	return { title: t('kiosk.lost.error.title'), text };
}

function renderMessage() {
	const m = state.message;
	if (!m)
		return;
	let text;
	if (m.what === 'return') {
		text = returnText(m);
	} else if (m.info) {
		const s = state.services.find((x) => x.id === m.info) || {};
		text = { title: nameOf(s) || m.info, text: infoOf(s) || '', kicker: t('kiosk.info.title') };
	} else {
		text = describeKioskError(m.error, m.what, serviceName(m.service), office.timeZone);
	}
	$('message-box').className = 'message-box ' + (m.info || m.returned ? 'is-info' : 'is-error');
	$('message-h').textContent = text.kicker ? text.kicker + ': ' + text.title : text.title;
	$('message-text').textContent = text.text;
	setText('message-booking', text.booking ? t('closed.booking', { site: office.booking }) : '');
}

function renderCode() {
	const v = $('code-value');
	// Codes run up to office.codeMax (32) characters: past a dozen they
	// are set smaller, in groups of four that wrap as words, never past
	// the box (spaces are not part of a code: the daemon ignores them).
	const long = state.code.length > 12;
	v.textContent = !state.code ? t('kiosk.code.empty')
		: long ? state.code.match(/.{1,4}/g).join(' ') : state.code;
	v.classList.toggle('is-empty', !state.code);
	v.classList.toggle('is-long', long);
}

function renderLost() {
	$('lost-text').textContent = t('kiosk.lost.text', { minutes: minutes(office.returnWindow) });
}

function renderAll() {
	renderStatic();
	renderLost();
	renderServices();
	renderTicket();
	renderMessage();
	renderCode();
	renderSms();
}

// ---- actions ------------------------------------------------------------

async function issue(service, priority) {
	if (state.busy)
		return;
	setBusy(true, t('kiosk.issuing'));
	try {
		const { data } = await post('/api/v1/tickets', { service, kiosk: kioskId, priority });
		showTicket(data);
	} catch (e) {
		showError(e, 'issue', service);
	} finally {
		setBusy(false);
	}
}

async function checkin(code) {
	if (state.busy)
		return;
	if (!code) {
		renderCode();
		return;
	}
	setBusy(true, t('kiosk.code.checking'));
	try {
		const { data } = await post('/api/v1/checkins', { code, kiosk: kioskId });
		showTicket(data);
	} catch (e) {
		showError(e, 'checkin');
	} finally {
		setBusy(false);
	}
}

function showTicket(ticket, already = false) {
	state.ticket = ticket;
	state.already = already;
	state.code = '';
	state.printWatch = ticket.printed === 'pending' && !already ? 'watching' : 'done';
	smsTicketShown(ticket, already);
	renderTicket();
	show('ticket');
	if (ticket.printed === 'pending' && !already)
		watchPrinting(ticket);
	live.refresh();
}

// A ticket is committed before it is printed: its printed state says,
// within a few seconds, whether the paper came out. After PRINT_WATCH_MS
// the citizen is told to note the number if nothing came out; the page
// keeps asking, more slowly, while the ticket is on the screen.
async function watchPrinting(ticket) {
	const start = performance.now();
	while (performance.now() - start < PRINT_GIVE_UP_MS) {
		const waited = performance.now() - start;
		await new Promise((r) => setTimeout(r, waited < PRINT_WATCH_MS ? PRINT_POLL_MS : PRINT_POLL_SLOW_MS));
		if (state.ticket !== ticket)
			return;
		if (state.printWatch === 'watching' && performance.now() - start >= PRINT_WATCH_MS) {
			state.printWatch = 'timeout';
			renderTicket();
		}
		try {
			// The ticket's own address: GET /api/v1/tickets/{id} is
			// for staff, and a kiosk outside kiosk_clients is none.
			const { data } = await get('/api/v1/t/' + ticket.token);
			if (state.ticket !== ticket)
				return;
			if (data.printed !== 'pending') {
				ticket.printed = data.printed;
				state.printWatch = 'done';
				renderTicket();
				return;
			}
		} catch (e) {
			// The number is on the screen; the next try may answer.
		}
	}
}

function showError(error, what, service = null) {
	// Already checked in: the number as large as a new ticket's.
	if (what === 'checkin' && error.status === 409 && error.ticket && error.ticket.number) {
		showTicket(error.ticket, true);
		return;
	}
	state.message = { error, what, service };
	renderMessage();
	show('message');
	$('message').dataset.back = what === 'checkin' && [400, 404].includes(error.status) ? 'code' : 'home';
}

// A ticket's token in what a scanner read: its address (…/t/TOKEN), or on
// the lost-turn screen also the token alone (22 characters of base64url;
// elsewhere that could be a booking code of the same length).
function tokenFromScan(raw, bare = false) {
	const re = bare ? /(?:^|\/t\/)([A-Za-z0-9_-]{22})(?:[?#\s]|$)/ : /\/t\/([A-Za-z0-9_-]{22})(?:[?#\s]|$)/;
	const m = re.exec((raw || '').trim());
	return m ? m[1] : '';
}

function openLost() {
	$('lost-input').value = '';
	renderLost();
	show('lost');
	$('lost-input').focus({ preventScroll: true });
}

// The citizen brings a no-show ticket back with its QR code
// (POST /api/v1/t/{token}/return).
async function returnTicket(token) {
	if (state.busy)
		return;
	if (!token) {
		state.message = { what: 'return', error: null };
		renderMessage();
		show('message');
		$('message').dataset.back = 'lost';
		return;
	}
	setBusy(true, t('kiosk.lost.busy'));
	try {
		const { data } = await post('/api/v1/t/' + encodeURIComponent(token) + '/return', { kiosk: kioskId });
		state.message = { what: 'return', returned: data };
		renderMessage();
		show('message');
		$('message').dataset.back = 'home';
	} catch (e) {
		state.message = { what: 'return', error: e };
		renderMessage();
		show('message');
		$('message').dataset.back = e.status === 404 || e.status === 400 ? 'lost' : 'home';
	} finally {
		setBusy(false);
	}
}

function showInfo(id) {
	state.message = { info: id };
	renderMessage();
	show('message');
	$('message').dataset.back = 'home';
}

function openCode(code = '') {
	state.code = code;
	renderCode();
	show('code');
}

function typeKey(k) {
	if (k === '⌫')
		state.code = state.code.slice(0, -1);
	else if (state.code.length < office.codeMax)
		state.code += k;
	renderCode();
}

// ---- the keypad and a scanner ---------------------------------------------

function buildKeypad() {
	const pad = $('keypad');
	for (const row of KEY_ROWS) {
		const r = document.createElement('div');
		r.className = 'keypad-row';
		for (const k of row) {
			const b = document.createElement('button');
			b.type = 'button';
			b.className = 'key' + (k === '⌫' ? ' key-del' : '');
			b.textContent = k;
			if (k === '⌫')
				b.id = 'del-key';
			b.addEventListener('click', () => typeKey(k));
			r.appendChild(b);
		}
		pad.appendChild(r);
	}
}

// What a scanner read: the code itself, or a link that ends with it.
function codeFromScan(raw) {
	const parts = raw.split(/[/?&=#:]/).map((p) => p.replace(/[^0-9A-Za-z]/g, '')).filter(Boolean);
	return (parts.pop() || '').toUpperCase().slice(0, office.codeMax);
}

// A scanner "types" the code (or a link that ends with it) and Enter, as
// a keyboard would: a burst of keys, then Enter. On the start screen such a
// burst checks the code in; on the code screen it replaces what was there.
// A kiosk has no other keyboard, so no speed test is needed (a loaded
// machine delivers a scanner's keys unevenly anyway).
const scan = { text: '', last: 0 };
function onKey(ev) {
	noteActivity();
	if (ev.ctrlKey || ev.altKey || ev.metaKey)
		return;
	const now = performance.now();
	if (now - scan.last > SCAN_BURST_GAP_MS)
		scan.text = '';
	scan.last = now;
	if (ev.key === 'Enter') {
		// A ticket's QR code: it comes back, from any screen.
		const lost = state.screen === 'lost';
		const token = tokenFromScan(scan.text, lost) || (lost ? tokenFromScan($('lost-input').value, true) : '');
		if (token || state.screen === 'lost') {
			scan.text = '';
			ev.preventDefault();
			returnTicket(token);
			return;
		}
		const scanned = scan.text.length >= 4 ? codeFromScan(scan.text) : '';
		scan.text = '';
		if (state.screen !== 'code' && !scanned)
			return;
		ev.preventDefault();
		if (state.busy)
			return;
		if (state.screen !== 'code')
			openCode(scanned);
		else if (scanned)
			state.code = scanned;
		checkin(state.code);
		return;
	}
	if (ev.key.length !== 1)
		return;
	scan.text += ev.key;
	if (state.screen === 'code') {
		ev.preventDefault();
		if (!state.busy && /^[0-9A-Za-z]$/.test(ev.key))
			typeKey(ev.key.toUpperCase());
	}
}

// ---- wiring -------------------------------------------------------------

function tick() {
	const now = new Date();
	const clock = $('clock');
	clock.textContent = new Intl.DateTimeFormat('ro-RO', {
		hour: '2-digit', minute: '2-digit', timeZone: office.timeZone,
	}).format(now);
	clock.dateTime = now.toISOString();
}

const live = connectLive({
	reload: async () => {
		const { data } = await get('/api/v1/services');
		state.services = Array.isArray(data) ? data : [];
		renderServices();
		if (state.screen === 'message')
			renderMessage();
	},
	onEvent: (type, data) => {
		if (type === 'printer') {
			if (data && Array.isArray(data.kiosks) && data.kiosks.includes(kioskId)) {
				state.printer = data;
				renderBanners();
			}
			return;
		}
		if (type !== 'queue' || !data || !Array.isArray(data.services))
			return;
		for (const q of data.services) {
			const s = state.services.find((x) => x.id === q.id);
			if (s) {
				for (const k of ['waiting', 'est_wait_min', 'open', 'closed_reason', 'priority_open', 'opens_at'])
					if (k in q)
						s[k] = q[k];
			}
		}
		renderServices();
	},
	onStatus: (online) => {
		$('offline').hidden = online;
		document.body.classList.toggle('is-offline', !online);
	},
});

buildKeypad();
initSms({ show, setBusy, isBusy: () => state.busy });
renderAll();
show('home');
tick();
setInterval(tick, 5000);
setInterval(checkIdle, 500);

$('booking-tile').addEventListener('click', () => openCode());
$('lost-tile').addEventListener('click', () => openLost());
$('lost-ok').addEventListener('click', () => returnTicket(tokenFromScan($('lost-input').value, true)));
$('priority-tile').addEventListener('click', () => show('priority'));
$('code-ok').addEventListener('click', () => checkin(state.code));
$('code-clear').addEventListener('click', () => { state.code = ''; renderCode(); });
$('lang').addEventListener('click', () => {
	setLang(getLang() === 'ro' ? 'en' : 'ro');
	renderAll();
});
main.addEventListener('click', (ev) => {
	const b = ev.target.closest('[data-action="home"]');
	if (!b)
		return;
	// After a wrong code the citizen corrects it; otherwise, the start.
	if (state.screen === 'message' && $('message').dataset.back === 'code')
		openCode(state.code);
	else if (state.screen === 'message' && $('message').dataset.back === 'lost')
		openLost();
	else
		goHome();
});
// The second half of a double tap must not press what appeared under it.
document.addEventListener('click', (ev) => {
	if (performance.now() < state.guardUntil) {
		ev.preventDefault();
		ev.stopPropagation();
	}
}, true);
document.addEventListener('pointerdown', noteActivity, true);
document.addEventListener('keydown', onKey);
document.addEventListener('contextmenu', (ev) => ev.preventDefault());
