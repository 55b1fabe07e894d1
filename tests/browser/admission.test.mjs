// The kiosk's answer when the daemon refuses a walk-in ticket because the
// wait would pass [policy] walkin_limit (422 wait_too_long, docs/API.md):
// the page words it from the numbers, in Romanian and in English, with
// the plural of each, points to online booking, and never shows the
// daemon's English sentence. The daemon's side of the refusal is tested
// in tests/unit (test_office); here the answer is played to the page.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BOOKING_SITE, Daemon, launchBrowser, openPage, settle, unexpectedProblems } from './harness.mjs';

const DAEMON_SENTENCE = 'No ticket for "Taxe" now: the wait would be about 20 minutes, '
	+ 'longer than the 2 minutes this office keeps walk-ins waiting. Please book an appointment online.';

describe('admission', () => {
	let daemon, browser;

	before(async () => {
		daemon = await new Daemon().start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	async function refused(lang, wait, limit) {
		const page = await openPage(browser, daemon.url + '/kiosk?kiosk=k1', { width: 1080, height: 1920 });
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		if (lang === 'en')
			await page.tap('#lang');
		await page.route('**/api/v1/tickets', (route) => route.fulfill({
			status: 422,
			contentType: 'application/json',
			body: JSON.stringify({ error: {
				code: 'wait_too_long', message: DAEMON_SENTENCE, wait_min: wait, limit_min: limit,
			} }),
		}));
		await page.tap('#services .tile[data-service="A"]');
		await page.locator('#message').waitFor();
		const text = {
			title: await page.textContent('#message-h'),
			text: await page.textContent('#message-text'),
			booking: await page.textContent('#message-booking'),
			all: await page.textContent('#message'),
		};
		// The refusal is expected: the page logs the failed request.
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/tickets$/]), []);
		await page.close();
		return text;
	}

	test('Romanian, with the plurals of 1, 2 and 20 minutes', async () => {
		let m = await refused('ro', 20, 2);
		assert.equal(m.title, 'Acum nu vă putem da bon pentru acest serviciu.');
		assert.match(m.text, /aproximativ 20 de minute, peste limita de 2 minute /);
		assert.match(m.booking, new RegExp(BOOKING_SITE.replace(/\./g, '\\.')));
		assert.ok(!m.all.includes('No ticket'), m.all);
		m = await refused('ro', 2, 1);
		assert.match(m.text, /aproximativ 2 minute, peste limita de 1 minut /);
	});

	test('English', async () => {
		const m = await refused('en', 20, 1);
		assert.equal(m.title, 'No ticket for this service right now.');
		assert.match(m.text, /about 20 minutes, more than the 1 minute /);
		assert.match(m.text, /book an appointment online/);
		assert.ok(!m.all.includes(DAEMON_SENTENCE), m.all);
	});
});
