// What the pages say about the office itself: its name, the time zone of
// its clocks, where citizens book online and how long a booking code may
// be, from the daemon (GET /api/v1/office: the config's [office] and the
// booking rule). The values below stand in only while the daemon cannot be
// reached when a page loads.
const fallback = {
	name: 'Primăria Sectorului 1 — Biroul Cetățeanului',
	// Where citizens book online; the kiosk points there when walk-in
	// tickets are no longer issued.
	booking: 'programare.primariasector1.ro',
	timeZone: 'Europe/Bucharest',
	// Letters and digits in a booking code (booking_code.max_length).
	codeMax: 32,
	// Minutes a no-show may come back ([policy] return_window).
	returnWindow: 30,
	// Whether tickets have a QR code ([office] ticket_url is set).
	ticketQr: false,
	// Whether the kiosk offers text messages ([sms] driver).
	sms: false,
};

// The booking address is the web address in the config's footer
// ("Programări online: programare.primariasector1.ro").
function bookingSite(footer) {
	const m = /(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/[^\s]*)?)/i.exec(footer || '');
	return m ? m[1] : '';
}

async function load() {
	const abort = new AbortController();
	const timer = setTimeout(() => abort.abort(), 2000);
	try {
		const res = await fetch('/api/v1/office', { cache: 'no-store', signal: abort.signal });
		if (!res.ok)
			return fallback;
		const o = await res.json();
		return {
			name: o.name || fallback.name,
			booking: bookingSite(o.footer) || fallback.booking,
			timeZone: o.timezone || fallback.timeZone,
			codeMax: o.booking_code?.max_length || fallback.codeMax,
			returnWindow: o.return_window_min ?? fallback.returnWindow,
			ticketQr: o.ticket_qr === true,
			sms: o.sms === true,
		};
	} catch (e) {
		return fallback;
	} finally {
		clearTimeout(timer);
	}
}

export const office = Object.freeze(await load());
