// The lobby display: the newest call large (number → counter), the calls
// before it (one per counter, so that ten counters calling at once all have
// their row, the ones of the last half minute marked), a clock; a chime and a spoken announcement for every call and
// recall. It shows ticket numbers and counters only, never a citizen's
// name or phone.

import { get } from '/shared/api.js';
import { connectLive } from '/shared/events.js';
import { t } from '/shared/i18n.js';
import { office } from '/shared/office.js';
import { Announcer, spokenCounter, spokenNumber } from '/display/announce.js';

const KEEP = 10;          // calls kept (the API gives at most 10)
const PREVIOUS_SHOWN = KEEP - 1;
const MANY = 4;           // more earlier calls than this: two columns
const FRESH_MS = 30000;   // an earlier call this recent is marked
const FLASH_MS = 6000;
// Calls and recalls that came by event are merged into every reload for this
// long: the answer of GET /api/v1/display may predate them, and it never
// lists recalls.
const LOCAL_KEEP_MS = 10 * 60 * 1000;
const SEEN_MAX = 500;

const $ = (id) => document.getElementById(id);

// Calls, newest first: {number, counter, counter_name, at, seq, recalled}.
let calls = [];
let loaded = false;
let recent = [];          // {entry, t}: calls that came by event
const seen = new Set();   // keys of the calls shown or announced, never announced twice

// A recall in the same second as its call is a second announcement.
const keyOf = (c) => c.number + '|' + c.counter + '|' + c.at + (c.recalled ? '|r' : '');
const timeOf = (c) => Date.parse(c.at) || 0;

// The daemon's order of the calls is their seq: a request that read the
// clock first may still call second, so the times of two calls can be the
// other way round. By time only where a call has no seq.
const newestFirst = (a, b) => (a.seq && b.seq ? b.seq - a.seq : timeOf(b) - timeOf(a));

// Newest first, one entry per number (a transferred ticket called again at
// another counter shows only where it goes now) and one per counter (its
// earlier call is over once it calls the next).
function normalize(list) {
	const numbers = new Set();
	const counters = new Set();
	return list
		.slice()
		.sort(newestFirst)
		.filter((c) => !numbers.has(c.number) && numbers.add(c.number))
		.filter((c) => !counters.has(c.counter) && counters.add(c.counter))
		.slice(0, KEEP);
}

const announcer = new Announcer({
	onSuspended: () => { $('sound-hint').hidden = false; },
});
// What was announced, for the browser tests and the developer tools.
window.bonomatAnnouncer = announcer;

function announce(call) {
	announcer.announce(t(call.recalled ? 'display.say.again' : 'display.say', {
		number: spokenNumber(call.number),
		counter: spokenCounter(call.counter_name || call.counter || ''),
	}));
}

// ---- rendering ----------------------------------------------------------------

const NUMBER_REM = 15;  // the newest number, as large as it fits
const COUNTER_REM = 6.2;

// Shrinks el's type from maxRem until `line` fits the width of the panel
// and, with `height`, the panel its height (a long number, "Ghișeul 10", a
// counter named in words, a screen that is not 16:9). The counter is fitted
// to the width only, so that a recall's badge shrinks the number, never the
// counter the citizen must walk to.
function fit(el, line, maxRem, height) {
	const panel = $('now');
	const style = getComputedStyle(panel);
	const room = panel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
	const fits = () => line.scrollWidth <= room && (!height || panel.scrollHeight <= panel.clientHeight);
	let size = maxRem;
	el.style.fontSize = size + 'rem';
	while (!fits() && size > maxRem / 3) {
		size *= 0.92;
		el.style.fontSize = size + 'rem';
	}
}

// By the browser's clock when the call came, not the daemon's `at` (the
// two clocks need not agree).
const arrived = new Map(); // keyOf(call) -> Date.now() when it came, after the first load
function isFresh(c) {
	const t = arrived.get(keyOf(c));
	return t !== undefined && Date.now() - t < FRESH_MS;
}

function arrive(c) {
	arrived.set(keyOf(c), Date.now());
	if (arrived.size > SEEN_MAX)
		arrived.delete(arrived.keys().next().value);
}

function markFresh() {
	const items = $('previous').children;
	calls.slice(1, 1 + items.length).forEach((c, i) => items[i].classList.toggle('is-fresh', isFresh(c)));
}

let flashTimer = 0;
function flash() {
	const box = $('now');
	box.classList.remove('is-flashing');
	// Restart the animation even when it is running.
	void box.offsetWidth;
	box.classList.add('is-flashing');
	clearTimeout(flashTimer);
	flashTimer = setTimeout(() => box.classList.remove('is-flashing'), FLASH_MS);
}

function render() {
	const [now, ...previous] = calls;
	$('now-call').hidden = !now;
	$('now-label').hidden = !now;
	$('now-empty').hidden = Boolean(now);
	if (now) {
		$('now-number').textContent = now.number;
		$('now-counter').textContent = now.counter_name || now.counter;
		$('now-recalled').hidden = !now.recalled;
		$('now-number').style.fontSize = NUMBER_REM + 'rem';
		fit($('now-counter'), $('now-counter').parentElement, COUNTER_REM, false);
		fit($('now-number'), $('now-number'), NUMBER_REM, true);
	}
	const list = $('previous');
	list.textContent = '';
	const shown = previous.slice(0, PREVIOUS_SHOWN);
	document.body.classList.toggle('many-calls', shown.length > MANY);
	for (const c of shown) {
		const li = document.createElement('li');
		li.classList.toggle('is-fresh', isFresh(c));
		li.innerHTML = '<span class="p-number"></span><span class="p-counter"></span>';
		li.querySelector('.p-number').textContent = c.number;
		li.querySelector('.p-counter').textContent = c.counter_name || c.counter;
		list.appendChild(li);
	}
	// No half-shown call at the bottom of the list.
	const bottom = list.getBoundingClientRect().bottom;
	while (list.lastElementChild && list.lastElementChild.getBoundingClientRect().bottom > bottom + 1)
		list.lastElementChild.remove();
}

// ---- updates --------------------------------------------------------------------

function markSeen(call) {
	seen.add(keyOf(call));
	if (seen.size > SEEN_MAX)
		seen.delete(seen.values().next().value);
}

function addCall(call, recalled) {
	const entry = {
		number: call.number,
		counter: call.counter,
		counter_name: call.counter_name,
		at: call.at || new Date().toISOString(),
		seq: Number.isSafeInteger(call.seq) ? call.seq : 0,
		recalled,
	};
	if (seen.has(keyOf(entry)))
		return; // replayed, or already found by a reload
	markSeen(entry);
	arrive(entry);
	recent.push({ entry, t: Date.now() });
	calls = normalize([entry, ...calls.filter((c) => c.number !== entry.number)]);
	render();
	if (calls[0] === entry)
		flash();
	announce(entry);
}

// The calls as the daemon lists them, with the ones that came by event.
// A call found here that no event brought (polling without a stream, a
// stream that missed it) is announced too, once; the first load announces
// nothing.
async function reload() {
	const { data } = await get('/api/v1/display');
	const server = Array.isArray(data && data.calls) ? data.calls : [];
	const cutoff = Date.now() - LOCAL_KEEP_MS;
	recent = recent.filter((r) => r.t > cutoff);
	// A call that came by event and is not in the daemon's list is newer
	// than the list (its answer left before the event came) or a recall
	// (never listed): newest first ahead of the list, then all by their
	// seq (the daemon's order of the calls).
	const listed = new Set(server.map(keyOf));
	const unlisted = recent.map((r) => r.entry).filter((c) => !listed.has(keyOf(c))).reverse();
	const next = normalize([...unlisted, ...server]);
	const fresh = next.filter((c) => !seen.has(keyOf(c))).reverse();
	const newest = calls[0] && keyOf(calls[0]);
	next.forEach(markSeen);
	if (loaded)
		fresh.forEach(arrive);
	calls = next;
	render();
	if (loaded) {
		for (const c of fresh)
			announce(c);
	}
	if (loaded && calls[0] && keyOf(calls[0]) !== newest)
		flash();
	loaded = true;
}

connectLive({
	reload,
	onEvent: (type, data) => {
		if ((type === 'called' || type === 'recalled') && data && data.number)
			addCall(data, type === 'recalled');
	},
	onStatus: (online) => { $('offline').hidden = online; },
	pollMs: 2000,
});

// ---- clock and the rest ---------------------------------------------------------

const timeFmt = new Intl.DateTimeFormat('ro-RO', { hour: '2-digit', minute: '2-digit', timeZone: office.timeZone });
const dateFmt = new Intl.DateTimeFormat('ro-RO', {
	weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: office.timeZone,
});

function tick() {
	const now = new Date();
	$('clock-time').textContent = timeFmt.format(now);
	$('clock-time').dateTime = now.toISOString();
	$('clock-date').textContent = dateFmt.format(now);
	markFresh();
}

for (const el of document.querySelectorAll('[data-t]'))
	el.textContent = t(el.dataset.t);
$('office-name').textContent = office.name;
$('footer').textContent = t('display.footer', { site: office.booking });
render();
tick();
setInterval(tick, 1000);

// A browser that blocks sound until someone touches the screen.
document.addEventListener('pointerdown', async () => {
	if (await announcer.unlock())
		$('sound-hint').hidden = true;
});
announcer.unlock().then((ok) => { if (!ok) $('sound-hint').hidden = false; });
