// The counter console and the lobby display together: the clerk logs in,
// calls, recalls, marks served and no-show, transfers and pauses, all
// without a reload, and the display shows each call within 2 seconds, with
// its chime and announcement.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, COUNTERS, Daemon, MIN_TEXT_PX, displayAgainstDaemon, launchBrowser, openPage, textSize, unexpectedProblems, waitFor,
} from './harness.mjs';

const CALL_DEADLINE_MS = 2000;

describe('counter and display', () => {
	let daemon, browser, counter, display;

	const issue = async (service, priority = false) => {
		const r = await daemon.api('POST', '/api/v1/tickets', { body: { service, kiosk: 'k1', priority } });
		assert.equal(r.status, 201);
		return r.data;
	};
	const ticket = async (id) => (await daemon.api('GET', '/api/v1/tickets/' + id, { token: ADMIN_TOKEN })).data;
	const shownCurrent = async () => (await counter.textContent('#current-number')).trim();
	const status = () => counter.textContent('#status');
	const announcements = () => display.evaluate(() => window.bonomatAnnouncer.log.map((a) => a.text));

	// Presses a shortcut key once its button is enabled (the console takes
	// no second action while one runs), and waits for the answer of the
	// request it makes.
	async function press(key, action) {
		await counter.waitForFunction((k) => {
			const b = document.querySelector(`[data-key="${k}"]`);
			return b && !b.disabled;
		}, key);
		const [res] = await Promise.all([
			counter.waitForResponse((r) => r.url().endsWith('/' + action) && r.request().method() === 'POST'),
			counter.keyboard.press(key),
		]);
		return res;
	}

	// The display shows number → counter within the deadline; returns the ms it took.
	async function displayShows(number, counterName, since) {
		await waitFor(async () => (await display.textContent('#now-number')) === number &&
			(await display.textContent('#now-counter')) === counterName,
		{ timeout: CALL_DEADLINE_MS + 3000, interval: 20, what: `the display to show ${number} → ${counterName}` });
		return Date.now() - since;
	}

	before(async () => {
		daemon = await new Daemon().start();
		browser = await launchBrowser();
		display = await openPage(browser, daemon.url + '/display', { width: 1920, height: 1080 });
		counter = await openPage(browser, daemon.url + '/counter?counter=1', { width: 1366, height: 768 });
		await counter.locator('#login-form').waitFor();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('a wrong token is refused in words; the right one is kept', async () => {
		assert.equal(await counter.inputValue('#login-id'), '1');
		await counter.fill('#login-token', 'not-the-token');
		await counter.click('#login-submit');
		await counter.locator('#login-error').waitFor();
		assert.equal(await counter.textContent('#login-error'), 'Codul de acces nu este valid. Introduceți-l din nou.');
		await counter.fill('#login-token', COUNTERS[2].token);
		await counter.click('#login-submit');
		await waitFor(async () => (await counter.textContent('#login-error')) === 'Acest cod de acces este al ghișeului 2.',
			{ what: 'the other counter\'s token message' });
		await counter.fill('#login-token', COUNTERS[1].token);
		await counter.click('#login-submit');
		await counter.locator('#console').waitFor();
		assert.equal(await counter.textContent('#counter-name'), 'Ghișeul 1');
		assert.equal(await counter.textContent('#current-number'), 'Niciun bon chemat');
		// The wrong tokens' 401 and 403 were the test's doing.
		assert.deepEqual(unexpectedProblems(counter, [/\/api\/v1\/counters\/1\?limit=60$/]), []);
		counter.problems.length = 0;
		// Kept in the browser: a reload goes straight to the console.
		await counter.reload();
		await counter.locator('#console').waitFor();
		await waitFor(async () => (await counter.textContent('#counter-name')) === 'Ghișeul 1', { what: 'the console after a reload' });
	});

	test('nobody waiting is said plainly', async () => {
		const res = await press('n', 'next');
		assert.equal(res.status(), 204);
		await waitFor(async () => (await status()) === 'Nu așteaptă nimeni.', { what: 'the "nobody waits" line' });
	});

	test('the waiting list follows the queue live', async () => {
		await counter.evaluate(() => { window.notReloaded = true; });
		const a = await issue('A');
		const p = await issue('A', true);
		await issue('B');
		await waitFor(async () => (await counter.locator('#queue .queue-item').count()) === 3,
			{ timeout: 5000, what: 'three tickets in the waiting list' });
		const numbers = await counter.locator('#queue .q-number').allTextContents();
		assert.ok(numbers.includes(a.number) && numbers.includes(p.number));
		assert.equal(await counter.textContent('#queue-count'), '3');
		const kinds = await counter.locator('#queue .q-kind').allTextContents();
		assert.ok(kinds.includes('Prioritate') && kinds.includes('Fără programare'));
	});

	test('Next: the display shows the number and the counter within 2 s', async (t) => {
		const since = Date.now();
		const res = await press('n', 'next');
		assert.equal(res.status(), 200);
		const called = await res.json();
		const took = await displayShows(called.number, 'Ghișeul 1', since);
		t.diagnostic(`the display showed ${called.number} ${took} ms after the key press`);
		assert.ok(took <= CALL_DEADLINE_MS, `the display took ${took} ms`);
		assert.equal(await shownCurrent(), called.number);
		await waitFor(async () => (await status()) === `Ați chemat bonul ${called.number}.`,
			{ what: 'the status line ' + JSON.stringify(`Ați chemat bonul ${called.number}.`) });
		await waitFor(async () => (await announcements()).includes(
			`Bonul cu litera ${called.number[0]}, numărul ${Number(called.number.slice(1))}, la ghișeul 1`),
		{ timeout: 8000, what: 'the announcement' });
		const log = await display.evaluate(() => window.bonomatAnnouncer.log);
		assert.ok(log.every((a) => a.chimed), 'the chime played');
	});

	test('Recall: the display flashes the number again', async () => {
		const number = await shownCurrent();
		const heard = (await announcements()).length;
		await display.waitForFunction(() => !document.getElementById('now').classList.contains('is-flashing'), null, { timeout: 10000 });
		const res = await press('r', 'recall');
		assert.equal(res.status(), 200);
		await display.waitForFunction(() => document.getElementById('now').classList.contains('is-flashing'), null, { timeout: CALL_DEADLINE_MS });
		assert.equal(await display.textContent('#now-number'), number);
		assert.equal(await display.isVisible('#now-recalled'), true);
		await waitFor(async () => (await status()) === `Bonul ${number} a fost chemat din nou.`,
			{ what: 'the status line ' + JSON.stringify(`Bonul ${number} a fost chemat din nou.`) });
		await waitFor(async () => (await announcements()).length === heard + 1, { timeout: 10000, what: 'a second announcement' });
	});

	test('Served, No-show and Transfer, without reloading', async () => {
		let res = await press('s', 'done');
		const served = await res.json();
		assert.equal((await ticket(served.id)).state, 'served');
		await waitFor(async () => (await shownCurrent()) === 'Niciun bon chemat', { what: 'no current ticket' });

		res = await press('n', 'next');
		const noShow = await res.json();
		await displayShows(noShow.number, 'Ghișeul 1', Date.now());
		res = await press('x', 'done');
		assert.equal((await ticket(noShow.id)).state, 'no_show');
		await waitFor(async () => (await status()) === `Bonul ${noShow.number} a fost marcat ca absent.`,
			{ what: 'the status line ' + JSON.stringify(`Bonul ${noShow.number} a fost marcat ca absent.`) });

		res = await press('n', 'next');
		const moved = await res.json();
		assert.equal(moved.service === 'A' || moved.service === 'B', true);
		await waitFor(async () => (await shownCurrent()) === moved.number && !(await counter.isDisabled('#act-transfer')),
			{ what: 'the called ticket, ready to transfer' });
		await counter.keyboard.press('t');
		await counter.locator('#transfer').waitFor();
		const target = moved.service === 'A' ? 'C' : 'A';
		const [tr] = await Promise.all([
			counter.waitForResponse((r) => r.url().endsWith('/transfer')),
			counter.click(`#transfer .transfer-choice[data-service="${target}"]`),
		]);
		assert.equal(tr.status(), 200);
		const after = await ticket(moved.id);
		assert.equal(after.state, 'waiting');
		assert.equal(after.service, target);
		await waitFor(async () => (await status()).startsWith(`Bonul ${moved.number} a fost trimis la`), { what: 'the transfer line' });
		assert.equal(await counter.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
	});

	test('Pause and Resume', async () => {
		let res = await press('p', 'pause');
		assert.equal(res.status(), 200);
		assert.equal((await daemon.api('GET', '/api/v1/counters/1', { token: COUNTERS[1].token })).data.paused, true);
		await waitFor(async () => (await counter.textContent('#counter-state')) === 'În pauză', { what: 'the paused state' });
		assert.equal(await counter.isDisabled('#act-next'), true);
		assert.match(await counter.textContent('#alerts'), /Ghișeul este în pauză/);
		res = await press('p', 'resume');
		assert.equal(res.status(), 200);
		await waitFor(async () => !(await counter.isDisabled('#act-next')), { what: 'Next enabled again' });
	});

	test('the display shows only numbers and counters', async () => {
		const text = await display.textContent('body');
		assert.doesNotMatch(text, /\+40|0722/);
	});

	test('the display lists exactly the calls of GET /api/v1/display, in order', async (t) => {
		// Three calls were made, all at counter 1: its latest has the row.
		assert.equal((await daemon.api('GET', '/api/v1/display')).data.calls.length, 3);
		const { shown, want } = await displayAgainstDaemon(display, daemon);
		assert.equal(want.length, 1, `one row per counter: ${JSON.stringify(want)}`);
		assert.deepEqual(shown, want);
		t.diagnostic(`${shown.length} calls shown`);
	});

	test('the called number and its counter are large enough to read across the lobby', async (t) => {
		const number = await textSize(display, '#now-number');
		const where = await textSize(display, '#now-counter');
		t.diagnostic(`number ${number.fontPx} px (${Math.round(number.height)} tall), counter ${where.fontPx} px (${Math.round(where.height)} tall)`);
		assert.ok(number.visible && where.visible, 'both are shown');
		assert.ok(number.fontPx >= MIN_TEXT_PX.displayNumber && number.height >= MIN_TEXT_PX.displayNumber,
			`the number is ${number.fontPx} px (text ${Math.round(number.height)} px tall), want at least ${MIN_TEXT_PX.displayNumber}`);
		assert.ok(where.fontPx >= MIN_TEXT_PX.displayCounter && where.height >= MIN_TEXT_PX.displayCounter,
			`the counter is ${where.fontPx} px (text ${Math.round(where.height)} px tall), want at least ${MIN_TEXT_PX.displayCounter}`);
	});

	test('no console errors on either page', () => {
		assert.deepEqual(unexpectedProblems(counter), []);
		assert.deepEqual(unexpectedProblems(display), []);
	});
});
