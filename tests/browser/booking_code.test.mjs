// The booking code is one rule (daemon/core/booking.h): a code of 32
// letters and digits, sent by the booking platform with dashes, imports,
// and a citizen types all 32 on the kiosk's keypad (the kiosk learns the
// limit from GET /api/v1/office) and checks in, at every kiosk size.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, Daemon, launchBrowser, openPage, screenshot, settle, unexpectedProblems,
} from './harness.mjs';

const DAY = '2026-12-03';
const CODES = {
	portrait: 'QWERTYUIOPASDFGHJKLZXCVBNM123456',
	landscape: 'MNBVCXZLKJHGFDSAPOIUYTREWQ654321',
	small: 'ZXCVBNMASDFGHJKLQWERTYUIOP098765',
};
const dashed = (code) => code.match(/.{1,4}/g).join('-');
const SIZES = {
	portrait: { width: 1080, height: 1920 },
	landscape: { width: 1920, height: 1080 },
	small: { width: 768, height: 1024 },
};

describe('a 32-character booking code', () => {
	let daemon, browser;

	before(async () => {
		daemon = await new Daemon({ alwaysOpen: false, args: ['--test-clock', `${DAY}T10:00:00+02:00`] }).start();
		const r = await daemon.api('POST', '/api/v1/appointments', {
			token: ADMIN_TOKEN,
			body: {
				appointments: Object.values(CODES).map((code) => ({
					code: dashed(code), service: 'A',
					start: `${DAY}T10:15:00+02:00`, end: `${DAY}T10:30:00+02:00`,
				})),
			},
		});
		assert.equal(r.status, 200, JSON.stringify(r.data));
		assert.equal(r.data.created, 3);
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('the daemon tells the pages the code rule', async () => {
		const r = await daemon.api('GET', '/api/v1/office');
		assert.equal(r.status, 200);
		assert.deepEqual(r.data.booking_code, { min_length: 4, max_length: 32 });
	});

	for (const [size, code] of Object.entries(CODES)) {
		test(`typed on the keypad at ${SIZES[size].width}×${SIZES[size].height}, it checks in`, async () => {
			const page = await openPage(browser, daemon.url + '/kiosk', SIZES[size]);
			await page.locator('#services .tile').first().waitFor();
			await settle(page, 'home');
			await page.tap('#booking-tile');
			await settle(page, 'code');
			for (const ch of code)
				await page.tap(`#keypad .key:text-is("${ch}")`);
			// A 33rd key is not taken: the limit is the daemon's. The
			// code shows in groups of four, as the SMS writes it.
			await page.tap('#keypad .key:text-is("7")');
			assert.equal(await page.textContent('#code-value'), code.match(/.{4}/g).join(' '));
			// All of it inside its box, none of it cut off.
			const fits = await page.$eval('#code-value', (el) => {
				const box = el.getBoundingClientRect();
				const range = document.createRange();
				range.selectNodeContents(el);
				const text = range.getBoundingClientRect();
				return el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight &&
					text.left >= box.left && text.right <= box.right &&
					text.top >= box.top && text.bottom <= box.bottom;
			});
			assert.ok(fits, 'the code overflows its box');
			await screenshot(page, `kiosk-code32-${size}`);
			const [res] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/checkins')),
				page.tap('#code-ok'),
			]);
			assert.equal(res.status(), 201);
			assert.equal(JSON.parse(res.request().postData()).code, code);
			const ticket = await res.json();
			assert.equal(ticket.kind, 'appointment');
			await page.locator('#ticket').waitFor();
			assert.equal((await page.textContent('#ticket-number')).trim(), ticket.number);
			assert.deepEqual(unexpectedProblems(page), []);
			await page.close();
		});
	}
});
