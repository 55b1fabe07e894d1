// The citizen's page of a ticket, /t/{token}: the number, the people ahead
// and the wait, then where to go once called. It follows the ticket
// through the event stream (any call or queue change may move it), polling
// when there is no stream, and asks only about its own ticket
// (GET /api/v1/t/{token}, docs/API.md "The citizen's ticket").
import { get } from '/shared/api.js';
import { connectLive } from '/shared/events.js';
import { t, setLang, getLang, minutes, officeMoment } from '/shared/i18n.js';
import { office } from '/shared/office.js';

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const state = { ticket: null, error: null };

function translateStatic() {
	for (const el of document.querySelectorAll('[data-t]'))
		el.textContent = t(el.dataset.t);
	const lang = $('lang');
	lang.lang = getLang() === 'ro' ? 'en' : 'ro';
	lang.setAttribute('aria-label', t('lang.switch.label'));
}

function serviceName(tk) {
	return (getLang() === 'en' && tk.service_name_en) || tk.service_name || '';
}

function render() {
	const card = $('card');
	const tk = state.ticket;
	translateStatic();
	$('office-name').textContent = office.name;
	if (!tk) {
		const e = state.error;
		card.dataset.state = e && e.status === 404 ? 'missing' : 'loading';
		$('number').textContent = '';
		$('service').textContent = '';
		$('headline').textContent = !e ? t('phone.loading') :
			e.status === 404 ? t('phone.not_found') :
			e.status === 429 ? t('phone.slow') : t('phone.error');
		$('detail').textContent = '';
		$('note').textContent = '';
		return;
	}
	card.dataset.state = tk.state;
	$('number').textContent = tk.number;
	$('service').textContent = serviceName(tk);
	let headline = '', detail = '', note = '';
	switch (tk.state) {
	case 'waiting':
		headline = tk.ahead > 0 ? t('phone.ahead', { n: tk.ahead }) : t('phone.ahead.none');
		detail = tk.est_wait_min == null ? t('phone.wait.unknown')
			: tk.ahead > 0 ? t('phone.wait', { minutes: minutes(tk.est_wait_min) }) : '';
		note = t('phone.waiting.note');
		break;
	case 'called':
		headline = t('phone.called');
		detail = t('phone.called.go', { counter: tk.counter_name || tk.counter || '' });
		note = tk.recalls > 0 ? t('phone.called.again') : '';
		break;
	case 'served':
		headline = t('phone.served');
		break;
	case 'no_show': {
		// Never called: a supervisor took it out of the queue.
		headline = t(tk.called_at ? 'phone.no_show' : 'phone.cancelled');
		const until = tk.return_until ? officeMoment(tk.return_until, office.timeZone) : null;
		detail = until ? t('phone.no_show.return', { time: until.time }) : t('phone.no_show.late');
		break;
	}
	default:
		headline = t('phone.expired');
	}
	$('headline').textContent = headline;
	$('detail').textContent = detail;
	$('note').textContent = note;
	document.title = tk.state === 'called' ? `${tk.number} — ${t('phone.called')}` : `${tk.number} — ${t('phone.title')}`;
	const at = officeMoment(tk.now, office.timeZone);
	$('updated').textContent = at ? t('phone.updated', { time: at.time }) : '';
}

async function reload() {
	// A token nobody has will not become one: asking again would only
	// count as more misses against this address (429).
	if (state.error && state.error.status === 404)
		return;
	try {
		const { data } = await get('/api/v1/t/' + encodeURIComponent(token));
		const was = state.ticket && state.ticket.state;
		state.ticket = data;
		state.error = null;
		if (data.state === 'called' && was && was !== 'called' && navigator.vibrate)
			navigator.vibrate([400, 200, 400]);
	} catch (e) {
		// A network error keeps what the page showed (and the live
		// status says "offline"); a refusal replaces it.
		if (!e.network) {
			state.ticket = null;
			state.error = e;
		}
		render();
		throw e;
	}
	render();
}

const live = connectLive({
	reload,
	// Any call or change of a queue may move this ticket: ask again.
	onEvent: (type) => {
		if (type !== 'printer')
			live.refresh();
	},
	onStatus: (online) => {
		$('offline').hidden = online;
	},
});

$('lang').addEventListener('click', () => {
	setLang(getLang() === 'ro' ? 'en' : 'ro');
	render();
});

render();
