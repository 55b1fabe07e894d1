// Live updates for the pages: the server-sent events of GET /api/v1/events
// when the daemon offers them, polling the REST endpoints when it does not
// (an older daemon, or a stream that is refused), and a status that tells
// the page whether the daemon can be reached at all.
//
//   const live = connectLive({
//       reload: async () => { ... GET what the page shows; throw on failure },
//       onEvent: (type, data) => { ... called, recalled, queue, printer },
//       onStatus: (online) => { ... show or hide the "no connection" banner },
//       types: [...],  // the event types onEvent hears; default EVENT_TYPES
//   });
//
// The state shows on <html data-live="stream|poll|offline"> (for a look in
// the developer tools, and for the browser tests), and data-configs counts
// the `config` events seen.
//
// reload() runs at start, whenever the stream (re)opens, on a `state` event
// (the daemon could not replay what the page missed), on a `config` event
// (the daemon reloaded its configuration: services, counters, hours may
// have changed), on every poll, and when the page calls live.refresh(). Only one runs at a time. It should
// throw the ApiError of api.js: a network error means "offline"; any other
// error still proves that the daemon answers.

const STREAM_URL = '/api/v1/events';
const EVENT_TYPES = ['called', 'recalled', 'queue', 'printer'];
// A stream that was refused (not reconnecting by itself) is tried again
// after this long; meanwhile the page polls.
const STREAM_RETRY_MS = 30000;

export function connectLive({
	reload,
	onEvent = () => {},
	onStatus = () => {},
	pollMs = 2500,
	safetyMs = 60000,
	types = EVENT_TYPES,
}) {
	let online = null;
	let source = null;
	let streaming = false;
	let running = null;
	let again = false;
	let pollTimer = 0;
	let streamTimer = 0;

	function showMode() {
		document.documentElement.dataset.live = !online ? 'offline' : streaming ? 'stream' : 'poll';
	}

	function setOnline(value) {
		if (value !== online) {
			online = value;
			onStatus(value);
		}
		showMode();
	}

	async function runReload() {
		do {
			again = false;
			try {
				await reload();
				setOnline(true);
			} catch (e) {
				if (e && e.network)
					setOnline(false);
				else if (e && e.status)
					setOnline(true);
				else
					console.warn('bonomat: reload failed', e);
			}
		} while (again);
	}

	function refresh() {
		if (running) {
			again = true;
			return running;
		}
		running = runReload().finally(() => {
			running = null;
			schedulePoll();
		});
		return running;
	}

	// Polls often without a stream, rarely as a safety net with one.
	function schedulePoll() {
		clearTimeout(pollTimer);
		const ms = streaming && online ? safetyMs : pollMs;
		pollTimer = setTimeout(refresh, ms);
	}

	function closeStream() {
		if (source) {
			source.close();
			source = null;
		}
		streaming = false;
	}

	function openStream() {
		clearTimeout(streamTimer);
		if (source || typeof EventSource === 'undefined')
			return;
		const es = new EventSource(STREAM_URL);
		source = es;
		es.onopen = () => {
			streaming = true;
			setOnline(true);
			// Catch up: the daemon replays what a reconnecting page
			// missed, but a first connection (or a new daemon) starts
			// from now.
			refresh();
		};
		es.onerror = () => {
			streaming = false;
			showMode();
			if (es.readyState === EventSource.CLOSED) {
				// Refused (no stream endpoint, an error status):
				// poll, and offer the stream another chance later.
				closeStream();
				streamTimer = setTimeout(openStream, STREAM_RETRY_MS);
				refresh();
				return;
			}
			// EventSource reconnects by itself; meanwhile the page
			// polls, and the polls say whether the daemon answers.
			schedulePoll();
		};
		es.addEventListener('state', () => refresh());
		es.addEventListener('config', () => {
			document.documentElement.dataset.configs =
				String(Number(document.documentElement.dataset.configs || 0) + 1);
			refresh();
		});
		for (const type of types) {
			es.addEventListener(type, (ev) => {
				let data = null;
				try {
					data = JSON.parse(ev.data);
				} catch (e) {
					console.warn('bonomat: unreadable ' + type + ' event', ev.data);
					return;
				}
				onEvent(type, data);
			});
		}
	}

	refresh().then(openStream);

	return {
		refresh,
		get streaming() {
			return streaming;
		},
		get online() {
			return online === true;
		},
	};
}
