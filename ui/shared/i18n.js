// The words of the pages: Romanian first, English on the kiosk's switch.
// A string is plain text with {name} placeholders, or an object of plural
// forms chosen with Intl.PluralRules ("1 persoană", "3 persoane",
// "20 de persoane"). A key missing in English falls back to Romanian.

const ro = {
	'lang.switch': 'English',
	'lang.switch.label': 'Switch to English',
	'offline.title': 'Sistemul nu răspunde momentan.',
	'offline.text': 'Reîncercăm automat. Dacă durează, adresați-vă biroului de informații.',
	'people': { one: '{n} persoană', few: '{n} persoane', other: '{n} de persoane' },
	'minutes': { one: '{n} minut', few: '{n} minute', other: '{n} de minute' },

	'kiosk.title': 'Bine ați venit!',
	'kiosk.choose': 'Atingeți serviciul pentru care doriți bon de ordine.',
	'kiosk.choose.priority': 'Bon cu prioritate: atingeți serviciul.',
	'kiosk.waiting': { one: '{n} persoană așteaptă', few: '{n} persoane așteaptă', other: '{n} de persoane așteaptă' },
	'kiosk.nobody': 'Nu așteaptă nimeni',
	'kiosk.closed': 'Închis acum',
	'kiosk.info.badge': 'Informații',
	'kiosk.booking': 'Am o programare',
	'kiosk.booking.sub': 'Introduceți sau scanați codul primit prin SMS',
	'kiosk.priority': 'Prioritate',
	'kiosk.priority.sub': 'persoane cu dizabilități, gravide, vârstnici',
	'kiosk.priority.note': 'Bonul cu prioritate este pentru persoanele cu dizabilități, gravide și vârstnici.',
	'kiosk.back': 'Înapoi',
	'kiosk.done': 'Am terminat',
	'kiosk.footer': 'Programări online: {site}',
	'kiosk.issuing': 'Se emite bonul…',
	'kiosk.ticket.title': 'Bonul dumneavoastră',
	'kiosk.ticket.priority': 'Bon cu prioritate',
	'kiosk.ticket.appointment': 'Programare confirmată',
	'kiosk.ticket.late': 'Ați ajuns după ora programării, așa că ați primit un bon obișnuit.',
	'kiosk.ticket.late.at': 'Programarea dumneavoastră era la ora {time} și ați ajuns cu peste {n} minute întârziere, așa că ați primit un bon obișnuit și așteptați alături de ceilalți cetățeni.',
	'kiosk.ahead': 'Înaintea dumneavoastră: {people}',
	'kiosk.ahead.none': 'Nu este nimeni înaintea dumneavoastră.',
	'kiosk.wait': 'Timp estimat de așteptare: ~{n} min',
	'kiosk.print.pending': 'Se tipărește bonul…',
	'kiosk.print.ok': 'Luați bonul de la imprimantă.',
	'kiosk.print.unsure': 'Luați bonul de la imprimantă. Dacă nu a ieșit, notați numărul și anunțați biroul de informații.',
	'kiosk.print.failed.title': 'Bonul nu a putut fi tipărit.',
	'kiosk.print.failed': 'Notați numărul și anunțați biroul de informații.',
	'kiosk.print.none': 'Rețineți numărul de pe ecran: veți fi chemat după el.',
	'kiosk.watch': 'Urmăriți ecranul din sală: numărul va fi afișat și anunțat.',
	'kiosk.info.title': 'Unde mergeți',
	'kiosk.code.title': 'Am o programare',
	'kiosk.code.help': 'Tastați codul din SMS sau scanați codul QR al programării.',
	'kiosk.code.label': 'Codul programării',
	'kiosk.code.empty': 'Introduceți codul',
	'kiosk.code.ok': 'Confirmă',
	'kiosk.code.del': 'Șterge ultimul caracter',
	'kiosk.code.clear': 'Șterge tot',
	'kiosk.code.checking': 'Verificăm programarea…',
	'kiosk.idle': 'Revenim la început în {n} s.',

	'error.title': 'Nu am putut elibera bonul.',
	'error.network': 'Sistemul nu răspunde momentan. Încercați din nou peste câteva momente sau adresați-vă biroului de informații.',
	'error.generic': 'A apărut o problemă. Încercați din nou sau adresați-vă biroului de informații.',
	'error.forbidden': 'Acest terminal nu are voie să elibereze bonuri. Vă rugăm să anunțați biroul de informații.',
	'error.service': 'Acest serviciu nu mai este disponibil. Alegeți din nou din listă.',
	'error.info': 'Pentru acest serviciu nu se eliberează bon aici.',
	'closed.title': 'Nu se mai eliberează bonuri acum.',
	'closed.cutoff': 'Azi nu se mai eliberează bonuri: biroul se închide la {time}, iar bonurile se opresc cu {n} minute înainte.',
	'closed.estimate': 'Azi nu se mai eliberează bonuri pentru „{service}”: așteptarea ar fi de aproximativ {n} minute, iar biroul se închide la {time}. Reveniți în altă zi sau programați-vă online.',
	'closed.closed': 'Biroul este închis.',
	'closed.reopens': 'Biroul este închis. Se redeschide {date}, la ora {time}.',
	'closed.booking': 'Vă puteți programa online pe {site}.',
	'checkin.title': 'Nu am putut confirma programarea.',
	'checkin.not_found': 'Nu am găsit o programare cu acest cod. Verificați codul din SMS și încercați din nou.',
	'checkin.bad': 'Codul nu este corect. Verificați codul din SMS și încercați din nou.',
	'checkin.other_day': 'Programarea nu este pentru astăzi sau biroul nu primește acum programări.',
	'checkin.other_day.at': 'Programarea este pentru {date}, ora {time}, nu pentru astăzi.',
	'checkin.gone': 'Această programare a fost anulată.',
	'checkin.already': 'V-ați prezentat deja pentru această programare.',
	'checkin.already.number': 'Numărul dumneavoastră este {number}. Urmăriți ecranul din sală.',
	'detail.server': 'Mesajul sistemului: {message}',

	// The counter console and the lobby display are for Romanian speakers.
	'counter.login.title': 'Conectare la ghișeu',
	'counter.login.help': 'Alegeți ghișeul și introduceți codul de acces primit de la administrator. Codul rămâne salvat în acest browser.',
	'counter.login.id': 'Ghișeul (numărul din configurație)',
	'counter.login.token': 'Cod de acces',
	'counter.login.submit': 'Intră',
	'counter.logout': 'Schimbă ghișeul',
	'counter.services': 'Servicii: {list}',
	'counter.state.open': 'Deschis',
	'counter.state.paused': 'În pauză',
	'counter.current': 'Bonul chemat',
	'counter.current.none': 'Niciun bon chemat',
	'counter.current.hint': 'Apăsați „Următorul” (N) pentru a chema primul bon.',
	'counter.called_at': 'chemat la {time}',
	'counter.waited': 'a așteptat {min}',
	'counter.late': 'a întârziat la programare',
	'counter.next': 'Următorul',
	'counter.recall': 'Recheamă',
	'counter.served': 'Servit',
	'counter.no_show': 'Absent',
	'counter.transfer': 'Transferă',
	'counter.pause': 'Pauză',
	'counter.resume': 'Reia',
	'counter.shortcut': 'Tasta {key}',
	'counter.waiting': 'În așteptare',
	'counter.waiting.none': 'Nu așteaptă nimeni pentru serviciile acestui ghișeu.',
	'counter.waiting.min': '{n} min',
	'counter.waiting.more': 'și încă {n}',
	'kind.walk_in': 'Fără programare',
	'kind.priority': 'Prioritate',
	'kind.appointment': 'Programare',
	'reason.starvation_guard': 'a așteptat prea mult',
	'reason.interleave': 'rândul celor fără programare',
	'reason.appointment_due': 'programare la ora ei',
	'reason.priority': 'prioritate',
	'reason.walk_in': 'ordinea sosirii',
	'reason.appointment_early': 'programare, mai devreme',
	'counter.paused': 'Ghișeul este în pauză și nu cheamă bonuri. Apăsați „Reia” (P) pentru a continua.',
	'counter.msg.called': 'Ați chemat bonul {number}.',
	'counter.msg.recalled': 'Bonul {number} a fost chemat din nou.',
	'counter.msg.served': 'Bonul {number} a fost marcat ca servit.',
	'counter.msg.no_show': 'Bonul {number} a fost marcat ca absent.',
	'counter.msg.transferred': 'Bonul {number} a fost trimis la „{service}”.',
	'counter.msg.paused': 'Ghișeul este în pauză.',
	'counter.msg.resumed': 'Ghișeul cheamă din nou bonuri.',
	'counter.msg.nobody': 'Nu așteaptă nimeni.',
	'counter.err.token': 'Codul de acces nu este valid. Introduceți-l din nou.',
	'counter.err.other': 'Acest cod de acces este al altui ghișeu.',
	'counter.err.other.id': 'Acest cod de acces este al ghișeului {id}.',
	'counter.err.unknown': 'Ghișeul „{id}” nu există în configurație.',
	'counter.err.paused': 'Ghișeul este în pauză: apăsați „Reia” (P) înainte de a chema.',
	'counter.err.no_current': 'Nu aveți niciun bon chemat.',
	'counter.err.network': 'Serverul nu răspunde. Încercați din nou peste câteva secunde.',
	'counter.err.generic': 'Operația nu a reușit.',
	'counter.transfer.title': 'Trimiteți bonul {number} la:',
	'counter.transfer.cancel': 'Renunță',
	'counter.printer': 'Imprimanta „{name}” {state}.',
	'printer.ok': 'funcționează',
	'printer.paper_low': 'are hârtia pe terminate',
	'printer.paper_out': 'nu mai are hârtie',
	'printer.cover_open': 'are capacul deschis',
	'printer.offline': 'nu răspunde',
	'printer.unknown': 'este într-o stare necunoscută',

	'display.title': 'Bonuri chemate',
	'display.now': 'Vă rugăm să vă prezentați',
	'display.to': 'la',
	'display.recalled': 'Chemat din nou',
	'display.previous': 'Chemări anterioare',
	'display.none': 'Așteptați chemarea numărului de pe bon.',
	'display.footer': 'Urmăriți numărul de pe bon. Programări online: {site}',
	'display.sound': 'Atingeți ecranul pentru a porni sunetul.',
	'display.say': 'Bonul {number}, la {counter}',
	'display.say.again': 'Din nou, bonul {number}, la {counter}',
};

const en = {
	'lang.switch': 'Română',
	'lang.switch.label': 'Treceți la limba română',
	'offline.title': 'The system is not answering at the moment.',
	'offline.text': 'We keep trying. If it takes long, please ask at the information desk.',
	'people': { one: '{n} person', other: '{n} people' },
	'minutes': { one: '{n} minute', other: '{n} minutes' },

	'kiosk.title': 'Welcome!',
	'kiosk.choose': 'Touch the service you need a queue ticket for.',
	'kiosk.choose.priority': 'Priority ticket: touch the service.',
	'kiosk.waiting': { one: '{n} person waiting', other: '{n} people waiting' },
	'kiosk.nobody': 'Nobody waiting',
	'kiosk.closed': 'Closed now',
	'kiosk.info.badge': 'Information',
	'kiosk.booking': 'I have a booking',
	'kiosk.booking.sub': 'Type or scan the code you received by SMS',
	'kiosk.priority': 'Priority',
	'kiosk.priority.sub': 'people with disabilities, pregnant women, the elderly',
	'kiosk.priority.note': 'Priority tickets are for people with disabilities, pregnant women and the elderly.',
	'kiosk.back': 'Back',
	'kiosk.done': 'Done',
	'kiosk.footer': 'Online booking: {site}',
	'kiosk.issuing': 'Issuing your ticket…',
	'kiosk.ticket.title': 'Your ticket',
	'kiosk.ticket.priority': 'Priority ticket',
	'kiosk.ticket.appointment': 'Booking confirmed',
	'kiosk.ticket.late': 'You arrived after your booked time, so you got a regular ticket.',
	'kiosk.ticket.late.at': 'Your booking was at {time} and you arrived more than {n} minutes late, so you got a regular ticket and wait with the other citizens.',
	'kiosk.ahead': 'Ahead of you: {people}',
	'kiosk.ahead.none': 'Nobody is ahead of you.',
	'kiosk.wait': 'Estimated wait: ~{n} min',
	'kiosk.print.pending': 'Printing your ticket…',
	'kiosk.print.ok': 'Take your ticket from the printer.',
	'kiosk.print.unsure': 'Take your ticket from the printer. If none came out, write the number down and tell the information desk.',
	'kiosk.print.failed.title': 'The ticket could not be printed.',
	'kiosk.print.failed': 'Write the number down and tell the information desk.',
	'kiosk.print.none': 'Remember the number on the screen: you will be called by it.',
	'kiosk.watch': 'Watch the screen in the hall: your number will be shown and announced.',
	'kiosk.info.title': 'Where to go',
	'kiosk.code.title': 'I have a booking',
	'kiosk.code.help': 'Type the code from the SMS or scan the QR code of your booking.',
	'kiosk.code.label': 'Booking code',
	'kiosk.code.empty': 'Enter the code',
	'kiosk.code.ok': 'Confirm',
	'kiosk.code.del': 'Delete the last character',
	'kiosk.code.clear': 'Clear',
	'kiosk.code.checking': 'Checking your booking…',
	'kiosk.idle': 'Back to the start in {n} s.',

	'error.title': 'We could not issue a ticket.',
	'error.network': 'The system is not answering at the moment. Please try again in a few moments or ask at the information desk.',
	'error.generic': 'Something went wrong. Please try again or ask at the information desk.',
	'error.forbidden': 'This terminal may not issue tickets. Please tell the information desk.',
	'error.service': 'This service is no longer available. Please choose again from the list.',
	'error.info': 'No ticket is issued here for this service.',
	'closed.title': 'No tickets are issued now.',
	'closed.cutoff': 'No more tickets today: the office closes at {time} and stops issuing tickets {n} minutes before.',
	'closed.estimate': 'No more tickets for “{service}” today: the wait would be about {n} minutes and the office closes at {time}. Please come back on another day or book online.',
	'closed.closed': 'The office is closed.',
	'closed.reopens': 'The office is closed. It opens again on {date} at {time}.',
	'closed.booking': 'You can book online at {site}.',
	'checkin.title': 'We could not confirm your booking.',
	'checkin.not_found': 'We found no booking with this code. Check the code in the SMS and try again.',
	'checkin.bad': 'The code is not valid. Check the code in the SMS and try again.',
	'checkin.other_day': 'The booking is not for today, or the office is not taking bookings now.',
	'checkin.other_day.at': 'The booking is for {date} at {time}, not for today.',
	'checkin.gone': 'This booking was cancelled.',
	'checkin.already': 'You have already checked in for this booking.',
	'checkin.already.number': 'Your number is {number}. Watch the screen in the hall.',
	'detail.server': 'System message: {message}',
};

const dictionaries = { ro, en };
let lang = 'ro';

export function setLang(l) {
	lang = dictionaries[l] ? l : 'ro';
	document.documentElement.lang = lang;
}

export const getLang = () => lang;

function fill(text, vars) {
	return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export function t(key, vars = {}) {
	let s = dictionaries[lang][key] ?? ro[key];
	if (s === undefined)
		return key;
	if (typeof s === 'object') {
		const form = new Intl.PluralRules(lang).select(vars.n ?? 0);
		s = s[form] ?? s.other;
	}
	return fill(s, vars);
}

// A date of the office as the citizen says it: "joi, 3 decembrie".
function spokenDate(ymd) {
	const d = new Date(ymd + 'T12:00:00Z');
	if (Number.isNaN(d.getTime()))
		return ymd;
	return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ro-RO', {
		weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC',
	}).format(d);
}

// The `closed` answers of the daemon (office.c, refuse_closed) in the
// citizen's language; null for wording this page does not know.
function closedText(message) {
	let m = /closes at (\d\d:\d\d) and stops issuing tickets (\d+) minutes/.exec(message);
	if (m)
		return t('closed.cutoff', { time: m[1], n: m[2] });
	m = /No more tickets for "(.+)" today: about (\d+) minutes of waiting are ahead and the office closes at (\d\d:\d\d)/.exec(message);
	if (m)
		return t('closed.estimate', { service: m[1], n: m[2], time: m[3] });
	m = /opens again on (\d{4}-\d\d-\d\d) at (\d\d:\d\d)/.exec(message);
	if (m)
		return t('closed.reopens', { date: spokenDate(m[1]), time: m[2] });
	if (/^The office is closed\.?$/.test(message))
		return t('closed.closed');
	return null;
}

// Why a late check-in got a regular ticket (office.c, office_checkin).
export function lateText(message) {
	const m = /was at (\d\d:\d\d) and you arrived more than (\d+) minutes late/.exec(message || '');
	return m ? t('kiosk.ticket.late.at', { time: m[1], n: m[2] }) : t('kiosk.ticket.late');
}

// What the citizen is told when a kiosk request fails: {title, text,
// detail, booking}. detail is the daemon's own sentence, shown smaller.
// what: 'issue' (a ticket for a service) or 'checkin' (a booking code).
export function describeKioskError(err, what) {
	const detail = err.network ? '' : err.message;
	if (err.network)
		return { title: t('error.title'), text: t('error.network'), detail: '' };
	if (err.status === 403)
		return { title: t('error.title'), text: t('error.forbidden'), detail };
	if (err.code === 'closed') {
		const text = closedText(err.message);
		return {
			title: t('closed.title'),
			text: text || err.message,
			detail: text ? detail : '',
			booking: true,
		};
	}
	if (what === 'checkin') {
		const title = t('checkin.title');
		switch (err.status) {
		case 400:
			return { title, text: t('checkin.bad'), detail };
		case 404:
			return { title, text: t('checkin.not_found'), detail };
		case 410:
			return { title, text: t('checkin.gone'), detail };
		case 409: {
			const n = /ticket is ([A-Z]{1,4}\d{3,})/.exec(err.message);
			const text = t('checkin.already') +
				(n ? ' ' + t('checkin.already.number', { number: n[1] }) : '');
			return { title, text, detail };
		}
		case 422: {
			const m = /is for (\d{4}-\d\d-\d\d) at (\d\d:\d\d), not for today/.exec(err.message);
			const text = m ? t('checkin.other_day.at', { date: spokenDate(m[1]), time: m[2] })
				: t('checkin.other_day');
			return { title, text, detail, booking: true };
		}
		}
	} else {
		if (err.status === 404)
			return { title: t('error.title'), text: t('error.service'), detail };
		if (err.status === 422)
			return { title: t('error.title'), text: t('error.info'), detail };
	}
	return { title: t('error.title'), text: t('error.generic'), detail };
}
