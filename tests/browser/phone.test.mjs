// The citizen's phone, the QR code on the kiosk and a second chance
// (docs/API.md, "The citizen's ticket"): the page /t/{token} at 390x844
// follows its ticket from waiting to called through the event stream and,
// without one, by polling; the kiosk shows the ticket's QR code, large when
// the paper did not come out; a no-show comes back from the counter page
// and from the kiosk's "Am pierdut rândul". Screenshots are kept.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, COUNTERS, Daemon, SUPERVISOR_TOKEN, launchBrowser, openPage, screenshot, settle, smallTargets, startPrinter,
	textSize, unexpectedProblems, waitFor,
} from './harness.mjs';

const PHONE = { width: 390, height: 844 };
const NARROW = { width: 360, height: 740 };
const PORTRAIT = { width: 1080, height: 1920 };
const URL_BASE = 'https://bonuri.example.ro/t/';
// A call reaches a following page through the stream within this long.
const STREAM_MS = 3000;
// Without a stream the page polls every 2.5 s.
const POLL_MS = 8000;

describe('the citizen\'s phone', () => {
	let daemon;
	let browser;
	let printer;

	before(async () => {
		printer = await startPrinter();
		daemon = await new Daemon({
			printerPort: printer.port,
			extra: { office: `ticket_url = ${URL_BASE}{token}` },
		}).start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
		await printer?.close();
	});

	async function issue(service = 'A') {
		const r = await daemon.api('POST', '/api/v1/tickets', { body: { service, kiosk: 'k1' } });
		assert.equal(r.status, 201, JSON.stringify(r.data));
		return r.data;
	}

	const counter = (id, action, body) => daemon.api('POST', `/api/v1/counters/${id}/${action}`,
		{ token: COUNTERS[id].token, body });

	// Finishes whatever the counters hold, so that each test starts clean.
	async function drain() {
		for (;;) {
			const r = await counter(1, 'next');
			if (r.status === 204)
				break;
			assert.equal(r.status, 200);
		}
		for (const id of [1, 2, 3, 4, 10])
			await counter(id, 'next');
	}

	const text = (page, sel) => page.locator(sel).textContent();

	test('follows a ticket from waiting to called, at 390x844', async () => {
		await drain();
		const first = await issue('A');
		const mine = await issue('A');
		const page = await openPage(browser, `${daemon.url}/t/${mine.token}`, PHONE);
		await page.waitForFunction(() => document.documentElement.dataset.live === 'stream');
		await page.waitForFunction((n) => document.getElementById('number').textContent === n, mine.number);
		assert.equal(await page.locator('#card').getAttribute('data-state'), 'waiting');
		assert.equal(await text(page, '#service'), 'Taxe și impozite locale');
		assert.equal(await text(page, '#headline'), 'Mai este 1 persoană înaintea dumneavoastră.');
		assert.match(await text(page, '#detail'), /^Timp estimat de așteptare: aproximativ \d+ (de )?minute?\.$/);
		// Large type that fits the phone: no sideways scrolling.
		const size = await textSize(page, '#number');
		assert.ok(size.visible && size.fontPx >= 64, `the number is ${size.fontPx} px`);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'fits 390 px');
		assert.deepEqual(await smallTargets(page, 44), []);
		// Nothing about anyone else on the page.
		assert.ok(!(await page.content()).includes(first.number), 'another ticket\'s number is on the page');
		await screenshot(page, 'phone-waiting');

		// The one ahead is called: this one is next, at once.
		const t0 = Date.now();
		const c1 = await counter(1, 'next');
		assert.equal(c1.data.id, first.id);
		await page.waitForFunction(() => document.getElementById('headline').textContent === 'Urmează rândul dumneavoastră.',
			null, { timeout: STREAM_MS });

		// Called at counter 2: the page says so, and where.
		const c2 = await counter(2, 'next');
		assert.equal(c2.data.id, mine.id);
		await page.waitForFunction(() => document.getElementById('card').dataset.state === 'called', null, { timeout: STREAM_MS });
		assert.ok(Date.now() - t0 < 2 * STREAM_MS);
		assert.equal(await text(page, '#headline'), 'Este rândul dumneavoastră!');
		assert.equal(await text(page, '#detail'), 'Mergeți la Ghișeul 2.');
		const called = await textSize(page, '#detail');
		assert.ok(called.fontPx >= 24, `the counter is ${called.fontPx} px`);
		assert.match(await page.title(), new RegExp('^' + mine.number));
		await screenshot(page, 'phone-called');

		// English on the switch.
		await page.click('#lang');
		assert.equal(await text(page, '#headline'), 'It is your turn!');
		assert.equal(await text(page, '#detail'), 'Please go to Ghișeul 2.');
		await screenshot(page, 'phone-called-en');
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
		await counter(2, 'done', { outcome: 'served' });
	});

	test('a 360 px wide phone fits too', async () => {
		const mine = await issue('B');
		const page = await openPage(browser, `${daemon.url}/t/${mine.token}`, NARROW);
		await page.waitForFunction((n) => document.getElementById('number').textContent === n, mine.number);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'fits 360 px');
		await screenshot(page, 'phone-360');
		await page.close();
		await drain();
	});

	test('without the event stream the page polls, and says served', async () => {
		await drain();
		const mine = await issue('A');
		const context = await browser.newContext({ viewport: PHONE, hasTouch: true });
		const page = await context.newPage();
		await page.route('**/api/v1/events', (route) => route.abort());
		await page.goto(`${daemon.url}/t/${mine.token}`);
		await page.waitForFunction(() => document.documentElement.dataset.live === 'poll');
		await page.waitForFunction(() => document.getElementById('card').dataset.state === 'waiting');
		assert.equal(await text(page, '#headline'), 'Urmează rândul dumneavoastră.');
		await counter(1, 'next');
		await page.waitForFunction(() => document.getElementById('card').dataset.state === 'called', null, { timeout: POLL_MS });
		assert.equal(await text(page, '#detail'), 'Mergeți la Ghișeul 1.');
		await counter(1, 'done', { outcome: 'served' });
		await page.waitForFunction(() => document.getElementById('card').dataset.state === 'served', null, { timeout: POLL_MS });
		assert.equal(await text(page, '#headline'), 'Ați fost servit. Vă mulțumim!');
		await context.close();
	});

	test('a ticket a supervisor took out of the queue says so, not "called"', async () => {
		await drain();
		const mine = await issue('A');
		const r = await daemon.api('POST', `/api/v1/tickets/${mine.id}/cancel`,
			{ token: SUPERVISOR_TOKEN, body: { reason: 'a plecat' } });
		assert.equal(r.status, 200, JSON.stringify(r.data));
		const page = await openPage(browser, `${daemon.url}/t/${mine.token}`, PHONE);
		await page.waitForFunction(() => document.getElementById('card').dataset.state === 'no_show');
		assert.equal(await text(page, '#headline'), 'Bonul a fost scos de la rând: nu v-am găsit în sală.');
		assert.match(await text(page, '#detail'), /^Puteți reveni la rând până la ora \d\d:\d\d: /);
		await screenshot(page, 'phone-cancelled');
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
		// Back, and finished: the counter's list of no-shows starts empty.
		assert.equal((await counter(1, `tickets/${mine.id}/return`)).status, 200);
		await drain();
	});

	test('an unknown token says so, in Romanian', async () => {
		const page = await openPage(browser, `${daemon.url}/t/${'A'.repeat(21)}Q`, PHONE);
		await page.waitForFunction(() => document.getElementById('card').dataset.state === 'missing');
		assert.equal(await text(page, '#headline'),
			'Nu am găsit acest bon. Verificați adresa de pe bon sau scanați din nou codul QR.');
		await screenshot(page, 'phone-unknown');
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/t\//]), []);
		await page.close();
	});

	async function kiosk() {
		const page = await openPage(browser, daemon.url + '/kiosk?kiosk=k1', PORTRAIT);
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		return page;
	}

	async function tapForTicket(page) {
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/tickets') && r.request().method() === 'POST'),
			page.tap('#services .tile[data-service="A"]'),
		]);
		assert.equal(res.status(), 201);
		await page.locator('#ticket').waitFor();
		return res.json();
	}

	// The SVG the kiosk shows is the daemon's code of this ticket's token.
	async function assertQrOf(page, ticket) {
		await page.locator('#ticket-qr').waitFor({ state: 'visible', timeout: 5000 });
		const src = await page.getAttribute('#ticket-qr-img', 'src');
		assert.equal(src, `/api/v1/t/${ticket.token}/qr.svg`);
		const natural = await page.$eval('#ticket-qr-img', (img) => img.naturalWidth);
		assert.ok(natural > 0, 'the QR code is drawn');
		const r = await fetch(daemon.url + src);
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-type'), 'image/svg+xml');
		assert.match(await r.text(), /^<svg [^>]*viewBox="0 0 \d+ \d+"/);
	}

	test('the kiosk shows the ticket\'s QR code after every ticket', async () => {
		const page = await kiosk();
		const ticket = await tapForTicket(page);
		await assertQrOf(page, ticket);
		assert.equal(await text(page, '#ticket-qr-text'),
			'Scanați codul cu telefonul: vedeți acolo câte persoane mai sunt înaintea dumneavoastră.');
		// Inside the container other offers share.
		assert.equal(await page.$eval('#ticket-qr', (el) => el.parentElement.id), 'after-ticket-extra');
		await page.locator('#ticket-print.print-ok').waitFor({ timeout: 5000 });
		await screenshot(page, 'kiosk-ticket-qr');
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
		await drain();
	});

	test('printing failed: the QR code is the citizen\'s copy, large', async () => {
		printer.setMode('paper_out');
		try {
			await waitFor(async () => {
				const r = await daemon.api('GET', '/api/v1/printers', { token: ADMIN_TOKEN });
				return r.data.find((p) => p.name === 'default')?.state === 'paper_out';
			}, { timeout: 10000, what: 'the daemon to see the paper end' });
			const page = await kiosk();
			const ticket = await tapForTicket(page);
			await page.locator('#ticket-print.print-failed').waitFor({ timeout: 5000 });
			await assertQrOf(page, ticket);
			const box = await page.locator('#ticket-qr-img').boundingBox();
			assert.ok(box.width >= 250 && box.height >= 250, `the QR code is ${box.width} px`);
			assert.equal(await text(page, '#ticket-qr-text'), 'Scanați codul cu telefonul: urmăriți bonul acolo.');
			await screenshot(page, 'kiosk-ticket-qr-unprinted');
			await page.close();
		} finally {
			printer.setMode('ready');
		}
		await drain();
	});

	async function noShow() {
		await drain();
		const ticket = await issue('A');
		const r = await counter(1, 'next');
		assert.equal(r.data.id, ticket.id);
		assert.equal((await counter(1, 'done', { outcome: 'no_show' })).data.state, 'no_show');
		return ticket;
	}

	test('the counter page brings a no-show back', async () => {
		const ticket = await noShow();
		const page = await openPage(browser, `${daemon.url}/counter?counter=1`, { width: 1366, height: 768 });
		await page.locator('#login-form').waitFor();
		await page.fill('#login-token', COUNTERS[1].token);
		await page.click('#login-submit');
		const item = page.locator(`#returns-list li[data-ticket="${ticket.id}"]`);
		await item.waitFor();
		assert.equal(await item.locator('.q-number').textContent(), ticket.number);
		assert.match(await item.locator('.r-until').textContent(), /^până la \d\d:\d\d$/);
		await screenshot(page, 'counter-returnable');

		// The phone of that ticket says it may come back.
		const phone = await openPage(browser, `${daemon.url}/t/${ticket.token}`, PHONE);
		await phone.waitForFunction(() => document.getElementById('card').dataset.state === 'no_show');
		assert.match(await text(phone, '#detail'), /^Puteți reveni la rând până la ora \d\d:\d\d: /);
		await screenshot(phone, 'phone-no-show');

		await item.locator('.btn-return').click();
		await page.waitForFunction((n) => document.getElementById('status').textContent.includes(n), ticket.number);
		assert.equal(await text(page, '#status'),
			`Bonul ${ticket.number} este din nou la rând, cu ora la care a fost emis.`);
		await page.locator('#returns').waitFor({ state: 'hidden' });
		await page.waitForFunction((n) => [...document.querySelectorAll('#queue .q-number')]
			.some((el) => el.textContent === n), ticket.number);
		const stored = await daemon.api('GET', '/api/v1/tickets/' + ticket.id, { token: ADMIN_TOKEN });
		assert.equal(stored.data.state, 'waiting');
		assert.equal(stored.data.issued_at, ticket.issued_at);
		await screenshot(page, 'counter-returned');
		// The phone follows: waiting again.
		await phone.waitForFunction(() => document.getElementById('card').dataset.state === 'waiting', null, { timeout: STREAM_MS });
		assert.deepEqual(unexpectedProblems(page), []);
		assert.deepEqual(unexpectedProblems(phone), []);
		await phone.close();
		await page.close();
	});

	test('the kiosk\'s "Am pierdut rândul" takes the scanned QR code', async () => {
		const ticket = await noShow();
		const page = await kiosk();
		await page.tap('#lost-tile');
		await settle(page, 'lost');
		assert.match(await text(page, '#lost-text'), /în cel mult 30 de minute de la chemare/);
		await screenshot(page, 'kiosk-lost');
		// The scanner types the ticket's address and Enter.
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith(`/api/v1/t/${ticket.token}/return`)),
			page.keyboard.type(URL_BASE + ticket.token + '\n', { delay: 5 }),
		]);
		assert.equal(res.status(), 200);
		await settle(page, 'message');
		assert.equal(await text(page, '#message-h'), `Bonul ${ticket.number} este din nou la rând.`);
		assert.equal(await text(page, '#message-text'), 'Urmează rândul dumneavoastră. Urmăriți ecranul din sală.');
		await screenshot(page, 'kiosk-lost-returned');
		const stored = await daemon.api('GET', '/api/v1/tickets/' + ticket.id, { token: ADMIN_TOKEN });
		assert.equal(stored.data.state, 'waiting');

		// The same code again: no longer a no-show.
		await page.tap('#message [data-action="home"]');
		await settle(page, 'home');
		await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/return')),
			page.keyboard.type(URL_BASE + ticket.token + '\n', { delay: 5 }),
		]);
		await settle(page, 'message');
		assert.equal(await text(page, '#message-text'), 'Acest bon nu a fost marcat ca absent. Urmăriți ecranul din sală.');
		assert.deepEqual(unexpectedProblems(page, [/\/return$/]), []);
		await page.close();
	});
});
