// Booking codes at the kiosk, on the on-screen keypad and from a scanner
// that types the code and Enter, against the daemon on its test clock
// (Thursday 2026-12-03 10:00, open 08:30-18:30): a good code, a late one,
// a wrong one, another day's, a cancelled one, a repeated one; and the
// answer of a kiosk after the walk-in cut-off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, BOOKING_SITE, Daemon, MIN_TEXT_PX, launchBrowser, openPage, settle, textSize, unexpectedProblems,
} from './harness.mjs';

const DAY = '2026-12-03';
const at = (hhmm, day = DAY) => `${day}T${hhmm}:00+02:00`;
// A 15-minute slot starting at hh:mm.
function booking(code, hhmm, { day = DAY, status = 'booked', service = 'A' } = {}) {
	const [h, m] = hhmm.split(':').map(Number);
	const end = `${String(h + Math.floor((m + 15) / 60)).padStart(2, '0')}:${String((m + 15) % 60).padStart(2, '0')}`;
	return { code, service, start: at(hhmm, day), end: at(end, day), phone: '+40722000111', status };
}

describe('booking codes at the kiosk', () => {
	let daemon, browser;

	before(async () => {
		// Imported at 09:40, before LATE42's slot is over (a booking
		// already over is refused); the morning goes on from 10:00.
		daemon = await new Daemon({ alwaysOpen: false, args: ['--test-clock', at('09:40')] }).start();
		const r = await daemon.api('POST', '/api/v1/appointments', {
			token: ADMIN_TOKEN,
			body: {
				appointments: [
					booking('X7K2P9', '10:20'),
					booking('LATE42', '09:30'),
					booking('SCAN77', '10:40', { service: 'B' }),
					booking('TMRW01', '10:00', { day: '2026-12-04' }),
					booking('GONE55', '11:00', { status: 'cancelled' }),
				],
			},
		});
		assert.equal(r.status, 200, JSON.stringify(r.data));
		const c = await daemon.api('POST', '/api/v1/test/clock', { token: ADMIN_TOKEN, body: { advance_s: 20 * 60 } });
		assert.equal(c.status, 200);
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	async function kiosk() {
		const page = await openPage(browser, daemon.url + '/kiosk', { width: 1080, height: 1920 });
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		return page;
	}

	// Opens the keypad, types code key by key, confirms; returns the answer.
	async function typeCode(page, code) {
		await page.tap('#booking-tile');
		await settle(page, 'code');
		for (const ch of code)
			await page.tap(`#keypad .key:text-is("${ch}")`);
		assert.equal(await page.textContent('#code-value'), code);
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/checkins')),
			page.tap('#code-ok'),
		]);
		return res;
	}

	test('a booking code on the keypad gives an appointment ticket', async () => {
		const page = await kiosk();
		await page.tap('#booking-tile');
		await settle(page, 'code');
		// A typo, corrected with the delete key.
		await page.tap('#keypad .key:text-is("Q")');
		await page.tap('#del-key');
		for (const ch of 'X7K2P9')
			await page.tap(`#keypad .key:text-is("${ch}")`);
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/checkins')),
			page.tap('#code-ok'),
		]);
		assert.equal(res.status(), 201);
		const ticket = await res.json();
		assert.equal(ticket.kind, 'appointment');
		await page.locator('#ticket').waitFor();
		assert.equal((await page.textContent('#ticket-number')).trim(), ticket.number);
		assert.match(ticket.number, /^P\d{3}$/);
		assert.equal(await page.textContent('#ticket-kind'), 'Programare confirmată');
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('a late check-in gets a regular ticket and is told why', async () => {
		const page = await kiosk();
		const res = await typeCode(page, 'LATE42');
		assert.equal(res.status(), 201);
		const ticket = await res.json();
		assert.equal(ticket.kind, 'walk_in');
		assert.equal(ticket.late, true);
		await page.locator('#ticket').waitFor();
		assert.match(await page.textContent('#ticket-late'),
			/Programarea dumneavoastră era la ora 09:30 și ați ajuns cu peste 15 minute întârziere/);
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('a scanner types the code and Enter on the start screen', async () => {
		const page = await kiosk();
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/checkins')),
			page.keyboard.type('https://programare.primariasector1.ro/c/SCAN77\n'),
		]);
		assert.equal(res.status(), 201);
		assert.equal(JSON.parse(res.request().postData()).code, 'SCAN77');
		const ticket = await res.json();
		await page.locator('#ticket').waitFor();
		assert.equal((await page.textContent('#ticket-number')).trim(), ticket.number);
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('a booking already checked in shows its number as large as a new ticket', async () => {
		const page = await kiosk();
		const res = await typeCode(page, 'X7K2P9');
		assert.equal(res.status(), 409);
		const err = (await res.json()).error;
		await page.locator('#ticket').waitFor();
		assert.equal((await page.textContent('#ticket-number')).trim(), err.ticket.number);
		assert.match(err.ticket.number, /^P\d{3}$/);
		assert.equal(await page.textContent('#ticket-h'), 'V-ați prezentat deja pentru această programare.');
		assert.match(await page.textContent('#ticket-print'), /Acesta este numărul dumneavoastră/);
		const size = await textSize(page, '#ticket-number');
		assert.ok(size.fontPx >= MIN_TEXT_PX.kioskNumber, `the number is ${size.fontPx} px`);
		assert.equal(await page.getAttribute('#ticket', 'class').then((c) => c.includes('is-print-failed')), false);
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/checkins$/]), []);
	});

	const refusals = [
		['a wrong code', 'NOPE00', 404, /Nu am găsit o programare cu acest cod/],
		['another day\'s booking', 'TMRW01', 422, /Programarea este pentru vineri, 4 decembrie, ora 10:00, nu pentru astăzi\./],
		['a cancelled booking', 'GONE55', 410, /Această programare a fost anulată\./],
	];
	for (const [what, code, status, text] of refusals) {
		test(what + ' is said in words, never the system\'s sentence', async () => {
			const page = await kiosk();
			const res = await typeCode(page, code);
			assert.equal(res.status(), status);
			const err = (await res.json()).error;
			await page.locator('#message').waitFor();
			assert.equal(await page.textContent('#message-h'), 'Nu am putut confirma programarea.');
			assert.match(await page.textContent('#message-text'), text);
			assert.ok(!(await page.textContent('#message')).includes(err.message), 'the daemon\'s sentence is shown');
			assert.doesNotMatch(await page.textContent('#message'), /Mesajul sistemului/);
			// A wrong code can be corrected: back to the keypad, code kept.
			if (status === 404) {
				await settle(page, 'message');
				await page.tap('#message [data-action="home"]');
				await page.locator('#code').waitFor();
				assert.equal(await page.textContent('#code-value'), code);
			}
			assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/checkins$/]), []);
		});
	}
});

describe('a kiosk after the walk-in cut-off', () => {
	let daemon, browser;

	before(async () => {
		// Thursday closes at 18:30 and stops tickets 15 minutes before.
		daemon = await new Daemon({ alwaysOpen: false, args: ['--test-clock', at('18:20')] }).start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('says so in words, with the next opening, and points to online booking', async () => {
		const page = await openPage(browser, daemon.url + '/kiosk', { width: 1920, height: 1080 });
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/tickets')),
			page.tap('#services .tile[data-service="A"]'),
		]);
		assert.equal(res.status(), 422);
		const err = (await res.json()).error;
		assert.equal(err.code, 'closed');
		await page.locator('#message').waitFor();
		assert.equal(await page.textContent('#message-h'), 'Nu se mai eliberează bonuri acum.');
		assert.equal(await page.textContent('#message-text'),
			'Azi nu se mai eliberează bonuri: biroul se închide la 18:30, iar bonurile se opresc cu 15 minute înainte. ' +
			'Bonurile se dau din nou vineri, 4 decembrie, de la ora 08:30.');
		assert.equal(await page.textContent('#message-booking'), `Vă puteți programa online pe ${BOOKING_SITE}.`);
		assert.ok(!(await page.textContent('#message')).includes(err.message), 'the daemon\'s sentence is shown');
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/tickets$/]), []);
	});
});
