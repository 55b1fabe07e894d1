// The kiosk and the counter page through a real office day: tiles that say
// what a tap would get (a service past its estimate cut-off, the last
// minutes, a closed day), refusals in the citizen's words, a printer out of
// paper before the page opens, an unprinted ticket that stays, and every
// tile's text inside its box at 768x1024, 1080x1920 and 1920x1080.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	COUNTERS, Daemon, launchBrowser, openPage, screenshot, settle, startPrinter, unexpectedProblems, waitFor,
} from './harness.mjs';

const THURSDAY = (hhmm) => `2026-12-03T${hhmm}:00+02:00`;
const SIZES = {
	tablet: { width: 768, height: 1024 },
	portrait: { width: 1080, height: 1920 },
	landscape: { width: 1920, height: 1080 },
};
// English words a Romanian page must not show (the daemon's sentences).
const ENGLISH = /\b(the|office|tickets?|minutes|closed|printer|paper|message)\b/i;

async function advance(daemon, to) {
	const now = (await daemon.api('POST', '/api/v1/test/clock', { body: { advance_s: 0 }, token: 'admin-browser-tests' })).data.now;
	const gap = Math.round((Date.parse(to) - Date.parse(now)) / 1000);
	const r = await daemon.api('POST', '/api/v1/test/clock', { body: { advance_s: gap }, token: 'admin-browser-tests' });
	assert.equal(r.status, 200);
}

// Every tile's text inside its tile, every tile inside its group and the
// screen, no group that scrolls: what a citizen could not read.
function tileProblems(page) {
	return page.evaluate(() => {
		const out = [];
		const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
		const screen = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
		for (const group of document.querySelectorAll('.screen:not([hidden]) .tiles')) {
			if (group.scrollHeight > group.clientHeight + 1 || group.scrollWidth > group.clientWidth + 1)
				out.push(`${group.id} scrolls: ${group.scrollWidth}x${group.scrollHeight} in ${group.clientWidth}x${group.clientHeight}`);
		}
		for (const tile of document.querySelectorAll('.screen:not([hidden]) .tile')) {
			const r = tile.getBoundingClientRect();
			const name = tile.querySelector('.tile-name')?.textContent.trim().slice(0, 30);
			if (!inside(r, screen))
				out.push(`tile "${name}" is off the screen`);
			const group = tile.closest('.tiles');
			if (group && !inside(r, group.getBoundingClientRect()))
				out.push(`tile "${name}" is outside its group`);
			if (tile.scrollHeight > tile.clientHeight + 1 || tile.scrollWidth > tile.clientWidth + 1)
				out.push(`tile "${name}" overflows: ${tile.scrollWidth}x${tile.scrollHeight} in ${tile.clientWidth}x${tile.clientHeight}`);
			for (const part of tile.querySelectorAll('.tile-name, .tile-meta, .tile-prefix')) {
				const range = document.createRange();
				range.selectNodeContents(part);
				for (const box of range.getClientRects()) {
					if (!inside(box, r))
						out.push(`"${part.textContent.trim().slice(0, 30)}" sticks out of its tile`);
				}
			}
		}
		return out;
	});
}

describe('a real day at the kiosk', () => {
	let printer, daemon, browser;

	before(async () => {
		printer = await startPrinter();
		daemon = await new Daemon({
			printerPort: printer.port, alwaysOpen: false,
			args: ['--test-clock', THURSDAY('16:30')],
			extra: {
				printer: 'location = chioșcul de la intrare',
				A: 'name_en = Local taxes and duties',
				C: 'name_en = Urban planning and building permits',
			},
		}).start();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
		await printer?.close();
	});

	const kiosk = async (size) => {
		const page = await openPage(browser, daemon.url + '/kiosk?kiosk=k1', size);
		await page.locator('#services .tile').first().waitFor();
		await settle(page, 'home');
		return page;
	};

	for (const [name, size] of Object.entries(SIZES)) {
		test(`every tile's text fits its box, ${name} ${size.width}x${size.height}`, async () => {
			const page = await kiosk(size);
			await screenshot(page, `kiosk-fit-${name}`);
			assert.deepEqual(await tileProblems(page), [], 'home');
			await page.tap('#lang');
			await waitFor(async () => (await page.textContent('#home-lead')).startsWith('Touch'), { what: 'English' });
			assert.equal(await page.textContent('#services .tile[data-service="A"] .tile-name'), 'Local taxes and duties');
			assert.deepEqual(await tileProblems(page), [], 'home, English');
			await settle(page, 'home');
			await page.tap('#priority-tile');
			await settle(page, 'priority');
			await screenshot(page, `kiosk-fit-${name}-priority-en`);
			assert.deepEqual(await tileProblems(page), [], 'priority, English');
			assert.deepEqual(unexpectedProblems(page), []);
			await page.close();
		});
	}

	test('a service past its estimate cut-off says so, and a tap is refused in words', async () => {
		// 16:30: eleven tickets for C (15 min; counters 3, 4 and 10 serve
		// it, nobody else waits): a twelfth would be called 45 minutes
		// after 17:40 and served past 18:30.
		for (let i = 0; i < 11; i++)
			assert.equal((await daemon.api('POST', '/api/v1/tickets', { body: { service: 'C', kiosk: 'k1' } })).status, 201);
		await advance(daemon, THURSDAY('17:40'));
		const page = await kiosk(SIZES.portrait);
		const c = '#services .tile[data-service="C"]';
		await waitFor(async () => (await page.textContent(`${c} .tile-meta`)) === 'Nu se mai dau bonuri azi pentru acest serviciu',
			{ what: 'the C tile closed by the estimate' });
		assert.equal(await page.getAttribute(c, 'class').then((k) => k.includes('is-closed')), true);
		// A is still open.
		assert.doesNotMatch(await page.textContent('#services .tile[data-service="A"] .tile-meta'), /Nu se mai/);
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/tickets')),
			page.tap(c),
		]);
		assert.equal(res.status(), 422);
		await page.locator('#message').waitFor();
		const text = await page.textContent('#message-box');
		assert.match(text, /Nu se mai dau bonuri azi pentru „Urbanism și autorizări de construire”: așteptarea ar fi de aproximativ \d+ de minute, iar biroul se închide la 18:30\./);
		assert.match(text, /Bonurile se dau din nou vineri, 4 decembrie, de la ora 08:30\./);
		assert.doesNotMatch(text, ENGLISH);
		await screenshot(page, 'kiosk-estimate-refused');
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/tickets$/]), []);
		await page.close();
	});

	test('the printer is out of paper before the pages open: the kiosk and the counter say so at once', async () => {
		printer.setMode('paper_out');
		const token = COUNTERS[1].token;
		await waitFor(async () => (await daemon.api('GET', '/api/v1/printers', { token: 'admin-browser-tests' })).data[0].state === 'paper_out',
			{ timeout: 10000, what: 'the daemon to see the paper out' });
		const page = await kiosk(SIZES.portrait);
		await page.locator('#printer-banner').waitFor({ timeout: 3000 });
		assert.match(await page.textContent('#printer-banner'), /Imprimanta acestui chioșc nu poate tipări acum/);

		const counter = await openPage(browser, daemon.url + '/counter?counter=1', { width: 1366, height: 768 });
		await counter.locator('#login-form').waitFor();
		await counter.fill('#login-token', token);
		await counter.click('#login-submit');
		await counter.locator('#console').waitFor();
		await waitFor(async () => /Imprimanta de la chioșcul de la intrare nu mai are hârtie\./.test(await counter.textContent('#alerts')),
			{ timeout: 3000, what: 'the printer alert on the counter page' });
		const alerts = await counter.textContent('#alerts');
		assert.doesNotMatch(alerts, /default|paper|out of/);

		await counter.close();
		await page.close();

		// A ticket now: issued, not printed, the number stays on screen
		// past the 20 s of an ordinary ticket, at least 60 s. The page's
		// clock is Playwright's, moved forward: no time is waited out.
		const context = await browser.newContext({ viewport: SIZES.portrait, hasTouch: true });
		const kp = await context.newPage();
		await kp.clock.install();
		await kp.goto(daemon.url + '/kiosk?kiosk=k1');
		await kp.locator('#services .tile').first().waitFor();
		await settle(kp, 'home');
		const [res] = await Promise.all([
			kp.waitForResponse((r) => r.url().endsWith('/api/v1/tickets')),
			kp.tap('#services .tile[data-service="A"]'),
		]);
		assert.equal(res.status(), 201);
		await waitFor(async () => (await kp.getAttribute('#ticket-print', 'class')).includes('print-failed'),
			{ timeout: 10000, what: 'the "not printed" box' });
		assert.match(await kp.textContent('#ticket-print'), /rămâne deschis până atingeți „Am terminat”/);
		await screenshot(kp, 'kiosk-unprinted');
		await kp.clock.fastForward(60000);
		assert.equal(await kp.isVisible('#ticket'), true, 'the unprinted ticket left the screen within 60 s');
		assert.equal(await kp.textContent('#ticket-number').then((s) => s.trim()), (await res.json()).number);
		// Not for ever: the next citizen finds the start screen.
		await kp.clock.fastForward(40000);
		await kp.locator('#home').waitFor({ timeout: 5000 });
		printer.setMode('ready');
		await context.close();
	});

	test('after the cut-off the tiles say so; a closed day says when it opens', async () => {
		await advance(daemon, THURSDAY('18:16'));
		const page = await kiosk(SIZES.portrait);
		await waitFor(async () => (await page.textContent('#services .tile[data-service="A"] .tile-meta')) === 'Nu se mai dau bonuri azi',
			{ what: 'the cut-off on the A tile' });
		assert.doesNotMatch(await page.textContent('#home'), /Închis acum/);
		assert.equal(await page.textContent('#closed-banner'),
			'Nu se mai dau bonuri azi. Programările se confirmă în continuare, până la închidere.');
		await advance(daemon, '2026-12-05T10:00:00+02:00');
		await page.reload();
		await page.locator('#closed-banner').waitFor();
		assert.equal(await page.textContent('#closed-banner'), 'Biroul este închis acum. Se redeschide luni, 7 decembrie, la ora 08:30.');
		await screenshot(page, 'kiosk-closed-day');
		await page.close();
	});
});
