// The SMS offer after a ticket (issue #12): on the ticket screen a button
// offers a text message when the turn nears; its screen takes a Romanian
// mobile number on a numeric keypad and the citizen's explicit consent,
// and one tap goes back. The daemon texts the number when the estimate
// falls to the configured minutes (or people ahead) and when the ticket
// is called. Shown only when the office sends text messages ([sms]
// driver, GET /api/v1/office "sms"). Its words are its own, in both of
// the kiosk's languages; refusals are worded from their status, never
// from the daemon's message.

import { post } from '/shared/api.js';
import { getLang } from '/shared/i18n.js';
import { office } from '/shared/office.js';

const DIGITS = 10; // 07xx xxx xxx
const KEYS = ['123', '456', '789', ' 0⌫']; // ' ': an empty place, as on a phone

const words = {
	ro: {
		offer: 'Vreau SMS când se apropie rândul',
		done: 'Vă trimitem SMS la {phone}.',
		title: 'SMS pentru bonul {number}',
		help: 'Scrieți numărul de mobil. Primiți un SMS când se apropie rândul și unul când sunteți chemat la ghișeu.',
		label: 'Numărul de mobil',
		empty: 'Numărul de mobil (07…)',
		consent: 'Sunt de acord să primesc SMS-uri despre acest bon la acest număr. Numărul se șterge la sfârșitul zilei.',
		skip: 'Nu, mulțumesc',
		send: 'Trimite',
		sending: 'Se trimite…',
		notMobile: 'Numărul trebuie să aibă 10 cifre și să înceapă cu 07.',
		'error.400': 'Acesta nu este un număr de mobil din România (07xx xxx xxx).',
		'error.404': 'Bonul nu mai este în evidență.',
		'error.409': 'Bonul a fost deja chemat, deci nu mai trimitem SMS.',
		'error.422': 'Momentan nu se pot trimite SMS-uri.',
		'error.network': 'Sistemul nu răspunde. Încercați din nou peste câteva momente.',
		'error.other': 'Nu am putut programa SMS-ul. Încercați din nou.',
	},
	en: {
		offer: 'Text me when my turn nears',
		done: 'We will text {phone}.',
		title: 'Text messages for ticket {number}',
		help: 'Type your mobile number. You get a text when your turn nears and one when you are called to a counter.',
		label: 'Mobile number',
		empty: 'Mobile number (07…)',
		consent: 'I agree to receive text messages about this ticket on this number. The number is deleted at the end of the day.',
		skip: 'No, thanks',
		send: 'Send',
		sending: 'Sending…',
		notMobile: 'The number must have 10 digits and start with 07.',
		'error.400': 'This is not a Romanian mobile number (07xx xxx xxx).',
		'error.404': 'This ticket is no longer on record.',
		'error.409': 'This ticket has already been called, so no text is sent.',
		'error.422': 'Text messages cannot be sent just now.',
		'error.network': 'The system is not answering. Please try again in a moment.',
		'error.other': 'The text message could not be arranged. Please try again.',
	},
};

function w(key, vars = {}) {
	const s = (words[getLang()] || words.ro)[key] ?? words.ro[key];
	return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

const $ = (id) => document.getElementById(id);
const sms = { ticket: null, already: false, number: '', sentTo: '', error: '' };
let kiosk = null; // show(), setBusy(), isBusy() of kiosk.js

function offered() {
	return office.sms && sms.ticket && !sms.already && sms.ticket.state === 'waiting';
}

function valid() {
	return sms.number.length === DIGITS && sms.number.startsWith('07');
}

// "0722 123 456" as it is typed.
function grouped(n) {
	return [n.slice(0, 4), n.slice(4, 7), n.slice(7)].filter(Boolean).join(' ');
}

export function renderSms() {
	const open = $('sms-open');
	open.textContent = w('offer');
	open.hidden = !offered() || Boolean(sms.sentTo);
	const done = $('sms-done');
	done.textContent = sms.sentTo ? w('done', { phone: sms.sentTo }) : '';
	done.hidden = !sms.sentTo;

	$('sms-h').textContent = w('title', { number: sms.ticket ? sms.ticket.number : '' });
	$('sms-help').textContent = w('help');
	$('sms-label').textContent = w('label');
	$('sms-consent-text').textContent = w('consent');
	$('sms-skip').textContent = w('skip');
	$('sms-send').textContent = w('send');
	const v = $('sms-value');
	v.textContent = sms.number ? grouped(sms.number) : w('empty');
	v.classList.toggle('is-empty', !sms.number);
	const hint = sms.number.length === DIGITS && !valid() ? w('notMobile') : '';
	const err = $('sms-error');
	err.textContent = sms.error || hint;
	err.hidden = !err.textContent;
	$('sms-send').disabled = (kiosk && kiosk.isBusy()) || !valid() || !$('sms-consent').checked;
}

// A new ticket on the screen: a fresh offer.
export function smsTicketShown(ticket, already) {
	sms.ticket = ticket;
	sms.already = already;
	sms.number = '';
	sms.sentTo = '';
	sms.error = '';
	$('sms-consent').checked = false;
	renderSms();
}

function typeKey(k) {
	if (k === '⌫')
		sms.number = sms.number.slice(0, -1);
	else if (sms.number.length < DIGITS)
		sms.number += k;
	sms.error = '';
	renderSms();
}

function errorWords(e) {
	if (e.network)
		return w('error.network');
	return [400, 404, 409, 422].includes(e.status) ? w('error.' + e.status) : w('error.other');
}

async function send() {
	if (!valid() || !$('sms-consent').checked || kiosk.isBusy())
		return;
	const ticket = sms.ticket;
	kiosk.setBusy(true, w('sending'));
	try {
		const { data } = await post('/api/v1/tickets/' + ticket.id + '/phone',
			{ phone: sms.number, consent: true });
		if (sms.ticket !== ticket)
			return;
		sms.sentTo = data.phone;
		sms.number = '';
		sms.error = '';
		kiosk.show('ticket');
	} catch (e) {
		sms.error = errorWords(e);
	} finally {
		kiosk.setBusy(false);
		renderSms();
	}
}

export function initSms(hooks) {
	kiosk = hooks;
	const pad = $('sms-keypad');
	for (const row of KEYS) {
		const r = document.createElement('div');
		r.className = 'keypad-row';
		for (const k of row) {
			if (k === ' ') {
				r.appendChild(document.createElement('span')).className = 'key key-gap';
				continue;
			}
			const b = document.createElement('button');
			b.type = 'button';
			b.className = 'key' + (k === '⌫' ? ' key-del' : '');
			b.textContent = k;
			b.dataset.key = k;
			b.addEventListener('click', () => typeKey(k));
			r.appendChild(b);
		}
		pad.appendChild(r);
	}
	$('sms-open').addEventListener('click', () => {
		sms.error = '';
		renderSms();
		kiosk.show('sms');
	});
	$('sms-skip').addEventListener('click', () => kiosk.show('ticket'));
	$('sms-send').addEventListener('click', send);
	$('sms-consent').addEventListener('change', renderSms);
	renderSms();
}
