// The supervision page (issue 13, part 2) at 1366x768 and 1920x1080,
// against the real daemon with its test clock: an alert raised and then
// cleared, live; a counter's services changed from the page and the next
// call following them; a booking found by its code; a reprint refused in
// the page's words; a ticket cancelled with a reason. Screenshots in
// screenshots/supervisor-*.png.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, COUNTERS, Daemon, SUPERVISOR_TOKEN, launchBrowser, openPage, screenshot,
	unexpectedProblems, waitFor,
} from './harness.mjs';

const START = '2026-12-03T09:00:00+02:00'; // a Thursday

describe('the supervision page', () => {
	let daemon, browser;

	const issue = async (service) => {
		const r = await daemon.api('POST', '/api/v1/tickets', { body: { service, kiosk: 'k1' } });
		assert.equal(r.status, 201, JSON.stringify(r.data));
		return r.data;
	};
	const advance = async (seconds) => {
		const r = await daemon.api('POST', '/api/v1/test/clock', { body: { advance_s: seconds }, token: ADMIN_TOKEN });
		assert.equal(r.status, 200);
	};
	const counter = (id, action) => daemon.api(action ? 'POST' : 'GET',
		`/api/v1/counters/${id}${action ? '/' + action : ''}`, { token: COUNTERS[id].token });
	const text = (page, sel) => page.locator(sel).innerText();

	async function board(viewport) {
		const page = await openPage(browser, `${daemon.url}/supervisor`, viewport);
		await page.locator('#login-form').waitFor();
		await page.fill('#login-token', SUPERVISOR_TOKEN);
		await page.click('#login-submit');
		await page.locator('#board').waitFor();
		await page.waitForFunction(() => document.documentElement.dataset.live === 'stream');
		return page;
	}

	before(async () => {
		daemon = await new Daemon({
			args: ['--test-clock', START],
			extra: { tail: '[alerts]\ncounter_paused = 10\n' },
		}).start();
		browser = await launchBrowser();
		const r = await daemon.api('POST', '/api/v1/appointments', {
			token: ADMIN_TOKEN,
			body: {
				appointments: [
					{ code: 'RZ4K7Q2M', service: 'B', start: '2026-12-03T10:00:00+02:00', end: '2026-12-03T10:15:00+02:00' },
					{ code: 'TW8N3P5X', service: 'A', start: '2026-12-03T11:30:00+02:00', end: '2026-12-03T11:45:00+02:00' },
				],
			},
		});
		assert.equal(r.status, 200, JSON.stringify(r.data));
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('a wrong token is refused in words, the right one shows the floor', async () => {
		const page = await openPage(browser, `${daemon.url}/supervisor`, { width: 1366, height: 768 });
		await page.locator('#login-form').waitFor();
		await page.fill('#login-token', COUNTERS[1].token);
		await page.click('#login-submit');
		await waitFor(async () => (await text(page, '#login-error')) === 'Acest cod de acces nu este al unui supervizor.',
			{ what: 'the refusal of a counter\'s token' });
		await page.fill('#login-token', SUPERVISOR_TOKEN);
		await page.click('#login-submit');
		await page.locator('#board').waitFor();
		assert.equal(await page.locator('#counters tr').count(), Object.keys(COUNTERS).length);
		assert.equal(await page.locator('#services tr').count(), 6, 'the six ticket services, no tile');
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/supervisor$/]), []);
		await page.close();
	});

	test('an alert is raised and cleared, live (1366x768)', async () => {
		await issue('A');
		await issue('A');
		await issue('B');
		const page = await board({ width: 1366, height: 768 });
		assert.equal(await page.isVisible('#alerts-none'), true);
		const row = page.locator('#counters tr[data-counter="2"]');
		await row.getByRole('button', { name: 'Pauză' }).click();
		await waitFor(async () => (await row.locator('.state').innerText()) === 'În pauză din 09:00',
			{ what: 'counter 2 paused on the page' });
		await advance(11 * 60);
		const alert = page.locator('#alerts li[data-kind="counter_paused"][data-subject="2"]');
		await alert.waitFor({ timeout: 8000 });
		assert.equal(await alert.innerText(), 'Ghișeul 2 este în pauză de 11 minute, din ora 09:00.');
		assert.equal(await page.isVisible('#alerts-none'), false);
		await screenshot(page, 'supervisor-alert-1366x768');
		await row.getByRole('button', { name: 'Reia' }).click();
		await alert.waitFor({ state: 'detached', timeout: 8000 });
		await page.locator('#alerts-none').waitFor();
		assert.equal(await row.locator('.state').innerText(), 'Liber');
		const metrics = await (await fetch(daemon.url + '/metrics')).text();
		assert.match(metrics, /^bonomat_alerts_raised_total\{office="default",kind="counter_paused"\} 1$/m);
		assert.match(metrics, /^bonomat_alerts_active\{office="default",kind="counter_paused"\} 0$/m);
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});

	test('a counter\'s services changed; the next call follows them', async () => {
		const page = await board({ width: 1366, height: 768 });
		const row = page.locator('#counters tr[data-counter="2"]');
		assert.equal(await row.locator('.svc').innerText(), 'A');
		await row.getByRole('button', { name: 'Servicii…' }).click();
		const dialog = page.locator('#services-dialog');
		await dialog.waitFor();
		assert.match(await text(page, '#services-dialog-h'), /Ghișeul 2/);
		await dialog.getByLabel('Taxe și impozite locale').uncheck();
		await dialog.getByLabel('Registratură / depunere documente').check();
		await screenshot(page, 'supervisor-services-1366x768');
		await dialog.getByRole('button', { name: 'Salvează' }).click();
		await waitFor(async () => (await row.locator('.svc').innerText()) === 'B', { what: 'counter 2 serving B' });
		assert.equal(await text(page, '#status'), 'Ghișeul 2 cheamă de acum: Registratură / depunere documente.');
		assert.deepEqual((await counter(2)).data.services, ['B']);
		// Two A tickets waited longer, but counter 2 calls B now.
		const next = await counter(2, 'next');
		assert.equal(next.status, 200);
		assert.equal(next.data.service, 'B');
		await waitFor(async () => (await row.locator('.current').innerText()).startsWith(next.data.number),
			{ what: 'the call on the page' });
		assert.equal(await row.locator('.state').innerText(), 'Servește');
		// Nothing left in B for it: it does not take an A ticket.
		assert.equal((await daemon.api('POST', '/api/v1/counters/2/done',
			{ body: { outcome: 'served' }, token: COUNTERS[2].token })).status, 200);
		assert.equal((await counter(2, 'next')).status, 204);
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});

	test('bookings searched by code; a ticket cancelled with a reason (1920x1080)', async () => {
		const checkin = await daemon.api('POST', '/api/v1/checkins', { body: { code: 'RZ4K7Q2M', kiosk: 'k1' } });
		assert.equal(checkin.status, 201, JSON.stringify(checkin.data));
		const page = await board({ width: 1920, height: 1080 });
		await waitFor(async () => (await page.locator('#bookings tr').count()) === 2, { what: 'two bookings' });
		await page.fill('#booking-search', 'tw8n-3p5x');
		await waitFor(async () => (await page.locator('#bookings tr').count()) === 1, { what: 'the search' });
		assert.equal(await page.locator('#bookings tr').getAttribute('data-code'), 'TW8N3P5X');
		assert.equal(await page.locator('#bookings tr .bstate').innerText(), 'Urmează');
		await page.fill('#booking-search', 'RZ4K');
		await waitFor(async () => (await page.locator('#bookings tr .bstate').innerText()) ===
			`Prezentă · ${checkin.data.number}`, { what: 'the checked-in booking' });
		await page.fill('#booking-search', 'NIMIC');
		await page.locator('#bookings-none').waitFor();
		assert.equal(await text(page, '#bookings-none'), 'Nicio programare de azi cu codul „NIMIC”.');
		await page.fill('#booking-search', '');

		const a = (await daemon.api('GET', '/api/v1/tickets?state=waiting&limit=1', { token: ADMIN_TOKEN })).data.tickets[0];
		// This office prints nothing (driver none): the page says so.
		await page.fill('#ticket-number', a.number.toLowerCase());
		await page.click('#act-reprint');
		await waitFor(async () => (await text(page, '#status')) ===
			'Bonul nu poate fi retipărit: chioșcul lui nu are imprimantă.', { what: 'the reprint refused' });
		await page.fill('#ticket-number', 'Z999');
		await page.click('#act-reprint');
		await waitFor(async () => (await text(page, '#status')) === 'Nu există azi bonul Z999.',
			{ what: 'an unknown number' });
		await page.fill('#ticket-number', a.number.toLowerCase());
		await page.click('#act-cancel');
		await page.locator('#cancel-dialog').waitFor();
		assert.equal(await text(page, '#cancel-dialog-h'), `Anulați bonul ${a.number}?`);
		await page.fill('#cancel-reason', 'A plecat înainte de a fi chemat');
		await page.click('#cancel-save');
		await waitFor(async () => (await text(page, '#status')) === `Bonul ${a.number} a fost anulat.`,
			{ what: 'the cancel' });
		assert.equal((await daemon.api('GET', '/api/v1/tickets/' + a.id)).data.state, 'no_show');
		assert.match(daemon.log(), /cancelled: A plecat înainte de a fi chemat \(by sef\)/);
		// Again: the page says why not, in its words.
		await page.click('#act-cancel');
		await page.locator('#cancel-dialog').waitFor();
		await page.click('#cancel-save');
		await waitFor(async () => /^Bonul nu mai așteaptă/.test(await text(page, '#cancel-error')),
			{ what: 'the refusal' });
		await page.keyboard.press('Escape');

		// An alert at this size too, for the screenshot.
		await daemon.api('POST', '/api/v1/counters/3/pause', { token: SUPERVISOR_TOKEN });
		await advance(11 * 60);
		await page.locator('#alerts li[data-subject="3"]').waitFor({ timeout: 8000 });
		await screenshot(page, 'supervisor-1920x1080');
		assert.deepEqual(unexpectedProblems(page, [/\/cancel$/, /\/reprint$/]), []);
		await page.close();
	});
});
