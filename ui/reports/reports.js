// The reports page: the figures of a period of days (GET
// /api/v1/stats?from=&to=) as tiles, three charts drawn with Debian's
// Chart.js (arrivals by hour, waits by day and service, bookings on time)
// and a table per service and kind; the same period as CSV in one click,
// and a print layout. The access code (a supervisor's token, or the
// admin's) is asked once per browser session and kept in sessionStorage.

import { get, ApiError } from '/shared/api.js';
import { t, addWords } from '/shared/i18n.js';
import { office } from '/shared/office.js';

const STORE_KEY = 'bonomat.reports';
const TIMEOUT_MS = 60000; // a year's report on a busy office takes a while
const DAYS_MAX = 366; // GET /api/v1/stats: the longest period

addWords({
	'reports.title': 'Rapoarte',
	'reports.login.title': 'Rapoartele biroului',
	'reports.login.help': 'Introduceți codul de acces de supervizor sau pe cel al administratorului. Codul rămâne salvat doar până închideți browserul.',
	'reports.login.token': 'Cod de acces',
	'reports.login.submit': 'Intră',
	'reports.logout': 'Ieșire',
	'reports.from': 'De la',
	'reports.to': 'Până la',
	'reports.show': 'Arată raportul',
	'reports.last_month': 'Luna trecută',
	'reports.this_month': 'Luna aceasta',
	'reports.csv': 'Descarcă CSV',
	'reports.print': 'Tipărește',
	'reports.loading': 'Se calculează raportul…',
	'reports.period': 'Perioada {from} – {to} ({days})',
	'reports.days': { one: '{n} zi', few: '{n} zile', other: '{n} de zile' },
	'reports.summary': 'Pe scurt',
	'reports.tile.issued': 'Bonuri emise',
	'reports.tile.served': 'Cetățeni serviți',
	'reports.tile.no_show': 'Neprezentați la chemare',
	// "label: N" needs no plural.
	'reports.tile.returned': 'reveniți la rând: {n}',
	'reports.tile.expired': 'Rămași neserviți la închidere',
	'reports.tile.wait': 'Așteptare medie',
	'reports.tile.on_time': 'Programări chemate la timp',
	'reports.tile.on_time.of': 'din {n}',
	'reports.minutes': '{v} min',
	'reports.none': '—',
	'reports.chart.hours': 'Sosiri pe ore',
	'reports.chart.hours.note': 'Bonurile emise în fiecare oră a zilei, însumate pe toată perioada, și așteptarea mediană a celor sosiți în acea oră.',
	'reports.chart.waits': 'Așteptarea pe zile și servicii',
	'reports.chart.waits.note': 'Așteptarea medie, în minute, de la emiterea bonului până la prima chemare.',
	'reports.chart.ontime': 'Programări la timp',
	'reports.chart.ontime.note': 'Programările sosite la timp: chemate în cel mult 10 minute de la ora programării sau mai târziu.',
	'reports.chart.none': 'Graficele nu pot fi afișate: pe acest server lipsește biblioteca Chart.js (pachetul libjs-chart.js).',
	'reports.series.arrivals': 'Bonuri emise',
	'reports.series.median': 'Așteptare mediană (min)',
	'reports.series.within': 'Chemate în 10 minute',
	'reports.series.later': 'Chemate mai târziu',
	'reports.axis.tickets': 'bonuri',
	'reports.axis.minutes': 'minute',
	'reports.axis.bookings': 'programări',
	'reports.hour': 'ora {h}',
	'reports.table': 'Pe servicii și tipuri de bon',
	'reports.col.service': 'Serviciu',
	'reports.col.kind': 'Tip',
	'reports.col.issued': 'Emise',
	'reports.col.served': 'Serviți',
	'reports.col.no_show': 'Neprezentați',
	'reports.col.returned': 'Reveniți',
	'reports.col.expired': 'Neserviți',
	'reports.col.wait_mean': 'Așteptare medie (min)',
	'reports.col.wait_p50': 'Mediană (min)',
	'reports.col.wait_p90': '90 % sub (min)',
	'reports.col.wait_max': 'Maximă (min)',
	'reports.col.service_mean': 'Durata servirii (min)',
	'reports.col.on_time': 'Programări la timp',
	'reports.kind.walk_in': 'fără programare',
	'reports.kind.priority': 'cu prioritate',
	'reports.kind.appointment': 'cu programare',
	'reports.err.network': 'Serverul nu răspunde. Verificați conexiunea și încercați din nou.',
	'reports.err.token': 'Codul de acces nu este valid.',
	'reports.err.period': 'Perioada nu este validă: data de sfârșit nu poate fi înaintea celei de început, iar un raport cuprinde cel mult 366 de zile.',
	'reports.err.unavailable': 'Statisticile nu sunt disponibile acum. Încercați din nou peste câteva minute.',
	'reports.err.other': 'Raportul nu a putut fi calculat. Încercați din nou.',
});

const $ = (id) => document.getElementById(id);
const state = { token: '', report: null, services: new Map(), charts: [], ready: null };

// ---- numbers and dates ------------------------------------------------------

const number = new Intl.NumberFormat('ro-RO');
const decimal = new Intl.NumberFormat('ro-RO', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('ro-RO', { style: 'percent', maximumFractionDigits: 1 });

const minutesOf = (s) => (s === null || s === undefined ? null : s / 60);
const fmtMinutes = (s) => (s === null || s === undefined ? t('reports.none') : decimal.format(s / 60));

// YYYY-MM-DD of a moment in the office's time zone.
function officeDay(d = new Date()) {
	return new Intl.DateTimeFormat('en-CA', { timeZone: office.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

function monthBounds(year, month) { // month 1-12
	const pad = (n) => String(n).padStart(2, '0');
	const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return [`${year}-${pad(month)}-01`, `${year}-${pad(month)}-${pad(last)}`];
}

function daysBetween(from, to) {
	return Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / 86400000) + 1;
}

function longDate(day) {
	return new Intl.DateTimeFormat('ro-RO', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
		.format(new Date(day + 'T12:00:00Z'));
}

const shortDate = (day) => `${day.slice(8, 10)}.${day.slice(5, 7)}`;

// ---- the access code --------------------------------------------------------

function showLogin(message) {
	$('report').hidden = true;
	$('login').hidden = false;
	$('login-error').hidden = !message;
	$('login-error').textContent = message || '';
	$('login-token').value = '';
	$('login-token').focus();
}

function logout() {
	sessionStorage.removeItem(STORE_KEY);
	state.token = '';
	delete document.body.dataset.ready;
	showLogin('');
}

// ---- the report -------------------------------------------------------------

function statsPath(from, to, extra = '') {
	return `/api/v1/stats?from=${from}&to=${to}${extra}`;
}

function describeError(e) {
	if (!(e instanceof ApiError))
		return t('reports.err.other');
	if (e.network)
		return t('reports.err.network');
	if (e.status === 400)
		return t('reports.err.period');
	if (e.status === 503)
		return t('reports.err.unavailable');
	return t('reports.err.other');
}

function showError(message) {
	$('error').hidden = !message;
	$('error').textContent = message || '';
}

// Checked here first, with the daemon's rule, so that the page says what
// is wrong before asking.
function periodValid(from, to) {
	return /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) &&
		to >= from && daysBetween(from, to) <= DAYS_MAX;
}

async function load(from, to) {
	if (!periodValid(from, to)) {
		showError(t('reports.err.period'));
		return;
	}
	showError('');
	$('period-text').textContent = t('reports.loading');
	$('show').disabled = true;
	try {
		await state.ready;
		const { data } = await get(statsPath(from, to), { token: state.token, timeoutMs: TIMEOUT_MS });
		$('offline').hidden = true;
		sessionStorage.setItem(STORE_KEY, JSON.stringify({ token: state.token }));
		history.replaceState(null, '', `?from=${from}&to=${to}`);
		state.report = data;
		render(data);
	} catch (e) {
		$('period-text').textContent = '';
		if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
			sessionStorage.removeItem(STORE_KEY);
			state.token = '';
			showLogin(t('reports.err.token'));
			return;
		}
		$('offline').hidden = !(e instanceof ApiError && e.network);
		showError(describeError(e));
	} finally {
		$('show').disabled = false;
	}
}

function serviceName(id) {
	return state.services.get(id) || id;
}

// Means of several rows, weighted by how many tickets each has.
function weightedMean(rows, n, mean) {
	let count = 0, sum = 0;
	for (const r of rows) {
		if (r[n] && r[mean] !== null) {
			count += r[n];
			sum += r[n] * r[mean];
		}
	}
	return count ? sum / count : null;
}

function tile(label, value, extra) {
	const div = document.createElement('div');
	const dt = document.createElement('dt');
	const dd = document.createElement('dd');
	dt.textContent = label;
	dd.textContent = value;
	div.append(dt, dd);
	if (extra) {
		const small = document.createElement('span');
		small.className = 'tile-extra';
		small.textContent = extra;
		dd.append(' ', small);
	}
	return div;
}

function renderTiles(p) {
	const wait = weightedMean(p.services, 'wait_n', 'wait_mean_s');
	const ot = p.on_time_bookings;
	$('tiles').replaceChildren(
		tile(t('reports.tile.issued'), number.format(p.totals.issued)),
		tile(t('reports.tile.served'), number.format(p.totals.served)),
		tile(t('reports.tile.no_show'), number.format(p.totals.no_show),
			t('reports.tile.returned', { n: number.format(p.totals.returned) })),
		tile(t('reports.tile.expired'), number.format(p.totals.expired)),
		tile(t('reports.tile.wait'), wait === null ? t('reports.none') : t('reports.minutes', { v: decimal.format(wait / 60) })),
		tile(t('reports.tile.on_time'),
			ot.share_within_10min === null ? t('reports.none') : percent.format(ot.share_within_10min),
			ot.bookings ? t('reports.tile.on_time.of', { n: number.format(ot.bookings - ot.pending) }) : ''),
	);
}

function renderTable(p) {
	const body = $('services').tBodies[0];
	body.replaceChildren();
	for (const r of p.services) {
		if (!r.issued && !r.transferred_in)
			continue;
		const tr = body.insertRow();
		const cells = [
			serviceName(r.service), t('reports.kind.' + r.kind),
			number.format(r.issued), number.format(r.served), number.format(r.no_show), number.format(r.returned),
			number.format(r.expired),
			fmtMinutes(r.wait_mean_s), fmtMinutes(r.wait_p50_s), fmtMinutes(r.wait_p90_s), fmtMinutes(r.wait_max_s),
			fmtMinutes(r.service_mean_s),
			r.share_within_10min === null ? t('reports.none') : percent.format(r.share_within_10min),
		];
		cells.forEach((text, i) => {
			const td = tr.insertCell();
			td.textContent = text;
			if (i >= 2)
				td.className = 'num';
		});
	}
}

// Colours told apart in print and by most colour-blind readers.
const PALETTE = ['#1f5fa8', '#d9730d', '#2e8540', '#9b2f9b', '#b3261e', '#5f6b7a', '#b58b00', '#00838f'];

function baseOptions(yTitle) {
	return {
		animation: false,
		responsive: true,
		maintainAspectRatio: false,
		plugins: { legend: { position: 'bottom' } },
		scales: {
			y: { beginAtZero: true, title: { display: true, text: yTitle } },
		},
	};
}

function hoursChart(p) {
	const used = p.hours.filter((h) => h.arrivals > 0).map((h) => h.hour);
	const first = used.length ? Math.min(8, ...used) : 8;
	const last = used.length ? Math.max(17, ...used) : 17;
	const hours = p.hours.filter((h) => h.hour >= first && h.hour <= last);
	const options = baseOptions(t('reports.axis.tickets'));
	options.scales.y2 = {
		position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
		title: { display: true, text: t('reports.axis.minutes') },
	};
	return {
		type: 'bar',
		data: {
			labels: hours.map((h) => t('reports.hour', { h: String(h.hour).padStart(2, '0') })),
			datasets: [
				{ label: t('reports.series.arrivals'), data: hours.map((h) => h.arrivals), backgroundColor: PALETTE[0], yAxisID: 'y', order: 2 },
				{ type: 'line', label: t('reports.series.median'), data: hours.map((h) => minutesOf(h.wait_p50_s)),
					borderColor: PALETTE[1], backgroundColor: PALETTE[1], yAxisID: 'y2', order: 1, spanGaps: true },
			],
		},
		options,
	};
}

function waitsChart(p) {
	const ids = [...new Set(p.services.filter((r) => r.issued || r.transferred_in).map((r) => r.service))];
	return {
		type: 'line',
		data: {
			labels: p.days.map((d) => shortDate(d.date)),
			datasets: ids.map((id, i) => ({
				label: serviceName(id),
				data: p.days.map((d) => {
					const m = weightedMean(d.services.filter((r) => r.service === id), 'wait_n', 'wait_mean_s');
					return minutesOf(m);
				}),
				borderColor: PALETTE[i % PALETTE.length],
				backgroundColor: PALETTE[i % PALETTE.length],
				spanGaps: false,
			})),
		},
		options: baseOptions(t('reports.axis.minutes')),
	};
}

function onTimeChart(p) {
	const options = baseOptions(t('reports.axis.bookings'));
	options.scales.x = { stacked: true };
	options.scales.y.stacked = true;
	const ot = p.days.map((d) => d.on_time_bookings);
	return {
		type: 'bar',
		data: {
			labels: p.days.map((d) => shortDate(d.date)),
			datasets: [
				{ label: t('reports.series.within'), data: ot.map((o) => o.called_within_10min), backgroundColor: PALETTE[2] },
				{ label: t('reports.series.later'), data: ot.map((o) => o.bookings - o.pending - o.called_within_10min), backgroundColor: PALETTE[4] },
			],
		},
		options,
	};
}

function renderCharts(p) {
	for (const c of state.charts)
		c.destroy();
	state.charts = [];
	if (typeof window.Chart !== 'function') {
		for (const id of ['chart-hours', 'chart-waits', 'chart-ontime']) {
			const note = document.createElement('p');
			note.className = 'chart-missing';
			note.textContent = t('reports.chart.none');
			$(id).parentElement.replaceChildren(note);
		}
		return;
	}
	state.charts = [
		new window.Chart($('chart-hours'), hoursChart(p)),
		new window.Chart($('chart-waits'), waitsChart(p)),
		new window.Chart($('chart-ontime'), onTimeChart(p)),
	];
}

function render(p) {
	$('period-text').textContent = t('reports.period', {
		from: longDate(p.from), to: longDate(p.to), days: t('reports.days', { n: p.n_days }),
	});
	renderTiles(p);
	renderTable(p);
	renderCharts(p);
	document.body.dataset.ready = p.from + '/' + p.to;
}

// ---- CSV and print ----------------------------------------------------------

async function downloadCsv() {
	const from = $('from').value, to = $('to').value;
	if (!periodValid(from, to)) {
		showError(t('reports.err.period'));
		return;
	}
	let res;
	try {
		res = await fetch(statsPath(from, to, '&format=csv'), {
			headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store',
		});
	} catch (e) {
		showError(t('reports.err.network'));
		return;
	}
	if (!res.ok) {
		showError(describeError(new ApiError(res.status, 'http_' + res.status, '')));
		return;
	}
	const url = URL.createObjectURL(await res.blob());
	const a = document.createElement('a');
	a.href = url;
	a.download = `raport-${from}-${to}.csv`;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Chart.js draws at the screen's size; the page's print width differs.
window.addEventListener('beforeprint', () => {
	for (const c of state.charts)
		c.resize();
});
window.addEventListener('afterprint', () => {
	for (const c of state.charts)
		c.resize();
});

// ---- start ------------------------------------------------------------------

function setPeriod(from, to) {
	$('from').value = from;
	$('to').value = to;
}

function lastMonth() {
	const [y, m] = officeDay().split('-').map(Number);
	return m === 1 ? monthBounds(y - 1, 12) : monthBounds(y, m - 1);
}

async function loadServices() {
	try {
		const { data } = await get('/api/v1/services');
		for (const s of data)
			state.services.set(s.id, s.name);
	} catch (e) {
		// The ids stand in for the names.
	}
}

function start() {
	for (const el of document.querySelectorAll('[data-t]'))
		el.textContent = t(el.dataset.t);
	for (const el of document.querySelectorAll('[data-t-label]'))
		el.setAttribute('aria-label', t(el.dataset.tLabel));
	$('office-name').textContent = office.name;

	const q = new URLSearchParams(location.search);
	if (q.get('from') && q.get('to'))
		setPeriod(q.get('from'), q.get('to'));
	else
		setPeriod(...lastMonth());

	$('login-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		state.token = $('login-token').value.trim();
		$('login').hidden = true;
		$('report').hidden = false;
		await load($('from').value, $('to').value);
	});
	$('logout').addEventListener('click', logout);
	$('period-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		load($('from').value, $('to').value);
	});
	$('last-month').addEventListener('click', () => {
		setPeriod(...lastMonth());
		load($('from').value, $('to').value);
	});
	$('this-month').addEventListener('click', () => {
		const today = officeDay();
		setPeriod(today.slice(0, 8) + '01', today);
		load($('from').value, $('to').value);
	});
	$('csv').addEventListener('click', downloadCsv);
	$('print').addEventListener('click', () => window.print());

	let saved = null;
	try {
		saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
	} catch (e) {
		saved = null;
	}
	state.ready = loadServices();
	if (saved && typeof saved.token === 'string' && saved.token) {
		state.token = saved.token;
		$('report').hidden = false;
		load($('from').value, $('to').value);
	} else {
		showLogin('');
	}
}

start();
