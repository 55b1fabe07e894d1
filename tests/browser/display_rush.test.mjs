// The opening rush on the lobby display: ten counters press "Următorul"
// within a second. Every call is on screen within 2 s, readable across the
// lobby, and announced, in the order of the calls, none dropped; a recall
// never shrinks the counter's name.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	Daemon, MIN_TEXT_PX, displayAgainstDaemon, launchBrowser, openPage, screenshot, shownCalls, textSize,
	unexpectedProblems, waitFor,
} from './harness.mjs';

const CALL_DEADLINE_MS = 2000;
const TEN = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i + 1, {
	name: `Ghișeul ${i + 1}`, services: ['A'], token: `rush-counter-${i + 1}`,
}]));

describe('the display in the opening rush', () => {
	let daemon, browser, display;
	const queued = () => display.evaluate(() => window.bonomatAnnouncer.queued.slice());
	const say = (number, counter) => `Bonul cu litera A, numărul ${Number(number.slice(1))}, la ghișeul ${counter}`;

	before(async () => {
		daemon = await new Daemon({ counters: TEN }).start();
		browser = await launchBrowser();
		for (let i = 0; i < 10; i++) {
			const r = await daemon.api('POST', '/api/v1/tickets', { body: { service: 'A', kiosk: 'k1' } });
			assert.equal(r.status, 201);
		}
		display = await openPage(browser, daemon.url + '/display', { width: 1920, height: 1080 });
		await display.locator('#now-empty').waitFor();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('ten calls within a second: all ten on screen within 2 s, ten announcements in order', async (t) => {
		const since = Date.now();
		const answers = await Promise.all(Object.entries(TEN).map(([id, c]) =>
			daemon.api('POST', `/api/v1/counters/${id}/next`, { token: c.token })));
		const pressed = Date.now() - since;
		assert.ok(answers.every((r) => r.status === 200), JSON.stringify(answers.map((r) => r.status)));
		assert.ok(pressed < 1000, `the ten calls took ${pressed} ms`);
		const numbers = answers.map((r) => r.data.number);
		await waitFor(async () => {
			const shown = (await shownCalls(display)).map((c) => c.number);
			return numbers.every((n) => shown.includes(n));
		}, { timeout: CALL_DEADLINE_MS + 5000, interval: 20, what: 'all ten calls on the display' });
		const took = Date.now() - since;
		t.diagnostic(`all ten on screen ${took} ms after the first press`);
		assert.ok(took <= CALL_DEADLINE_MS, `the display took ${took} ms`);

		// Exactly what the daemon lists, newest large, in its order.
		const { shown, want } = await displayAgainstDaemon(display, daemon);
		assert.equal(want.length, 10);
		assert.deepEqual(shown, want);
		await screenshot(display, 'display-rush');

		// Each earlier call is inside the screen and large enough from 5 m
		// (letters about 1/150 of the distance: ~33 mm, ~48 px on a 55" TV).
		const rows = await display.$$eval('#previous li', (lis) => lis.map((li) => {
			const r = li.getBoundingClientRect();
			const n = li.querySelector('.p-number');
			const c = li.querySelector('.p-counter');
			return {
				inside: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
				number: parseFloat(getComputedStyle(n).fontSize),
				counter: parseFloat(getComputedStyle(c).fontSize),
				clipped: c.scrollWidth > c.clientWidth + 1 || n.scrollWidth > n.clientWidth + 1,
				fresh: li.classList.contains('is-fresh'),
			};
		}));
		assert.equal(rows.length, 9);
		for (const r of rows) {
			assert.ok(r.inside, 'a row is off the screen');
			assert.ok(!r.clipped, 'a row\'s text is clipped');
			assert.ok(r.number >= 60 && r.counter >= MIN_TEXT_PX.displayCounter, JSON.stringify(r));
			assert.ok(r.fresh, 'a call of the last seconds is marked');
		}

		// The announcer queued all ten, oldest call first, none dropped.
		const order = want.slice().reverse().map((c) => say(c.number, c.counter.replace('Ghișeul ', '')));
		await waitFor(async () => (await queued()).length >= 10, { timeout: 5000, what: 'ten queued announcements' });
		assert.deepEqual(await queued(), order);
		await waitFor(async () => (await display.evaluate(() => window.bonomatAnnouncer.log.length)) === 10,
			{ timeout: 90000, interval: 200, what: 'the ten announcements said' });
		const said = await display.evaluate(() => window.bonomatAnnouncer.log.map((a) => a.text));
		assert.deepEqual(said, order);
	});

	test('a recall keeps the counter\'s name as large as the call, and says "din nou"', async () => {
		const r = await daemon.api('POST', '/api/v1/tickets', { body: { service: 'A', kiosk: 'k1' } });
		assert.equal(r.status, 201);
		const call = await daemon.api('POST', '/api/v1/counters/10/next', { token: TEN[10].token });
		assert.equal(call.status, 200);
		await waitFor(async () => (await display.textContent('#now-number')) === call.data.number,
			{ what: 'the call on the large line' });
		const before = await textSize(display, '#now-counter');
		const rc = await daemon.api('POST', '/api/v1/counters/10/recall', { token: TEN[10].token });
		assert.equal(rc.status, 200);
		await display.locator('#now-recalled').waitFor();
		const afterRecall = await textSize(display, '#now-counter');
		assert.equal(afterRecall.fontPx, before.fontPx, `the counter went from ${before.fontPx} px to ${afterRecall.fontPx} px`);
		const number = await textSize(display, '#now-number');
		assert.ok(number.height >= MIN_TEXT_PX.displayNumber, `the number is ${number.height} px tall`);
		await screenshot(display, 'display-recall');
		await waitFor(async () => (await queued()).at(-1) === 'Din nou, ' + say(call.data.number, '10').replace(/^B/, 'b'),
			{ timeout: 5000, what: 'the recall announced again' });
	});

	test('no console errors', () => {
		assert.deepEqual(unexpectedProblems(display), []);
	});
});
