// The counter page says what it does: "Următorul" on a called ticket asks
// served or absent (or, with ?next=say, says what it did), changing the
// counter asks first, "Serverul nu răspunde" goes once the daemon is back,
// and waits are counted by the daemon's clock, not the PC's.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, COUNTERS, Daemon, launchBrowser, openPage, unexpectedProblems, waitFor,
} from './harness.mjs';

// Three days before the real date of these runs, whatever it is: a PC
// clock used for the minutes would show thousands of them.
const CLOCK = new Date(Date.now() - 3 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');

describe('the counter page through a day', () => {
	let daemon, browser;

	const issue = async (service = 'A') => {
		const r = await daemon.api('POST', '/api/v1/tickets', { body: { service, kiosk: 'k1' } });
		assert.equal(r.status, 201);
		return r.data;
	};
	const ticket = async (id) => (await daemon.api('GET', '/api/v1/tickets/' + id, { token: ADMIN_TOKEN })).data;

	async function console_(id, query = '') {
		const page = await openPage(browser, `${daemon.url}/counter?counter=${id}${query}`, { width: 1366, height: 768 });
		await page.locator('#login-form').waitFor();
		await page.fill('#login-token', COUNTERS[id].token);
		await page.click('#login-submit');
		await page.locator('#console').waitFor();
		return page;
	}

	async function press(page, key, action) {
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/' + action) && r.request().method() === 'POST'),
			page.keyboard.press(key),
		]);
		return res;
	}

	before(async () => {
		daemon = await new Daemon({ args: ['--test-clock', CLOCK] }).start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('waits are the daemon\'s minutes', async () => {
		await issue('A');
		const page = await console_(2);
		await waitFor(async () => (await page.locator('#queue .queue-item').count()) === 1, { what: 'the waiting ticket' });
		const wait = await page.textContent('#queue .q-wait');
		assert.match(wait, /^[01] min$/, `the ticket waited "${wait}" by the page`);
		await page.close();
	});

	test('"Următorul" on a called ticket asks: absent, then the next', async () => {
		await issue('A');
		const page = await console_(2);
		let res = await press(page, 'n', 'next');
		const first = await res.json();
		await waitFor(async () => (await page.textContent('#current-number')).trim() === first.number, { what: 'the first call' });
		await page.keyboard.press('n');
		await page.locator('#confirm').waitFor();
		assert.match(await page.textContent('#confirm-h'), new RegExp(`bonul ${first.number}`));
		// Esc: nothing happens.
		await page.keyboard.press('Escape');
		await waitFor(async () => !(await page.isVisible('#confirm')), { what: 'the question closed' });
		assert.equal((await ticket(first.id)).state, 'called');
		await page.keyboard.press('n');
		await page.locator('#confirm').waitFor();
		[res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/next')),
			page.keyboard.press('x'),
		]);
		assert.equal((await ticket(first.id)).state, 'no_show');
		const second = res.status() === 200 ? await res.json() : null;
		assert.ok(second, 'a second ticket was waiting');
		await waitFor(async () => (await page.textContent('#status')) === `Ați chemat bonul ${second.number}.`,
			{ what: 'the status of the second call' });
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});

	test('with ?next=say the page goes on and says what it did', async () => {
		await issue('B');
		await issue('B');
		const page = await console_(3, '&next=say');
		const a = await (await press(page, 'n', 'next')).json();
		await waitFor(async () => (await page.textContent('#current-number')).trim() === a.number, { what: 'the call' });
		const b = await (await press(page, 'n', 'next')).json();
		await waitFor(async () => (await page.textContent('#status')) ===
			`Bonul ${a.number} a fost marcat ca servit. Ați chemat bonul ${b.number}.`, { what: 'what "Următorul" did' });
		assert.equal((await ticket(a.id)).state, 'served');
		await page.close();
	});

	test('changing the counter asks first', async () => {
		const page = await console_(4);
		await page.click('#logout');
		await page.locator('#confirm').waitFor();
		await page.keyboard.press('Escape');
		await waitFor(async () => !(await page.isVisible('#confirm')), { what: 'the question closed' });
		assert.equal(await page.isVisible('#console'), true, 'still logged in');
		await page.click('#logout');
		await page.locator('#confirm').waitFor();
		await page.keyboard.press('d');
		await page.locator('#login-form').waitFor();
		await page.close();
	});

	test('"Serverul nu răspunde" goes once the daemon is back', async () => {
		const page = await console_(10);
		await daemon.stop();
		await page.keyboard.press('p');
		await waitFor(async () => /Serverul nu răspunde/.test(await page.textContent('#status')),
			{ timeout: 15000, what: 'the network error' });
		await daemon.start();
		await waitFor(async () => !/Serverul nu răspunde/.test(await page.textContent('#status')),
			{ timeout: 20000, what: 'the error gone after the daemon came back' });
		await page.close();
	});
});
