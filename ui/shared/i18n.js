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
	'kiosk.closed.cutoff': 'Nu se mai dau bonuri azi',
	'kiosk.closed.estimate': 'Nu se mai dau bonuri azi pentru acest serviciu',
	'kiosk.closed.wait': 'Așteptare prea lungă acum: programați-vă online',
	'kiosk.closed.banner': 'Biroul este închis acum.',
	'kiosk.closed.banner.at': 'Biroul este închis acum. Se redeschide {date}, la ora {time}.',
	'kiosk.cutoff.banner': 'Nu se mai dau bonuri azi. Programările se confirmă în continuare, până la închidere.',
	'kiosk.printer.down': 'Imprimanta acestui chioșc nu poate tipări acum: primiți totuși bon, iar numărul apare pe ecran. Notați-l.',
	'kiosk.print.failed.keep': 'Acest ecran rămâne deschis până atingeți „Am terminat”.',
	'kiosk.already.title': 'V-ați prezentat deja pentru această programare.',
	'kiosk.already.text': 'Acesta este numărul dumneavoastră. Urmăriți ecranul din sală.',
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
	'kiosk.ticket.late.at': 'Programarea dumneavoastră era la ora {time} și ați ajuns cu peste {minutes} întârziere, așa că ați primit un bon obișnuit și așteptați alături de ceilalți cetățeni.',
	'kiosk.ahead': 'Înaintea dumneavoastră: {people}',
	'kiosk.ahead.none': 'Nu este nimeni înaintea dumneavoastră.',
	'kiosk.wait': 'Timp estimat de așteptare: aproximativ {minutes}',
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
	'closed.cutoff': 'Azi nu se mai eliberează bonuri: biroul se închide la {time}, iar bonurile se opresc cu {minutes} înainte.',
	'closed.estimate': 'Nu se mai dau bonuri azi pentru „{service}”: așteptarea ar fi de aproximativ {minutes}, iar biroul se închide la {time}. Reveniți în altă zi sau programați-vă online.',
	'closed.next': 'Bonurile se dau din nou {date}, de la ora {time}.',
	'closed.closed': 'Biroul este închis.',
	'closed.reopens': 'Biroul este închis. Se redeschide {date}, la ora {time}.',
	'closed.booking': 'Vă puteți programa online pe {site}.',
	'wait.title': 'Acum nu vă putem da bon pentru acest serviciu.',
	'wait.text': 'Așteptarea ar fi de aproximativ {wait}, peste limita de {limit} pentru cei care vin fără programare. Vă rugăm să vă programați online.',
	'checkin.title': 'Nu am putut confirma programarea.',
	'checkin.not_found': 'Nu am găsit o programare cu acest cod. Verificați codul din SMS și încercați din nou.',
	'checkin.bad': 'Codul nu este corect. Verificați codul din SMS și încercați din nou.',
	'checkin.other_day': 'Programarea nu este pentru astăzi sau biroul nu primește acum programări.',
	'checkin.other_day.at': 'Programarea este pentru {date}, ora {time}, nu pentru astăzi.',
	'checkin.gone': 'Această programare a fost anulată.',
	'checkin.already': 'V-ați prezentat deja pentru această programare.',

	// The counter console and the lobby display are for Romanian speakers.
	'counter.login.title': 'Conectare la ghișeu',
	'counter.login.help': 'Alegeți ghișeul și introduceți codul de acces primit de la administrator. Codul rămâne salvat în acest browser.',
	'counter.login.id': 'Ghișeul (numărul din configurație)',
	'counter.login.token': 'Cod de acces',
	'counter.login.submit': 'Intră',
	'counter.logout': 'Schimbă ghișeul',
	'counter.logout.ask': 'Schimbați ghișeul?',
	'counter.logout.ask.text': 'Codul de acces al acestui ghișeu va fi șters din browser; pentru a reveni trebuie introdus din nou.',
	'counter.logout.yes': 'Da, schimb ghișeul',
	'counter.next.ask': 'Ce s-a întâmplat cu bonul {number}?',
	'counter.next.ask.text': 'Înainte de a chema următorul bon, spuneți dacă acesta a fost servit sau dacă persoana nu s-a prezentat.',
	'counter.next.served': 'Servit, cheamă următorul',
	'counter.next.no_show': 'Absent, cheamă următorul',
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
	'counter.returns': 'Absenți care pot reveni la rând',
	'counter.returns.until': 'până la {time}',
	'counter.returns.do': 'Readu la rând',
	'counter.returns.do.label': 'Readu la rând bonul {number}',
	'counter.msg.returned': 'Bonul {number} este din nou la rând, cu ora la care a fost emis.',
	'counter.err.return.window': 'Bonul {number} nu mai poate reveni: a trecut timpul permis.',
	'counter.err.return.state': 'Bonul {number} nu mai este absent.',
	'counter.transfer.title': 'Trimiteți bonul {number} la:',
	'counter.transfer.cancel': 'Renunță',
	'counter.printer': 'Imprimanta {where} {state}.',
	'printer.where': 'de la {location}',
	'printer.where.kiosk': 'chioșcului {kiosk}',
	'printer.where.none': 'unui chioșc',
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

	'phone.title': 'Bonul dumneavoastră',
	'phone.number': 'Numărul dumneavoastră',
	'phone.ahead': { one: 'Mai este {n} persoană înaintea dumneavoastră.', few: 'Mai sunt {n} persoane înaintea dumneavoastră.', other: 'Mai sunt {n} de persoane înaintea dumneavoastră.' },
	'phone.ahead.none': 'Urmează rândul dumneavoastră.',
	'phone.wait': 'Timp estimat de așteptare: aproximativ {minutes}.',
	'phone.wait.unknown': 'Timpul de așteptare nu poate fi estimat acum.',
	'phone.waiting.note': 'Puteți aștepta și afară: pagina se actualizează singură. Reveniți în sală când mai sunt câteva persoane înaintea dumneavoastră.',
	'phone.called': 'Este rândul dumneavoastră!',
	'phone.called.go': 'Mergeți la {counter}.',
	'phone.called.again': 'Ați fost chemat din nou.',
	'phone.served': 'Ați fost servit. Vă mulțumim!',
	'phone.no_show': 'Ați fost chemat, dar nu v-ați prezentat la ghișeu.',
	'phone.cancelled': 'Bonul a fost scos de la rând: nu v-am găsit în sală.',
	'phone.no_show.return': 'Puteți reveni la rând până la ora {time}: la chioșc, atingeți „Am pierdut rândul” și scanați codul QR de pe bon, sau mergeți la un ghișeu.',
	'phone.no_show.late': 'Bonul nu mai este valabil.',
	'phone.expired': 'Biroul s-a închis înainte să vă vină rândul. Bonul nu mai este valabil.',
	'phone.not_found': 'Nu am găsit acest bon. Verificați adresa de pe bon sau scanați din nou codul QR.',
	'phone.slow': 'Prea multe încercări de pe acest dispozitiv. Reîncercăm în curând.',
	'phone.error': 'Nu putem afișa bonul acum. Reîncercăm automat.',
	'phone.loading': 'Se încarcă…',
	'phone.updated': 'Actualizat la {time}.',

	'kiosk.qr': 'Scanați codul cu telefonul: vedeți acolo câte persoane mai sunt înaintea dumneavoastră.',
	'kiosk.qr.failed': 'Scanați codul cu telefonul: urmăriți bonul acolo.',
	'kiosk.lost': 'Am pierdut rândul',
	'kiosk.lost.sub': 'Ați fost chemat și nu ați ajuns la ghișeu?',
	'kiosk.lost.title': 'Am pierdut rândul',
	'kiosk.lost.text': 'Dacă ați fost chemat și nu ați ajuns la ghișeu, bonul poate reveni la rând în cel mult {minutes} de la chemare, cu locul pe care îl avea.',
	'kiosk.lost.scan': 'Țineți codul QR de pe bon sub cititorul chioșcului.',
	'kiosk.lost.field': 'Adresa de pe bon (completată de cititor)',
	'kiosk.lost.ok': 'Revin la rând',
	'kiosk.lost.busy': 'Verificăm bonul…',
	'kiosk.lost.done.title': 'Bonul {number} este din nou la rând.',
	'kiosk.lost.done.ahead': { one: 'Mai este {n} persoană înaintea dumneavoastră. Urmăriți ecranul din sală.', few: 'Mai sunt {n} persoane înaintea dumneavoastră. Urmăriți ecranul din sală.', other: 'Mai sunt {n} de persoane înaintea dumneavoastră. Urmăriți ecranul din sală.' },
	'kiosk.lost.done.next': 'Urmează rândul dumneavoastră. Urmăriți ecranul din sală.',
	'kiosk.lost.error.title': 'Bonul nu poate reveni la rând.',
	'kiosk.lost.error.empty': 'Scanați codul QR de pe bon.',
	'kiosk.lost.error.not_found': 'Nu am găsit acest bon. Scanați din nou codul QR de pe bon.',
	'kiosk.lost.error.conflict': 'Acest bon nu a fost marcat ca absent. Urmăriți ecranul din sală.',
	'kiosk.lost.error.window': 'Au trecut mai mult de {minutes} de la chemare. Luați un bon nou.',
	'kiosk.lost.error.closed': 'Biroul este închis acum.',
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
	'kiosk.closed.cutoff': 'No more tickets today',
	'kiosk.closed.estimate': 'No more tickets today for this service',
	'kiosk.closed.wait': 'The wait is too long now: please book online',
	'kiosk.closed.banner': 'The office is closed now.',
	'kiosk.closed.banner.at': 'The office is closed now. It opens again on {date} at {time}.',
	'kiosk.cutoff.banner': 'No more tickets today. Bookings are still confirmed until closing.',
	'kiosk.printer.down': 'This kiosk\'s printer cannot print now: you still get a ticket and its number is shown on the screen. Please write it down.',
	'kiosk.print.failed.keep': 'This screen stays open until you touch “Done”.',
	'kiosk.already.title': 'You have already checked in for this booking.',
	'kiosk.already.text': 'This is your number. Watch the screen in the hall.',
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
	'kiosk.ticket.late.at': 'Your booking was at {time} and you arrived more than {minutes} late, so you got a regular ticket and wait with the other citizens.',
	'kiosk.ahead': 'Ahead of you: {people}',
	'kiosk.ahead.none': 'Nobody is ahead of you.',
	'kiosk.wait': 'Estimated wait: about {minutes}',
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
	'closed.cutoff': 'No more tickets today: the office closes at {time} and stops issuing tickets {minutes} before.',
	'closed.estimate': 'No more tickets for “{service}” today: the wait would be about {minutes} and the office closes at {time}. Please come back on another day or book online.',
	'closed.next': 'Tickets are issued again on {date} from {time}.',
	'closed.closed': 'The office is closed.',
	'closed.reopens': 'The office is closed. It opens again on {date} at {time}.',
	'closed.booking': 'You can book online at {site}.',
	'wait.title': 'No ticket for this service right now.',
	'wait.text': 'The wait would be about {wait}, more than the {limit} that citizens without a booking wait here at most. Please book an appointment online.',
	'checkin.title': 'We could not confirm your booking.',
	'checkin.not_found': 'We found no booking with this code. Check the code in the SMS and try again.',
	'checkin.bad': 'The code is not valid. Check the code in the SMS and try again.',
	'checkin.other_day': 'The booking is not for today, or the office is not taking bookings now.',
	'checkin.other_day.at': 'The booking is for {date} at {time}, not for today.',
	'checkin.gone': 'This booking was cancelled.',
	'checkin.already': 'You have already checked in for this booking.',

	'phone.title': 'Your ticket',
	'phone.number': 'Your number',
	'phone.ahead': { one: '{n} person is ahead of you.', other: '{n} people are ahead of you.' },
	'phone.ahead.none': 'You are next.',
	'phone.wait': 'Estimated wait: about {minutes}.',
	'phone.wait.unknown': 'The wait cannot be estimated now.',
	'phone.waiting.note': 'You may wait outside: this page updates by itself. Come back to the hall when only a few people are ahead of you.',
	'phone.called': 'It is your turn!',
	'phone.called.go': 'Please go to {counter}.',
	'phone.called.again': 'You have been called again.',
	'phone.served': 'You have been served. Thank you!',
	'phone.no_show': 'You were called but did not come to the counter.',
	'phone.cancelled': 'The ticket was taken out of the queue: you were not in the hall.',
	'phone.no_show.return': 'You can get back in the queue until {time}: at the kiosk, touch “I missed my turn” and scan the QR code on your ticket, or go to a counter.',
	'phone.no_show.late': 'The ticket is no longer valid.',
	'phone.expired': 'The office closed before your turn came. The ticket is no longer valid.',
	'phone.not_found': 'We could not find this ticket. Check the address on the ticket or scan its QR code again.',
	'phone.slow': 'Too many attempts from this device. We will try again shortly.',
	'phone.error': 'We cannot show the ticket now. We keep trying.',
	'phone.loading': 'Loading…',
	'phone.updated': 'Updated at {time}.',

	'kiosk.qr': 'Scan the code with your phone to see how many people are ahead of you.',
	'kiosk.qr.failed': 'Scan the code with your phone and follow your ticket there.',
	'kiosk.lost': 'I missed my turn',
	'kiosk.lost.sub': 'Called while you were away?',
	'kiosk.lost.title': 'I missed my turn',
	'kiosk.lost.text': 'If you were called and did not reach the counter, your ticket can get back in the queue, in its old place, within {minutes} of the call.',
	'kiosk.lost.scan': 'Hold the QR code on your ticket under the kiosk\'s scanner.',
	'kiosk.lost.field': 'The address on the ticket (filled in by the scanner)',
	'kiosk.lost.ok': 'Back in the queue',
	'kiosk.lost.busy': 'Checking your ticket…',
	'kiosk.lost.done.title': 'Ticket {number} is back in the queue.',
	'kiosk.lost.done.ahead': { one: '{n} person is ahead of you. Watch the screen in the hall.', other: '{n} people are ahead of you. Watch the screen in the hall.' },
	'kiosk.lost.done.next': 'You are next. Watch the screen in the hall.',
	'kiosk.lost.error.title': 'The ticket cannot get back in the queue.',
	'kiosk.lost.error.empty': 'Scan the QR code on your ticket.',
	'kiosk.lost.error.not_found': 'We could not find this ticket. Scan the QR code on your ticket again.',
	'kiosk.lost.error.conflict': 'This ticket was not marked as missed. Watch the screen in the hall.',
	'kiosk.lost.error.window': 'More than {minutes} have passed since the call. Please take a new ticket.',
	'kiosk.lost.error.closed': 'The office is closed now.',
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

// A moment of the office (RFC 3339 from the daemon) as the citizen says
// it: {date: "luni, 7 decembrie", time: "08:30"}, in the office's zone.
export function officeMoment(rfc3339, timeZone) {
	const d = new Date(rfc3339);
	if (!rfc3339 || Number.isNaN(d.getTime()))
		return null;
	const locale = lang === 'en' ? 'en-GB' : 'ro-RO';
	return {
		date: new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone }).format(d),
		time: new Intl.DateTimeFormat('ro-RO', { hour: '2-digit', minute: '2-digit', timeZone }).format(d),
	};
}

// "20 de minute", "1 minute": the plural of the page's language.
export const minutes = (n) => t('minutes', { n });

// What a `closed` refusal or a closed tile means for a citizen, from the
// reason and the times the daemon gives (API.md, Errors): never its
// English sentence.
export function closedText(e, service, timeZone) {
	const closes = officeMoment(e.closes_at, timeZone);
	const opens = officeMoment(e.opens_at, timeZone);
	let text;
	if (e.reason === 'cutoff' && closes && e.cutoff_min != null)
		text = t('closed.cutoff', { time: closes.time, minutes: minutes(e.cutoff_min) });
	else if (e.reason === 'estimate' && closes && e.wait_min != null)
		text = t('closed.estimate', { service, minutes: minutes(e.wait_min), time: closes.time });
	else if (e.reason === 'closed' && opens)
		return t('closed.reopens', opens);
	else
		text = t('closed.closed');
	return opens && e.reason !== 'closed' ? text + ' ' + t('closed.next', opens) : text;
}

// Why a late check-in got a regular ticket: the ticket's `booked_at` and
// the grace the daemon gives (API.md, POST /api/v1/checkins).
export function lateText(ticket, timeZone) {
	const at = officeMoment(ticket.booked_at, timeZone);
	return at && ticket.late_grace_min != null
		? t('kiosk.ticket.late.at', { time: at.time, minutes: minutes(ticket.late_grace_min) })
		: t('kiosk.ticket.late');
}

// What the citizen is told when a kiosk request fails: {title, text,
// booking, ticket}. Worded from the error's code and parameters only.
// what: 'issue' (a ticket for a service, named `service`) or 'checkin'.
export function describeKioskError(err, what, service, timeZone) {
	if (err.network)
		return { title: t('error.title'), text: t('error.network') };
	if (err.status === 403)
		return { title: t('error.title'), text: t('error.forbidden') };
	// Admission ([policy] walkin_limit): worded here from the numbers,
	// never the daemon's English sentence.
	if (err.code === 'wait_too_long' && Number.isInteger(err.wait_min) &&
	    Number.isInteger(err.limit_min))
		return {
			title: t('wait.title'),
			text: t('wait.text', { wait: minutes(err.wait_min), limit: minutes(err.limit_min) }),
			booking: true,
		};
	if (err.code === 'closed')
		return { title: t('closed.title'), text: closedText(err, service, timeZone), booking: true };
	if (what === 'checkin') {
		const title = t('checkin.title');
		switch (err.status) {
		case 400:
			return { title, text: t('checkin.bad') };
		case 404:
			return { title, text: t('checkin.not_found') };
		case 410:
			return { title, text: t('checkin.gone') };
		case 409:
			return { title, text: t('checkin.already'), ticket: err.ticket || null };
		case 422: {
			const at = officeMoment(err.starts_at, timeZone);
			const text = at ? t('checkin.other_day.at', at) : t('checkin.other_day');
			return { title, text, booking: true };
		}
		}
	} else {
		if (err.status === 404)
			return { title: t('error.title'), text: t('error.service') };
		if (err.status === 422)
			return { title: t('error.title'), text: t('error.info') };
	}
	return { title: t('error.title'), text: t('error.generic') };
}

// A page with words of its own (the reports page) adds them here, so that
// t() finds them; English falls back to Romanian as for the others.
export function addWords(roWords, enWords = {}) {
	Object.assign(ro, roWords);
	Object.assign(en, enWords);
}
