// The daemon killed and started again on the same port and database: the
// three pages say that it cannot be reached, then recover by themselves,
// without a reload, and work as before (the display follows the counter
// again over a new event stream).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { COUNTERS, Daemon, launchBrowser, openPage, screenshot, settle, waitFor } from './harness.mjs';

describe('the daemon restarts under open pages', () => {
	let daemon, browser, kiosk, counter, display;

	before(async () => {
		daemon = await new Daemon().start();
		browser = await launchBrowser();
		kiosk = await openPage(browser, daemon.url + '/kiosk', { width: 1080, height: 1920 });
		display = await openPage(browser, daemon.url + '/display', { width: 1920, height: 1080 });
		counter = await openPage(browser, daemon.url + '/counter?counter=2', { width: 1366, height: 768 });
		await counter.fill('#login-token', COUNTERS[2].token);
		await counter.click('#login-submit');
		await counter.locator('#console').waitFor();
		await kiosk.locator('#services .tile').first().waitFor();
		for (const p of [kiosk, counter, display])
			await p.evaluate(() => { window.notReloaded = true; });
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	const pages = () => ({ kiosk, counter, display });

	test('the pages say the daemon cannot be reached', async () => {
		await daemon.kill();
		for (const [name, page] of Object.entries(pages()))
			await page.locator('#offline').waitFor({ timeout: 10000 }).catch(() => {
				throw new Error(name + ' shows no "cannot be reached" banner');
			});
		assert.match(await kiosk.textContent('#offline'), /Sistemul nu răspunde momentan\./);
		await screenshot(kiosk, 'kiosk-portrait-offline');
		await screenshot(counter, 'counter-offline');
	});

	test('and recover by themselves when it is back', async () => {
		await daemon.start();
		for (const [name, page] of Object.entries(pages())) {
			await page.locator('#offline').waitFor({ state: 'hidden', timeout: 15000 }).catch(() => {
				throw new Error(name + ' still shows the banner');
			});
			assert.equal(await page.evaluate(() => window.notReloaded), true, name + ' was reloaded');
		}
		// Back on the event stream, not only polling.
		for (const [name, page] of Object.entries(pages()))
			await page.waitForFunction(() => document.documentElement.dataset.live === 'stream', null, { timeout: 10000 })
				.catch(() => { throw new Error(name + ' is not on the event stream again'); });
	});

	test('and work as before: a ticket from the kiosk, called and shown', async () => {
		await settle(kiosk, 'home');
		const [res] = await Promise.all([
			kiosk.waitForResponse((r) => r.url().endsWith('/api/v1/tickets')),
			kiosk.tap('#services .tile[data-service="A"]'),
		]);
		assert.equal(res.status(), 201);
		const issued = await res.json();
		await kiosk.locator('#ticket').waitFor();
		assert.equal((await kiosk.textContent('#ticket-number')).trim(), issued.number);

		await waitFor(async () => (await counter.locator('#queue .q-number').allTextContents()).includes(issued.number),
			{ timeout: 5000, what: 'the ticket in the counter\'s waiting list' });
		const since = Date.now();
		const [next] = await Promise.all([
			counter.waitForResponse((r) => r.url().endsWith('/next')),
			counter.keyboard.press('n'),
		]);
		assert.equal(next.status(), 200);
		assert.equal((await next.json()).number, issued.number);
		await waitFor(async () => (await display.textContent('#now-number')) === issued.number, {
			timeout: 2000, interval: 20, what: 'the display to show the call within 2 s',
		});
		assert.ok(Date.now() - since <= 2000);
		assert.equal(await display.textContent('#now-counter'), 'Ghișeul 2');
	});
});
