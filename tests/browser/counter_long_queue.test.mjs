// The counter console with a queue longer than the daemon lists: the view
// carries the first tickets and the total (GET /api/v1/counters/{id}
// ?limit=60), and the page counts the total, lists the first 60 and says
// how many more wait, following a call live.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { COUNTERS, Daemon, launchBrowser, openPage, screenshot, unexpectedProblems, waitFor } from './harness.mjs';

const WAITING = 75; // more than the 60 the page lists

describe('counter with a long queue', () => {
	let daemon, browser, page;

	const items = () => page.locator('#queue li.queue-item').count();
	const more = () => page.locator('#queue li.queue-more').textContent();
	const count = () => page.textContent('#queue-count');

	before(async () => {
		daemon = await new Daemon().start();
		for (let i = 0; i < WAITING; i++) {
			const r = await daemon.api('POST', '/api/v1/tickets', { body: { service: i % 3 ? 'A' : 'B', kiosk: 'k1' } });
			assert.equal(r.status, 201);
		}
		browser = await launchBrowser();
		page = await openPage(browser, `${daemon.url}/counter?counter=1`, { width: 1366, height: 768 });
		await page.locator('#login-form').waitFor();
		await page.fill('#login-token', COUNTERS[1].token);
		await page.click('#login-submit');
		await page.locator('#console').waitFor();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('the daemon lists 60 and counts all', async () => {
		const r = await daemon.api('GET', '/api/v1/counters/1?limit=60', { token: COUNTERS[1].token });
		assert.equal(r.status, 200);
		assert.equal(r.data.waiting.length, 60);
		assert.equal(r.data.waiting_total, WAITING);
	});

	test('the page shows the total, the first 60 and how many more', async () => {
		await waitFor(async () => (await count()) === String(WAITING), { what: `the count ${WAITING}` });
		assert.equal(await items(), 60);
		assert.equal(await more(), `și încă ${WAITING - 60}`);
		assert.equal(await page.isHidden('#queue-empty'), true);
		await screenshot(page, 'counter-long-queue');
	});

	test('a call takes one off the total, live', async () => {
		const r = await daemon.api('POST', '/api/v1/counters/1/next', { token: COUNTERS[1].token });
		assert.equal(r.status, 200);
		await waitFor(async () => (await count()) === String(WAITING - 1), { what: `the count ${WAITING - 1}` });
		assert.equal(await items(), 60);
		assert.equal(await more(), `și încă ${WAITING - 61}`);
		assert.deepEqual(unexpectedProblems(page), []);
	});
});
