// Changes without a restart, seen by the pages (docs/DESIGN.md, "Reloading
// the configuration"): the daemon reloads a config with a new service,
// a renamed one and a counter serving one more service; the kiosk's tiles
// and the counter page show it without being reloaded themselves (a marker
// set in the page survives), told by the `config` event. Screenshots of
// the kiosk before and after are kept.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, COUNTERS, Daemon, launchBrowser, openPage, screenshot, settle, unexpectedProblems, waitFor,
} from './harness.mjs';

describe('reload', () => {
	let daemon, browser;

	before(async () => {
		daemon = await new Daemon().start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('the kiosk and the counter page follow a reloaded config', async () => {
		const kiosk = await openPage(browser, daemon.url + '/kiosk?kiosk=k1', { width: 1080, height: 1920 });
		await kiosk.locator('#services .tile').first().waitFor();
		await settle(kiosk, 'home');
		const counter = await openPage(browser, `${daemon.url}/counter?counter=2`, { width: 1366, height: 768 });
		await counter.locator('#login-form').waitFor();
		await counter.fill('#login-token', COUNTERS[2].token);
		await counter.click('#login-submit');
		await counter.locator('#console').waitFor();
		for (const page of [kiosk, counter]) {
			await page.waitForFunction(() => document.documentElement.dataset.live === 'stream');
			await page.evaluate(() => { window.notReloaded = true; });
		}
		assert.equal(await kiosk.locator('#services .tile[data-service="G"]').count(), 0);
		assert.doesNotMatch(await counter.textContent('#counter-services'), /Evidența/);
		await screenshot(kiosk, 'reload-kiosk-before');

		const conf = path.join(daemon.dir, 'bonomat.conf');
		let text = readFileSync(conf, 'utf8');
		const edited = text
			.replace('name = Taxe și impozite locale\n', 'name = Impozite și taxe locale\n')
			.replace(`services = ${COUNTERS[2].services.join(', ')}\ntoken = ${COUNTERS[2].token}`,
				`services = A, G\ntoken = ${COUNTERS[2].token}`)
			.replace('[service.SC]', '[service.G]\nname = Evidența persoanelor\nprefix = G\nminutes = 6\n\n[service.SC]');
		assert.notEqual(edited, text);
		writeFileSync(conf, edited);
		const r = await daemon.api('POST', '/api/v1/reload', { token: ADMIN_TOKEN });
		assert.equal(r.status, 200, JSON.stringify(r.data));

		const tile = kiosk.locator('#services .tile[data-service="G"]');
		await tile.waitFor({ timeout: 5000 });
		assert.match(await tile.textContent(), /Evidența persoanelor/);
		assert.match(await kiosk.textContent('#services .tile[data-service="A"]'), /Impozite și taxe locale/);
		await waitFor(async () => /Evidența persoanelor/.test(await counter.textContent('#counter-services')),
			{ what: 'the counter page to list service G' });
		for (const page of [kiosk, counter]) {
			assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was reloaded');
			assert.equal(await page.evaluate(() => document.documentElement.dataset.configs), '1');
		}
		await settle(kiosk, 'home');
		await screenshot(kiosk, 'reload-kiosk-after');
		await screenshot(counter, 'reload-counter-after');

		// The new tile issues a ticket.
		await kiosk.tap('#services .tile[data-service="G"]');
		await kiosk.waitForFunction(() => document.body.dataset.screen === 'ticket');
		assert.match(await kiosk.textContent('#ticket-number'), /^G001$/);
		assert.deepEqual(unexpectedProblems(kiosk), []);
		assert.deepEqual(unexpectedProblems(counter), []);
	});
});
