// Screenshots of every page at the size it runs at, written on each run to
// screenshots/ in the build directory (BONOMAT_ARTIFACTS_DIR, else the
// working directory), for a person to look at. The test also checks what a
// look would catch first: nothing scrolls, nothing spills out of its box.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	ADMIN_TOKEN, COUNTERS, Daemon, MIN_TEXT_PX, SUPERVISOR_TOKEN, artifactsDir, displayAgainstDaemon, launchBrowser, openPage, screenshot, settle, startPrinter, textSize,
	unexpectedProblems, waitFor,
} from './harness.mjs';

const SIZES = {
	portrait: { width: 1080, height: 1920 },
	landscape: { width: 1920, height: 1080 },
	counter: { width: 1366, height: 768 },
	display: { width: 1920, height: 1080 },
};

// Elements of the selectors whose content is larger than their box, and
// whether the page scrolls at all.
function layoutProblems(page, selectors) {
	return page.evaluate((sels) => {
		const out = [];
		const doc = document.documentElement;
		if (doc.scrollWidth > innerWidth + 1 || doc.scrollHeight > innerHeight + 1)
			out.push(`the page scrolls: ${doc.scrollWidth}x${doc.scrollHeight} in ${innerWidth}x${innerHeight}`);
		for (const sel of sels) {
			for (const el of document.querySelectorAll(sel)) {
				if (el.offsetParent === null)
					continue;
				if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
					out.push(`${sel} "${el.textContent.trim().slice(0, 40)}" overflows: ` +
						`${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
			}
		}
		return out;
	}, selectors);
}

describe('screenshots', () => {
	let printer, daemon, browser;
	const written = [];

	before(async () => {
		printer = await startPrinter();
		daemon = await new Daemon({ printerPort: printer.port }).start();
		browser = await launchBrowser();
		// A lobby in the middle of the morning.
		for (const [service, priority] of [['A', false], ['A', false], ['B', false], ['C', true], ['A', false],
			['B', false], ['D', false], ['A', true], ['E', false], ['A', false], ['B', false]]) {
			const r = await daemon.api('POST', '/api/v1/tickets', { body: { service, kiosk: 'k1', priority } });
			assert.equal(r.status, 201);
		}
		for (const id of [2, 10, 3, 4, 1])
			await daemon.api('POST', `/api/v1/counters/${id}/next`, { token: COUNTERS[id].token });
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
		await printer?.close();
		if (written.length)
			console.log('screenshots in ' + artifactsDir() + ': ' + written.join(' '));
	});

	async function shot(page, name, selectors = []) {
		await page.waitForTimeout(300);
		written.push((await screenshot(page, name)).split('/').pop());
		assert.deepEqual(await layoutProblems(page, selectors), [], name);
	}

	for (const orientation of ['portrait', 'landscape']) {
		test(`kiosk, ${orientation}`, async () => {
			const page = await openPage(browser, daemon.url + '/kiosk?kiosk=k1', SIZES[orientation]);
			await page.locator('#services .tile').first().waitFor();
			await settle(page, 'home');
			const tiles = ['main', '.tile-name', '.tile'];
			await shot(page, `kiosk-${orientation}-home`, tiles);

			await page.tap('#lang');
			await shot(page, `kiosk-${orientation}-home-en`, tiles);
			await page.tap('#lang');

			await page.tap('#priority-tile');
			await settle(page, 'priority');
			await shot(page, `kiosk-${orientation}-priority`, tiles);
			await page.tap('#priority [data-action="home"]');
			await settle(page, 'home');

			await page.tap('#booking-tile');
			await settle(page, 'code');
			for (const ch of 'X7K2')
				await page.tap(`#keypad .key:text-is("${ch}")`);
			await shot(page, `kiosk-${orientation}-code`, ['main', '.code-value']);
			await page.tap('#code [data-action="home"]');
			await settle(page, 'home');

			await page.tap('#services .tile[data-service="A"]');
			await page.locator('#ticket-print.print-ok').waitFor({ timeout: 5000 });
			await shot(page, `kiosk-${orientation}-ticket`, ['main', '.ticket-card']);
			await settle(page, 'ticket');
			await page.tap('#ticket [data-action="home"]');
			await settle(page, 'home');

			await page.tap('#infos .tile[data-service="CI"]');
			await page.locator('#message').waitFor();
			await shot(page, `kiosk-${orientation}-info`, ['main', '.message-box']);
			await settle(page, 'message');
			await page.tap('#message [data-action="home"]');
			await settle(page, 'home');

			printer.setMode('paper_out');
			try {
				await page.tap('#services .tile[data-service="B"]');
				await page.locator('#ticket-print.print-failed').waitFor({ timeout: 8000 });
				await shot(page, `kiosk-${orientation}-print-failed`, ['main', '.ticket-card']);
			} finally {
				printer.setMode('ready');
			}
			// The daemon sees the paper again before the next test.
			await waitFor(async () => {
				const r = await daemon.api('GET', '/api/v1/printers', { token: ADMIN_TOKEN });
				return r.data.find((p) => p.name === 'default')?.state === 'ok';
			}, { timeout: 10000, what: 'the printer ready again' });
			assert.deepEqual(unexpectedProblems(page), []);
			await page.close();
		});
	}

	test('counter, 1366x768', async () => {
		const page = await openPage(browser, daemon.url + '/counter?counter=1', SIZES.counter);
		await page.locator('#login-form').waitFor();
		await shot(page, 'counter-login');
		await page.fill('#login-token', COUNTERS[1].token);
		await page.click('#login-submit');
		await page.locator('#console').waitFor();
		await waitFor(async () => (await page.locator('#queue .queue-item').count()) > 0, { what: 'the waiting list' });
		// Counter 1 has a called ticket: "Următorul" asks what became of it.
		const before = (await page.textContent('#current-number')).trim();
		assert.match(before, /^[A-Z]+\d{3}$/);
		await page.keyboard.press('n');
		await page.locator('#confirm').waitFor();
		await shot(page, 'counter-next-ask');
		await page.keyboard.press('s');
		await waitFor(async () => {
			const now = (await page.textContent('#current-number')).trim();
			return /^[A-Z]+\d{3}$/.test(now) && now !== before;
		}, { what: 'the next called ticket' });
		assert.match(await page.textContent('#status'), new RegExp(`^Bonul ${before} a fost marcat ca servit\\. Ați chemat bonul`));
		await shot(page, 'counter', ['.queue-list', '.current-number']);
		await page.keyboard.press('t');
		await page.locator('#transfer').waitFor();
		await shot(page, 'counter-transfer');
		await page.keyboard.press('Escape');
		await page.keyboard.press('p');
		await page.locator('.alert-paused').waitFor();
		await shot(page, 'counter-paused');
		await page.keyboard.press('p');
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});

	for (const size of ['counter', 'display']) {
		const { width, height } = SIZES[size];
		test(`supervisor, ${width}x${height}`, async () => {
			const page = await openPage(browser, daemon.url + '/supervisor', SIZES[size]);
			await page.locator('#login-form').waitFor();
			await page.fill('#login-token', SUPERVISOR_TOKEN);
			await page.click('#login-submit');
			await page.locator('#board').waitFor();
			await waitFor(async () => (await page.locator('#counters tr').count()) === Object.keys(COUNTERS).length,
				{ what: 'the counters' });
			await shot(page, `supervisor-${width}x${height}`,
				['.panel', '#services td', '#counters td', '.top h1', '.alerts-none']);
			assert.deepEqual(unexpectedProblems(page), []);
			await page.close();
		});
	}

	test('display, 1920x1080', async () => {
		const page = await openPage(browser, daemon.url + '/display', SIZES.display);
		await page.locator('#now-call').waitFor();
		// Every counter called (the counter test calls again at counter 1):
		// the newest large, each other counter's latest call listed.
		let seen = await displayAgainstDaemon(page, daemon);
		assert.equal(seen.want.length, Object.keys(COUNTERS).length, JSON.stringify(seen.want));
		assert.deepEqual(seen.shown, seen.want);
		await shot(page, 'display', ['.now', '.previous', '.previous-list li', '.p-counter']);
		// A two-digit counter on the large line.
		const r = await daemon.api('POST', '/api/v1/counters/10/next', { token: COUNTERS[10].token });
		assert.equal(r.status, 200);
		await page.waitForFunction(() => document.getElementById('now-counter').textContent === 'Ghișeul 10');
		await page.waitForFunction(() => !document.getElementById('now').classList.contains('is-flashing'), null, { timeout: 10000 });
		await shot(page, 'display-counter-10', ['.now', '.now-where', '.previous']);
		seen = await displayAgainstDaemon(page, daemon);
		assert.equal(seen.want.length, Object.keys(COUNTERS).length, JSON.stringify(seen.want));
		assert.deepEqual(seen.shown, seen.want);
		// The longest counter name still reads across the lobby.
		const number = await textSize(page, '#now-number');
		const where = await textSize(page, '#now-counter');
		assert.ok(number.height >= MIN_TEXT_PX.displayNumber, `the number's text is ${Math.round(number.height)} px tall`);
		assert.ok(where.height >= MIN_TEXT_PX.displayCounter, `"Ghișeul 10" is ${Math.round(where.height)} px tall`);
		assert.deepEqual(unexpectedProblems(page), []);
		await page.close();
	});

	test('display with no calls yet, 1920x1080', async () => {
		const fresh = await new Daemon().start();
		try {
			const page = await openPage(browser, fresh.url + '/display', SIZES.display);
			await page.locator('#now-empty').waitFor();
			await shot(page, 'display-empty');
			await page.close();
		} finally {
			await fresh.close();
		}
	});
});
