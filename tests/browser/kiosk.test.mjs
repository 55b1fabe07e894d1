// The kiosk page in Chromium against the real daemon and a TCP printer:
// a tap gives the ticket the daemon issued and its bytes reach the printer;
// a double tap gives one ticket; an out-of-paper printer gives the fallback
// instruction; priority and information tiles; English and back.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, BOOKING_SITE, MIN_TEXT_PX, OFFICE_NAME, Daemon, launchBrowser, openPage, settle, smallTargets, startPrinter, textSize,
	unexpectedProblems, roMinutes, waitFor,
} from './harness.mjs';

const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };

describe('kiosk', () => {
	let printer, daemon, browser;

	before(async () => {
		printer = await startPrinter();
		daemon = await new Daemon({ printerPort: printer.port }).start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
		await printer?.close();
	});

	async function kiosk(viewport = PORTRAIT) {
		const page = await openPage(browser, daemon.url + '/kiosk?kiosk=k1', viewport);
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		return page;
	}

	// Taps a tile and returns the ticket of the POST's answer.
	async function tapForTicket(page, selector, path = '/api/v1/tickets') {
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith(path) && r.request().method() === 'POST'),
			page.tap(selector),
		]);
		assert.equal(res.status(), 201, await res.text());
		await page.locator('#ticket').waitFor();
		return res.json();
	}

	test('a tap shows the number the daemon issued, and the ticket is printed', async () => {
		const page = await kiosk();
		const before = printer.data().length;
		const ticket = await tapForTicket(page, '#services .tile[data-service="A"]');

		const shown = (await page.textContent('#ticket-number')).trim();
		const stored = await daemon.api('GET', '/api/v1/tickets/' + ticket.id, { token: ADMIN_TOKEN });
		assert.equal(stored.status, 200);
		assert.equal(shown, stored.data.number);
		assert.match(shown, /^A\d{3}$/);
		// The number is what the citizen must remember: large.
		const size = await textSize(page, '#ticket-number');
		assert.ok(size.visible && size.fontPx >= MIN_TEXT_PX.kioskNumber && size.height >= MIN_TEXT_PX.kioskNumber,
			`the ticket number is ${size.fontPx} px (text ${Math.round(size.height)} px tall), want at least ${MIN_TEXT_PX.kioskNumber}`);
		assert.equal(await page.textContent('#ticket-service'), 'Taxe și impozite locale');
		// The office is the config's ([office]), not a copy in the page.
		assert.equal(await page.textContent('#office-name'), OFFICE_NAME);
		assert.match(await page.textContent('#footer'), new RegExp(BOOKING_SITE.replace(/\./g, '\\.')));

		await waitFor(() => printer.data().subarray(before).includes(Buffer.from(shown)),
			{ what: 'the ticket number in the printer bytes' });
		await waitFor(async () => (await page.getAttribute('#ticket-print', 'class')).includes('print-ok'),
			{ what: 'the "take your ticket" line' });
		assert.match(await page.textContent('#ticket-print'), /Luați bonul de la imprimantă/);

		await settle(page, 'ticket');
		await page.tap('#ticket [data-action="home"]');
		await page.locator('#home').waitFor();
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('people ahead and the estimated wait are shown', async () => {
		const page = await kiosk();
		const ticket = await tapForTicket(page, '#services .tile[data-service="A"]');
		assert.ok(ticket.ahead >= 1, 'an earlier test left a ticket waiting in A');
		const ahead = await page.textContent('#ticket-ahead');
		assert.match(ahead, new RegExp(`Înaintea dumneavoastră: ${ticket.ahead} (persoană|persoane)`));
		if (ticket.est_wait_min !== null)
			assert.equal(await page.textContent('#ticket-wait'), `Timp estimat de așteptare: aproximativ ${roMinutes(ticket.est_wait_min)}`);
		await page.close();
	});

	test('a double tap makes one ticket', async () => {
		const page = await kiosk();
		let posts = 0;
		page.on('request', (r) => { if (r.method() === 'POST') posts++; });
		const waitingBefore = (await daemon.api('GET', '/api/v1/services')).data.find((s) => s.id === 'B').waiting;
		await page.locator('#services .tile[data-service="B"]').dblclick();
		await page.locator('#ticket').waitFor();
		await page.waitForTimeout(800);
		assert.equal(posts, 1);
		assert.ok(await page.isVisible('#ticket'), 'the ticket screen stays up');
		const waitingAfter = (await daemon.api('GET', '/api/v1/services')).data.find((s) => s.id === 'B').waiting;
		assert.equal(waitingAfter, waitingBefore + 1);
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('a priority ticket', async () => {
		const page = await kiosk();
		await page.tap('#priority-tile');
		await settle(page, 'priority');
		const ticket = await tapForTicket(page, '#priority-services .tile[data-service="C"]');
		assert.equal(ticket.kind, 'priority');
		assert.equal(await page.textContent('#ticket-kind'), 'Bon cu prioritate');
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('an information tile says where to go and prints nothing', async () => {
		const page = await kiosk();
		let posts = 0;
		page.on('request', (r) => { if (r.method() === 'POST') posts++; });
		await page.tap('#infos .tile[data-service="SC"]');
		await page.locator('#message').waitFor();
		assert.match(await page.textContent('#message-h'), /Unde mergeți: Acte de stare civilă/);
		assert.match(await page.textContent('#message-text'), /Bd\. Mareșal Averescu nr\. 17/);
		assert.equal(posts, 0);
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('English on the switch, Romanian again for the next citizen', async () => {
		const page = await kiosk();
		await page.tap('#lang');
		assert.equal(await page.getAttribute('html', 'lang'), 'en');
		assert.equal(await page.textContent('#home-lead'), 'Touch the service you need a queue ticket for.');
		await tapForTicket(page, '#services .tile[data-service="A"]');
		assert.equal(await page.textContent('#ticket-h'), 'Your ticket');
		// Untouched, the ticket screen goes back to the start, in Romanian.
		await page.locator('#home').waitFor({ timeout: 30000 });
		assert.equal(await page.getAttribute('html', 'lang'), 'ro');
		assert.equal(await page.textContent('#home-lead'), 'Atingeți serviciul pentru care doriți bon de ordine.');
		assert.deepEqual(unexpectedProblems(page), []);
	});

	test('every touch target is at least 60 px, in both orientations', async () => {
		for (const viewport of [PORTRAIT, LANDSCAPE]) {
			const page = await kiosk(viewport);
			assert.deepEqual(await smallTargets(page), [], 'start screen ' + viewport.width);
			await page.tap('#booking-tile');
			await page.locator('#code').waitFor();
			assert.deepEqual(await smallTargets(page), [], 'code screen ' + viewport.width);
			const fits = await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth);
			assert.ok(fits, 'no sideways scrolling');
			await page.close();
		}
	});

	test('a printer out of paper: the kiosk says to note the number', async () => {
		printer.setMode('paper_out');
		try {
			await waitFor(async () => {
				const r = await daemon.api('GET', '/api/v1/printers', { token: ADMIN_TOKEN });
				return r.data.find((p) => p.name === 'default')?.state === 'paper_out';
			}, { timeout: 10000, what: 'the daemon to see the paper end' });
			const page = await kiosk();
			const ticket = await tapForTicket(page, '#services .tile[data-service="A"]');
			await page.locator('#ticket-print.print-failed').waitFor({ timeout: 5000 });
			const text = await page.textContent('#ticket-print');
			assert.match(text, /Bonul nu a putut fi tipărit\./);
			assert.match(text, /Notați numărul și anunțați biroul de informații\./);
			assert.equal(await page.getAttribute('#ticket-print', 'role'), 'alert');
			// The number is still on the screen, and it is the ticket's.
			assert.equal((await page.textContent('#ticket-number')).trim(), ticket.number);
			const stored = await daemon.api('GET', '/api/v1/tickets/' + ticket.id, { token: ADMIN_TOKEN });
			assert.equal(stored.data.printed, 'failed');
			assert.deepEqual(unexpectedProblems(page), []);
		} finally {
			printer.setMode('ready');
		}
	});
});
