// The kiosk's SMS offer (issue #12): after a ticket a citizen may give a
// mobile number on a numeric keypad, with explicit consent, or skip it in
// one tap; the daemon then texts the number (here through [sms] driver =
// http to a gateway played by this test). Romanian words throughout, the
// refusals worded by the page, portrait and landscape; screenshots kept.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
	COUNTERS, Daemon, launchBrowser, openPage, screenshot, settle, unexpectedProblems, waitFor,
} from './harness.mjs';

const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };
const TOK2 = COUNTERS['2'].token; // a counter that serves A

// A provider's SMS API: records each request, answers 200.
function startGateway() {
	const requests = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => { body += c; });
		req.on('end', () => {
			requests.push({ url: req.url, body: JSON.parse(body || 'null') });
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end('{"status":"queued"}');
		});
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
		requests, port: server.address().port, close: () => server.close(),
	})));
}

async function takeTicket(page) {
	await page.locator('#services .tile').first().waitFor();
	await settle(page, 'home');
	await page.tap('#services .tile >> nth=0');
	await settle(page, 'ticket');
	return (await page.textContent('#ticket-number')).trim();
}

async function typeNumber(page, digits) {
	for (const d of digits)
		await page.tap(`#sms-keypad .key[data-key="${d}"]`);
}

describe('the SMS offer after a ticket', () => {
	let daemon, plain, browser, gateway;

	before(async () => {
		gateway = await startGateway();
		daemon = await new Daemon({
			extra: {
				tail: `[sms]\ndriver = http\nurl = http://127.0.0.1:${gateway.port}/send\n` +
					'notify_ahead = 5\nretries = 0\ntimeout = 5',
			},
		}).start();
		plain = await new Daemon().start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
		await plain?.close();
		gateway?.close();
	});

	for (const [size, viewport] of Object.entries({ portrait: PORTRAIT, landscape: LANDSCAPE })) {
		test(`a number typed with consent is texted (${size})`, async () => {
			const page = await openPage(browser, daemon.url + '/kiosk', viewport);
			const number = await takeTicket(page);
			const offer = page.locator('#sms-open');
			await offer.waitFor({ state: 'visible' });
			assert.equal(await offer.textContent(), 'Vreau SMS când se apropie rândul');
			await screenshot(page, `kiosk-sms-offer-${size}`);

			await offer.tap();
			await settle(page, 'sms');
			assert.equal(await page.textContent('#sms-h'), `SMS pentru bonul ${number}`);
			assert.equal(await page.textContent('#sms-value'), 'Numărul de mobil (07…)');
			assert.match(await page.textContent('.sms-consent'), /Sunt de acord să primesc SMS-uri/);
			assert.equal(await page.textContent('#sms-skip'), 'Nu, mulțumesc');
			await typeNumber(page, '07221234567'); // the 11th digit is not taken
			assert.equal(await page.textContent('#sms-value'), '0722 123 456');
			// No consent, no sending.
			assert.equal(await page.isDisabled('#sms-send'), true);
			await page.tap('#sms-consent');
			assert.equal(await page.isDisabled('#sms-send'), false);
			await screenshot(page, `kiosk-sms-number-${size}`);

			const before = gateway.requests.length;
			await page.tap('#sms-send');
			await settle(page, 'ticket');
			assert.equal(await page.textContent('#sms-done'), 'Vă trimitem SMS la 07xx xxx 456.');
			assert.equal(await offer.isVisible(), false);
			await screenshot(page, `kiosk-sms-done-${size}`);

			// Nobody ahead: the "turn near" text goes at once.
			await waitFor(() => gateway.requests.length > before, { what: 'a request to the gateway' });
			const req = gateway.requests[before];
			assert.equal(req.url, '/send');
			assert.equal(req.body.to, '+40722123456');
			assert.match(req.body.text, new RegExp(`^Bonul ${number}: `));
			assert.deepEqual(unexpectedProblems(page), []);
			await page.close();
		});
	}

	test('skipped in one tap, and back in one tap', async () => {
		const page = await openPage(browser, daemon.url + '/kiosk', PORTRAIT);
		await takeTicket(page);
		await page.tap('#sms-open');
		await settle(page, 'sms');
		await typeNumber(page, '0812345678');
		// Ten digits that are not a mobile number: said so, not sent.
		assert.equal(await page.textContent('#sms-error'),
			'Numărul trebuie să aibă 10 cifre și să înceapă cu 07.');
		await page.tap('#sms-consent');
		assert.equal(await page.isDisabled('#sms-send'), true);
		await screenshot(page, 'kiosk-sms-not-mobile');
		await page.tap('#sms-skip');
		await settle(page, 'ticket');
		assert.equal(await page.isVisible('#sms-open'), true);
		assert.equal(await page.isVisible('#sms-done'), false);
		// The ticket screen's own button still ends it: the offer is never
		// in the way.
		await page.tap('[data-action="home"] >> visible=true');
		await settle(page, 'home');
		// A new ticket: a fresh offer, nothing typed.
		await takeTicket(page);
		await page.tap('#sms-open');
		await settle(page, 'sms');
		assert.equal(await page.textContent('#sms-value'), 'Numărul de mobil (07…)');
		assert.equal(await page.isChecked('#sms-consent'), false);
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});

	test('a refusal is worded by the page, in Romanian', async () => {
		const page = await openPage(browser, daemon.url + '/kiosk', LANDSCAPE);
		const number = await takeTicket(page);
		// Called meanwhile: the daemon refuses (409).
		let called = null;
		for (let i = 0; i < 20 && called !== number; i++) {
			const r = await daemon.api('POST', '/api/v1/counters/2/next', { token: TOK2 });
			assert.equal(r.status, 200, JSON.stringify(r.data));
			called = r.data?.number;
		}
		assert.equal(called, number);
		await page.tap('#sms-open');
		await settle(page, 'sms');
		await typeNumber(page, '0744555666');
		await page.tap('#sms-consent');
		await page.tap('#sms-send');
		await page.locator('#sms-error').waitFor({ state: 'visible' });
		assert.equal(await page.textContent('#sms-error'),
			'Bonul a fost deja chemat, deci nu mai trimitem SMS.');
		assert.equal(await page.evaluate(() => document.body.dataset.screen), 'sms');
		await screenshot(page, 'kiosk-sms-refused');
		assert.deepEqual(unexpectedProblems(page, [/\/phone$/]), []);
		await page.close();
	});

	test('in English, the offer is English', async () => {
		const page = await openPage(browser, daemon.url + '/kiosk', PORTRAIT);
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		await page.tap('#lang');
		await takeTicket(page);
		assert.equal(await page.textContent('#sms-open'), 'Text me when my turn nears');
		await page.tap('#sms-open');
		await settle(page, 'sms');
		assert.equal(await page.textContent('#sms-skip'), 'No, thanks');
		await page.close();
	});

	test('an office that sends no texts offers none', async () => {
		const page = await openPage(browser, plain.url + '/kiosk', PORTRAIT);
		await takeTicket(page);
		assert.equal(await page.isVisible('#sms-open'), false);
		assert.equal(await page.isVisible('#sms-done'), false);
		await screenshot(page, 'kiosk-sms-none');
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});
});
