// The rig of the browser tests (not a test itself): the real bonomatd on a
// temporary config and database, a network receipt printer played by a TCP
// listener, and Debian's Chromium driven by playwright-core.
//
// Environment (ctest sets the first two):
//   BONOMATD                the daemon binary
//   BONOMAT_SOURCE_DIR      the repository (for ui/)
//   BONOMAT_ARTIFACTS_DIR   where screenshots go; default: the working
//                           directory (ctest runs tests in the build tree)
//   CHROMIUM                the browser binary; default: Debian's
//   BONOMAT_KEEP_TMP        keep the temporary directories

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.BONOMAT_SOURCE_DIR || path.resolve(HERE, '..', '..');

export const ADMIN_TOKEN = 'admin-browser-tests';
// [supervisor.sef]: the floor manager's page /supervisor.
export const SUPERVISOR_TOKEN = 'supervisor-browser-tests';
// Not the values of ui/shared/office.js: the pages must show the config's.
export const OFFICE_NAME = 'Primăria Sectorului 1 — Biroul Cetățeanului (test)';
export const BOOKING_SITE = 'programari-test.primariasector1.ro';
export const COUNTERS = {
	1: { name: 'Ghișeul 1', services: ['A', 'B'], token: 'counter-1-browser' },
	2: { name: 'Ghișeul 2', services: ['A'], token: 'counter-2-browser' },
	3: { name: 'Ghișeul 3', services: ['B', 'C'], token: 'counter-3-browser' },
	4: { name: 'Ghișeul 4', services: ['C', 'D', 'E', 'F'], token: 'counter-4-browser' },
	10: { name: 'Ghișeul 10', services: ['A', 'B', 'C', 'D', 'E', 'F'], token: 'counter-10-browser' },
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Minutes as Romanian says them: "1 minut", "2 minute", "20 de minute",
// "101 minute" (written out here, not with Intl, to check the pages).
export function roMinutes(n) {
	if (n === 1)
		return '1 minut';
	const r = n % 100;
	return n !== 0 && (r === 0 || r >= 20) ? `${n} de minute` : `${n} minute`;
}

export async function waitFor(predicate, { timeout = 5000, interval = 50, what = 'a condition' } = {}) {
	const deadline = Date.now() + timeout;
	let last;
	for (;;) {
		last = await predicate();
		if (last)
			return last;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
		await sleep(interval);
	}
}

// ---- the printer ------------------------------------------------------------

// Replies to DLE EOT n (10 04 n) as an Epson TM printer gives them: fixed
// bits 0x12; a printer out of paper says so for n=4 (bits 5-6: 0x72) and is
// offline for n=1 and n=2 (tests/integration/printer_peer.py has the same).
const REPLIES = {
	ready: { 1: 0x12, 2: 0x12, 4: 0x12 },
	paper_out: { 1: 0x1a, 2: 0x32, 4: 0x72 },
};

export async function startPrinter() {
	const printer = { mode: 'ready', chunks: [], sockets: new Set() };
	const server = net.createServer((sock) => {
		printer.sockets.add(sock);
		let held = [];
		sock.on('data', (buf) => {
			const data = [];
			const answer = [];
			for (const b of buf) {
				if (held.length === 2) {
					held = [];
					const reply = REPLIES[printer.mode][b];
					if (reply !== undefined)
						answer.push(reply);
					continue;
				}
				if (held.length === 1) {
					if (b === 0x04) {
						held.push(b);
						continue;
					}
					data.push(...held);
					held = [];
				}
				if (b === 0x10)
					held.push(b);
				else
					data.push(b);
			}
			if (data.length)
				printer.chunks.push(Buffer.from(data));
			if (answer.length)
				sock.write(Buffer.from(answer));
		});
		sock.on('error', () => {});
		sock.on('close', () => printer.sockets.delete(sock));
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	return {
		port: server.address().port,
		setMode(mode) {
			if (!REPLIES[mode])
				throw new Error('unknown printer mode ' + mode);
			printer.mode = mode;
		},
		// Everything printed, status queries left out.
		data: () => Buffer.concat(printer.chunks),
		async close() {
			for (const s of printer.sockets)
				s.destroy();
			await new Promise((r) => server.close(r));
		},
	};
}

// ---- the daemon -------------------------------------------------------------

function configText({ port, dir, printerPort, alwaysOpen, counters: counterSet, extra }) {
	const counters = Object.entries(counterSet || COUNTERS).map(([id, c]) => `
[counter.${id}]
name = ${c.name}
services = ${c.services.join(', ')}
token = ${c.token}
`).join('');
	const printer = printerPort
		? `driver = tcp\nhost = 127.0.0.1:${printerPort}\n`
		: 'driver = none\n';
	// More lines for a section: {hours: '...', printer: '...', A: '...'};
	// tail: more sections at the end ("[alerts]\n...").
	const more = extra || {};
	const add = (section) => (more[section] ? more[section] + '\n' : '');
	return `; written by tests/browser/harness.mjs
[office]
name = ${OFFICE_NAME}
address = Str. Mureș nr. 18–24, parter
timezone = Europe/Bucharest
footer = Programări online: ${BOOKING_SITE}
${add('office')}
[server]
listen = 127.0.0.1:${port}
ui_dir = ${path.join(SOURCE_DIR, 'ui')}
admin_token = ${ADMIN_TOKEN}
kiosk_clients = 127.0.0.1, ::1

[storage]
database = ${path.join(dir, 'bonomat.db')}

[hours]
always_open = ${alwaysOpen ? 'true' : 'false'}
${add('hours')}
[printer.default]
${printer}${add('printer')}
[kiosk.k1]
printer = default

[service.A]
name = Taxe și impozite locale
prefix = A
minutes = 8
${add('A')}
[service.B]
name = Registratură / depunere documente
minutes = 5
${add('B')}
[service.C]
name = Urbanism și autorizări de construire
minutes = 15
${add('C')}
[service.D]
name = Asistență socială
minutes = 12

[service.E]
name = Utilități publice / salubritate
minutes = 6

[service.F]
name = Fond funciar / Registrul agricol

[service.SC]
name = Acte de stare civilă
info = Actele de stare civilă nu se eliberează aici, ci la sediul din
       Bd. Mareșal Averescu nr. 17.

[service.CI]
name = Acte de identitate
info = Programarea pentru actele de identitate se face numai online, pe
       platforma Ministerului Afacerilor Interne: hub.mai.gov.ro.
${counters}
[supervisor.sef]
name = Șefa Biroului Cetățeanului
token = ${SUPERVISOR_TOKEN}
${add('tail')}`;
}

function findDaemon() {
	if (process.env.BONOMATD)
		return process.env.BONOMATD;
	for (const p of ['build/dev/bonomatd', 'build/ci/bonomatd', 'build/release/bonomatd']) {
		const full = path.join(SOURCE_DIR, p);
		if (existsSync(full))
			return full;
	}
	throw new Error('BONOMATD is not set and no built bonomatd was found under ' + SOURCE_DIR + '/build');
}

// printerPort: a TCP printer (startPrinter()), else driver none. args: more
// daemon arguments, such as ['--test-clock', '2026-12-03T10:00:00+02:00'].
// alwaysOpen false: the default hours (Thursday 08:30-18:30, cut-off 15).
export class Daemon {
	// counters: instead of COUNTERS; extra: more config lines per section
	// (see configText).
	constructor({ printerPort = 0, args = [], alwaysOpen = true, counters = null, extra = null } = {}) {
		this.counters = counters;
		this.extra = extra;
		this.binary = findDaemon();
		this.args = args;
		this.alwaysOpen = alwaysOpen;
		this.dir = mkdtempSync(path.join(os.tmpdir(), 'bonomat-browser-'));
		this.printerPort = printerPort;
		this.port = 0; // 0 until the first start; then kept across restarts
		this.proc = null;
		this.starts = 0;
	}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	logPath(n = this.starts) {
		return path.join(this.dir, `daemon-${n}.log`);
	}

	log() {
		return existsSync(this.logPath()) ? readFileSync(this.logPath(), 'utf8') : '';
	}

	async start() {
		if (this.proc)
			throw new Error('the daemon is already running');
		this.starts++;
		const conf = path.join(this.dir, 'bonomat.conf');
		writeFileSync(conf, configText({
			port: this.port, dir: this.dir, printerPort: this.printerPort, alwaysOpen: this.alwaysOpen,
			counters: this.counters, extra: this.extra,
		}));
		const env = { ...process.env };
		delete env.NOTIFY_SOCKET;
		const proc = spawn(this.binary, ['-c', conf, ...this.args], {
			cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.proc = proc;
		const logFile = this.logPath();
		writeFileSync(logFile, '');
		let text = '';
		const port = await new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('no "listening on" line within 10 s\n' + text)), 10000);
			const onData = (chunk) => {
				text += chunk.toString('utf8');
				writeFileSync(logFile, text);
				const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
				if (m) {
					clearTimeout(timer);
					resolve(Number(m[1]));
				}
			};
			proc.stdout.on('data', onData);
			proc.stderr.on('data', onData);
			proc.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`bonomatd exited with ${code} before listening\n${text}`));
			});
		});
		// Keep reading the log after the start, or the pipe fills up.
		proc.stdout.removeAllListeners('data');
		proc.stderr.removeAllListeners('data');
		const append = (chunk) => { text += chunk.toString('utf8'); writeFileSync(logFile, text); };
		proc.stdout.on('data', append);
		proc.stderr.on('data', append);
		proc.removeAllListeners('exit');
		proc.once('exit', () => { if (this.proc === proc) this.proc = null; });
		this.port = port;
		await waitFor(async () => {
			try {
				return (await fetch(this.url + '/healthz')).status === 200;
			} catch (e) {
				return false;
			}
		}, { timeout: 10000, what: 'GET /healthz' });
		return this;
	}

	async signal(sig) {
		const proc = this.proc;
		if (!proc)
			return;
		const exited = new Promise((r) => proc.once('exit', r));
		proc.kill(sig);
		await exited;
		this.proc = null;
	}

	stop() {
		return this.signal('SIGTERM');
	}

	kill() {
		return this.signal('SIGKILL');
	}

	async close() {
		await this.kill();
		if (!process.env.BONOMAT_KEEP_TMP)
			rmSync(this.dir, { recursive: true, force: true });
	}

	// {status, data} of one request; never throws for an HTTP status.
	async api(method, p, { body, token } = {}) {
		const headers = {};
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		if (token)
			headers.Authorization = 'Bearer ' + token;
		const res = await fetch(this.url + p, {
			method, headers, body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		return { status: res.status, data: text ? JSON.parse(text) : null };
	}
}

// ---- the browser ------------------------------------------------------------

function findChromium() {
	for (const p of [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'])
		if (p && existsSync(p))
			return p;
	throw new Error('Chromium is missing: apt-get install chromium (scripts/deps.sh test)');
}

export function launchBrowser() {
	return chromium.launch({
		executablePath: findChromium(),
		headless: true,
		args: [
			'--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--no-first-run', '--disable-sync',
			'--autoplay-policy=no-user-gesture-required',
		],
	});
}

// A page whose console errors, uncaught exceptions and failed loads are
// collected in page.problems, as {text, url}.
// more: further options of the browser context (a locale).
export async function openPage(browser, url, viewport, more = {}) {
	const context = await browser.newContext({ viewport, deviceScaleFactor: 1, hasTouch: true, ...more });
	const page = await context.newPage();
	page.problems = [];
	page.on('console', (msg) => {
		if (msg.type() === 'error')
			page.problems.push({ text: msg.text(), url: msg.location().url || '' });
	});
	page.on('pageerror', (err) => page.problems.push({ text: 'uncaught: ' + err.message, url: '' }));
	await page.goto(url);
	return page;
}

export function artifactsDir() {
	const dir = path.join(process.env.BONOMAT_ARTIFACTS_DIR || process.cwd(), 'screenshots');
	mkdirSync(dir, { recursive: true });
	return dir;
}

export async function screenshot(page, name) {
	const file = path.join(artifactsDir(), name + '.png');
	await page.screenshot({ path: file });
	return file;
}

// The page's problems, leaving out the failed loads a test caused on
// purpose: each of `expected` is a RegExp matched against the URL of a
// "Failed to load resource" message (a refused check-in, a wrong token).
export function unexpectedProblems(page, expected = []) {
	return page.problems.filter((p) => !(/^Failed to load resource/.test(p.text) &&
		expected.some((re) => re.test(p.url))));
}

// Kiosk screens ignore taps for half a second after they change (the
// second half of a double tap): a test waits until `screen` shows and that
// time is over, as a citizen would.
export function settle(page, screen) {
	return page.waitForFunction((s) => document.body.dataset.screen === s &&
		performance.now() >= Number(document.body.dataset.guardUntil || 0), screen);
}

// A viewport's every visible button is at least `min` CSS px each way.
export async function smallTargets(page, min = 60) {
	return page.evaluate((m) => [...document.querySelectorAll('button')]
		.filter((b) => b.offsetParent !== null)
		.map((b) => ({ b, r: b.getBoundingClientRect() }))
		.filter(({ r }) => r.width < m || r.height < m)
		.map(({ b, r }) => `${b.id || b.className || b.textContent.trim()}: ${Math.round(r.width)}x${Math.round(r.height)}`), min);
}

// ---- what a citizen reads ------------------------------------------------------

// The least size, in CSS px (1 CSS px is 1 screen px at the test
// viewports), of what a citizen must read. The lobby display (1920x1080,
// read from across the room, up to ~8 m): letters about 1/150 of the
// distance tall, ~5 cm, are ~85 px on a 55" screen, so the called number
// gets at least 100 px and the counter it names 48 px. The kiosk
// (1080x1920, read at arm's length, then remembered): the ticket number at
// least 80 px, several times the body text.
export const MIN_TEXT_PX = { displayNumber: 100, displayCounter: 48, kioskNumber: 80 };

// The rendered size of an element's text: its computed font size and the
// box its text takes, both in CSS px.
export function textSize(page, selector) {
	return page.$eval(selector, (el) => {
		const range = document.createRange();
		range.selectNodeContents(el);
		const box = range.getBoundingClientRect();
		return {
			fontPx: parseFloat(getComputedStyle(el).fontSize),
			width: box.width,
			height: box.height,
			visible: el.offsetParent !== null && box.height > 0,
		};
	}, selector);
}

// Earlier calls listed under the newest one on the 1920x1080 display: one
// per counter (its latest call), as many as GET /api/v1/display gives
// after the newest, so ten counters calling at once are all on screen.
export const DISPLAY_PREVIOUS = 9;

// The calls the lobby display shows, newest first: the large line, then
// the list of earlier calls, each as {number, counter} in the words shown.
export function shownCalls(page) {
	return page.evaluate(() => {
		const text = (el) => (el ? el.textContent.trim() : null);
		const out = [];
		if (!document.getElementById('now-call').hidden)
			out.push({ number: text(document.getElementById('now-number')),
				counter: text(document.getElementById('now-counter')) });
		for (const li of document.querySelectorAll('#previous li'))
			out.push({ number: text(li.querySelector('.p-number')), counter: text(li.querySelector('.p-counter')) });
		return out;
	});
}

// What the 1920x1080 display must show for the daemon's GET
// /api/v1/display: the same calls in the same order, each counter's latest
// only, the newest large and up to DISPLAY_PREVIOUS of the ones before it.
export async function callsToShow(daemon) {
	const r = await daemon.api('GET', '/api/v1/display');
	if (r.status !== 200)
		throw new Error('GET /api/v1/display: ' + r.status);
	const counters = new Set();
	return r.data.calls.filter((c) => !counters.has(c.counter) && counters.add(c.counter))
		.slice(0, 1 + DISPLAY_PREVIOUS)
		.map((c) => ({ number: c.number, counter: c.counter_name || c.counter }));
}

// Waits (up to `timeout`) for the display to show exactly what the daemon
// lists; returns {shown, want} as they were last read, for deepEqual.
export async function displayAgainstDaemon(page, daemon, timeout = 5000) {
	let shown = [];
	let want = [];
	await waitFor(async () => {
		want = await callsToShow(daemon);
		shown = await shownCalls(page);
		return JSON.stringify(shown) === JSON.stringify(want);
	}, { timeout, what: 'the display to show the daemon\'s calls' }).catch(() => {});
	return { shown, want };
}
