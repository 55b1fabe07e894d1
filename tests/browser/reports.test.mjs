// The reports page (/reports) over a month seeded into the database
// (tests/integration/seed.py: November 2026, services A and B): the
// figures (returned no-shows included) and the three charts drawn by
// Debian's Chart.js agree with GET /api/v1/stats?from=&to=, the CSV comes in one click, the print layout
// leaves the controls out, and a wrong code or period is said in
// Romanian. Screenshots of the screen and of the print layout are kept.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ADMIN_TOKEN, Daemon, SOURCE_DIR, SUPERVISOR_TOKEN, launchBrowser, openPage, screenshot, unexpectedProblems } from './harness.mjs';

const serviceNames = { A: 'Taxe și impozite locale', B: 'Registratură / depunere documente' };
const kindNames = { walk_in: 'fără programare', priority: 'cu prioritate', appointment: 'cu programare' };

const FROM = '2026-11-01';
const TO = '2026-11-30';

function seedMonth(db) {
	const r = spawnSync('python3', [path.join(SOURCE_DIR, 'tests/integration/seed.py'), db, '2026-11-02', '21'],
		{ encoding: 'utf8' });
	assert.equal(r.status, 0, 'seed.py failed: ' + r.stderr);
}

// How many pixels of a canvas are drawn on (not transparent).
function inkOf(page, id) {
	return page.evaluate((canvasId) => {
		const c = document.getElementById(canvasId);
		const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < px.length; i += 4)
			if (px[i] > 0)
				n++;
		return n;
	}, id);
}

describe('the reports page over a seeded month', () => {
	let daemon, browser, page, report;

	before(async () => {
		daemon = new Daemon();
		await daemon.start();
		await daemon.stop();
		seedMonth(path.join(daemon.dir, 'bonomat.db'));
		await daemon.start();
		const r = await daemon.api('GET', `/api/v1/stats?from=${FROM}&to=${TO}`, { token: ADMIN_TOKEN });
		assert.equal(r.status, 200);
		report = r.data;
		assert.ok(report.totals.issued > 800, 'the seeded month has tickets');
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await daemon?.close();
	});

	test('asks for the access code, and refuses a wrong one in Romanian', async () => {
		// A Romanian office's browser, in the office's time zone.
		page = await openPage(browser, `${daemon.url}/reports?from=${FROM}&to=${TO}`, { width: 1366, height: 768 },
			{ locale: 'ro-RO', timezoneId: 'Europe/Bucharest' });
		await page.locator('#login').waitFor();
		await screenshot(page, 'reports-login');
		await page.fill('#login-token', 'not-the-admin-token');
		await page.click('#login-submit');
		await page.locator('#login-error').waitFor();
		assert.equal(await page.textContent('#login-error'), 'Codul de acces nu este valid.');
	});

	test('shows the month: tiles, table and three charts from the API', async () => {
		// A supervisor's code opens it (the admin's too, below).
		await page.fill('#login-token', SUPERVISOR_TOKEN);
		await page.click('#login-submit');
		await page.waitForFunction((p) => document.body.dataset.ready === p, `${FROM}/${TO}`);
		assert.equal(await page.textContent('#period-text'),
			'Perioada 1 noiembrie 2026 – 30 noiembrie 2026 (30 de zile)');
		const tiles = await page.$$eval('#tiles > div', (ds) => ds.map((d) => [
			d.querySelector('dt').textContent, d.querySelector('dd').textContent]));
		const fmt = new Intl.NumberFormat('ro-RO');
		assert.deepEqual(tiles[0], ['Bonuri emise', fmt.format(report.totals.issued)]);
		assert.deepEqual(tiles[1], ['Cetățeni serviți', fmt.format(report.totals.served)]);
		// The no-show tile says how many came back, as the API counts them
		// (seed.py brings about half of the no-shows back).
		assert.ok(report.totals.returned > 0, 'the seeded month has returns');
		assert.deepEqual(tiles[2], ['Neprezentați la chemare',
			`${fmt.format(report.totals.no_show)} reveniți la rând: ${fmt.format(report.totals.returned)}`]);
		const share = report.on_time_bookings.share_within_10min;
		assert.match(tiles[5][1], new RegExp('^' + new Intl.NumberFormat('ro-RO',
			{ style: 'percent', maximumFractionDigits: 1 }).format(share).replace(/\s/g, '\\s')));

		// One table row per service and kind with tickets, names from
		// the config.
		const rows = await page.$$eval('#services tbody tr', (trs) => trs.map((tr) =>
			[...tr.cells].map((c) => c.textContent)));
		const withTickets = report.services.filter((r) => r.issued);
		assert.equal(rows.length, withTickets.length);
		const head = await page.$$eval('#services thead th', (ths) => ths.map((th) => th.textContent));
		assert.deepEqual(head.slice(2, 7), ['Emise', 'Serviți', 'Neprezentați', 'Reveniți', 'Neserviți']);
		// Every row's returns are the API's, and they add up to the tile's.
		let returned = 0;
		for (const r of withTickets) {
			const shown = rows.find((c) => c[0] === serviceNames[r.service] && c[1] === kindNames[r.kind]);
			assert.ok(shown, `a row for ${r.service}, ${r.kind}`);
			assert.equal(shown[5], fmt.format(r.returned), `returns of ${r.service}, ${r.kind}`);
			returned += r.returned;
		}
		assert.equal(returned, report.totals.returned);
		const aWalkIn = rows.find((r) => r[0] === 'Taxe și impozite locale' && r[1] === 'fără programare');
		const apiRow = report.services.find((r) => r.service === 'A' && r.kind === 'walk_in');
		assert.ok(aWalkIn, 'a row for A, walk-ins');
		assert.equal(aWalkIn[2], fmt.format(apiRow.issued));
		assert.equal(aWalkIn[5], fmt.format(apiRow.returned));
		assert.equal(aWalkIn[8], new Intl.NumberFormat('ro-RO', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
			.format(apiRow.wait_p50_s / 60));

		// The charts hold the API's figures and are drawn.
		const charts = await page.evaluate(() => ['chart-hours', 'chart-waits', 'chart-ontime'].map((id) => {
			const c = window.Chart.getChart(document.getElementById(id));
			return c ? { type: c.config.type, labels: c.data.labels, data: c.data.datasets.map((d) => d.data),
				names: c.data.datasets.map((d) => d.label) } : null;
		}));
		assert.ok(charts.every(Boolean), 'three charts');
		const [hours, waits, onTime] = charts;
		assert.equal(hours.data[0].reduce((a, b) => a + b, 0), report.totals.issued, 'arrivals by hour add up');
		assert.ok(hours.labels.includes('ora 09'));
		assert.deepEqual(waits.names, ['Taxe și impozite locale', 'Registratură / depunere documente']);
		assert.equal(waits.labels.length, 30);
		assert.equal(waits.labels[1], '02.11');
		// The first Monday's mean wait of A over its kinds, in minutes.
		const mon = report.days[1].services.filter((r) => r.service === 'A' && r.wait_n);
		const n = mon.reduce((a, r) => a + r.wait_n, 0);
		const mean = mon.reduce((a, r) => a + r.wait_n * r.wait_mean_s, 0) / n / 60;
		assert.ok(Math.abs(waits.data[0][1] - mean) < 1e-9, `${waits.data[0][1]} != ${mean}`);
		assert.equal(waits.data[0][0], null, 'Sunday has no waits');
		const within = onTime.data[0].reduce((a, b) => a + b, 0);
		assert.equal(within, report.on_time_bookings.called_within_10min);
		assert.equal(within + onTime.data[1].reduce((a, b) => a + b, 0),
			report.on_time_bookings.bookings - report.on_time_bookings.pending);
		for (const id of ['chart-hours', 'chart-waits', 'chart-ontime'])
			assert.ok(await inkOf(page, id) > 5000, id + ' is drawn');

		const text = await page.textContent('body');
		assert.doesNotMatch(text, /undefined|NaN|null|reports\.|walk_in|appointment/);
		assert.deepEqual(unexpectedProblems(page, [/\/api\/v1\/stats/]), []);
		await screenshot(page, 'reports-month');
		await page.screenshot({ path: path.join(path.dirname(await screenshot(page, 'reports-month')),
			'reports-month-full.png'), fullPage: true });
	});

	test('the CSV of the period is one click away', async () => {
		const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
		assert.equal(download.suggestedFilename(), `raport-${FROM}-${TO}.csv`);
		const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
		assert.match(csv[0], /^date,service,kind,issued,/);
		const head = csv[0].split(',');
		const total = csv.map((l) => l.split(','))
			.filter((c) => c[0] === `${FROM}/${TO}`)
			.reduce((a, c) => a + Number(c[head.indexOf('issued')]), 0);
		assert.equal(total, report.totals.issued);
	});

	test('prints without the controls', async () => {
		await page.emulateMedia({ media: 'print' });
		assert.equal(await page.isVisible('#period-form'), false);
		assert.equal(await page.isVisible('#chart-hours'), true);
		await page.screenshot({ path: path.join(path.dirname(await screenshot(page, 'reports-print')),
			'reports-print-full.png'), fullPage: true });
		await page.emulateMedia({ media: 'screen' });
	});

	test('the admin\'s code opens it too, and the code lasts the session', async () => {
		await page.click('#logout');
		await page.locator('#login').waitFor();
		assert.equal(await page.evaluate(() => document.body.dataset.ready), undefined);
		await page.fill('#login-token', ADMIN_TOKEN);
		await page.click('#login-submit');
		await page.waitForFunction((p) => document.body.dataset.ready === p, `${FROM}/${TO}`);
		await page.evaluate(() => { delete document.body.dataset.ready; });
		await page.reload();
		await page.waitForFunction((p) => document.body.dataset.ready === p, `${FROM}/${TO}`);
		assert.equal(await page.isVisible('#login'), false);
	});

	test('a bad period is refused in Romanian before asking', async () => {
		await page.fill('#from', '2026-11-30');
		await page.fill('#to', '2026-11-01');
		await page.click('#show');
		await page.locator('#error').waitFor();
		assert.match(await page.textContent('#error'), /^Perioada nu este validă/);
		await screenshot(page, 'reports-bad-period');
	});
});
