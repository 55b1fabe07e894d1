// The sound of a call: a chime made with WebAudio (no audio file) and, when
// the browser has a Romanian voice, the announcement spoken with the Web
// Speech API. Announcements are queued in the order of the calls, never
// overlap and are never dropped: when several wait (the opening rush, ten
// counters calling within a second) they are said faster, one chime for
// the lot, not fewer.

const CHIME_NOTES = [
	{ freq: 784, at: 0, length: 0.9 },    // G5
	{ freq: 659.3, at: 0.45, length: 1.2 }, // E5
];
const CHIME_MS = 1700;
const GAP_MS = 700;          // silence between two announcements
const GAP_RUSH_MS = 250;     // the same while more announcements wait
const SPEECH_MAX_MS = 12000; // a voice that never ends its utterance
const RATE = 0.9;
const RATE_RUSH = 1.15;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// "A012" -> "cu litera A, numărul 12": the number whole, without its leading
// zeros, and the prefix named as a letter, so that E, P or C is not heard
// as the words "e", "pe", "ce". A number without a prefix is said alone.
export function spokenNumber(number) {
	const m = /^([A-Za-z]*)0*(\d+)$/.exec(String(number));
	if (!m)
		return String(number);
	const digits = String(Number(m[2]));
	if (!m[1])
		return 'numărul ' + digits;
	const letters = m[1].toUpperCase().split('').join(' ');
	return (m[1].length === 1 ? 'cu litera ' : 'cu literele ') + letters + ', numărul ' + digits;
}

// "Ghișeul 3" -> "ghișeul 3" inside a sentence; other names stay as written.
export function spokenCounter(name) {
	return /^Ghișeul\b/.test(name) ? 'g' + name.slice(1) : name;
}

export class Announcer {
	constructor({ onSuspended = () => {} } = {}) {
		this.queue = [];
		// Every announcement in the order it was queued, for the browser
		// tests; bounded.
		this.queued = [];
		this.running = false;
		this.audio = null;
		this.onSuspended = onSuspended;
		// What was announced, for the browser tests; bounded.
		this.log = [];
		this.voice = null;
		if ('speechSynthesis' in window) {
			this.pickVoice();
			speechSynthesis.addEventListener('voiceschanged', () => this.pickVoice());
		}
	}

	pickVoice() {
		const voices = speechSynthesis.getVoices();
		this.voice = voices.find((v) => /^ro([-_]|$)/i.test(v.lang)) || null;
	}

	// The audio context is created on first use; a browser that blocks
	// sound until a touch leaves it suspended, and the page asks for one.
	async unlock() {
		if (!this.audio && (window.AudioContext || window.webkitAudioContext))
			this.audio = new (window.AudioContext || window.webkitAudioContext)();
		if (this.audio && this.audio.state === 'suspended') {
			try {
				await Promise.race([this.audio.resume(), sleep(300)]);
			} catch (e) {
				// Stays suspended; the hint stays up.
			}
		}
		return Boolean(this.audio && this.audio.state === 'running');
	}

	announce(text) {
		this.queue.push(text);
		this.queued.push(text);
		if (this.queued.length > 200)
			this.queued.shift();
		if (!this.running)
			this.run();
	}

	async run() {
		this.running = true;
		let rush = false;
		while (this.queue.length) {
			const text = this.queue.shift();
			// One chime opens a rush; the calls after it follow faster.
			const chimed = rush ? true : await this.chime();
			const spoken = await this.speak(text, rush || this.queue.length > 0 ? RATE_RUSH : RATE);
			this.log.push({ text, chimed, spoken, rush, at: new Date().toISOString() });
			if (this.log.length > 200)
				this.log.shift();
			rush = this.queue.length > 0;
			await sleep(rush ? GAP_RUSH_MS : GAP_MS);
		}
		this.running = false;
	}

	async chime() {
		const ok = await this.unlock();
		if (!ok) {
			this.onSuspended();
			return false;
		}
		const ctx = this.audio;
		const start = ctx.currentTime + 0.05;
		for (const n of CHIME_NOTES) {
			// A bell-like tone: a sine and a softer octave, struck and fading.
			for (const [mult, level] of [[1, 0.5], [2, 0.12]]) {
				const osc = ctx.createOscillator();
				const gain = ctx.createGain();
				osc.type = 'sine';
				osc.frequency.value = n.freq * mult;
				gain.gain.setValueAtTime(0.0001, start + n.at);
				gain.gain.exponentialRampToValueAtTime(level, start + n.at + 0.02);
				gain.gain.exponentialRampToValueAtTime(0.0001, start + n.at + n.length);
				osc.connect(gain).connect(ctx.destination);
				osc.start(start + n.at);
				osc.stop(start + n.at + n.length + 0.05);
			}
		}
		await sleep(CHIME_MS);
		return true;
	}

	speak(text, rate = RATE) {
		if (!this.voice || !('speechSynthesis' in window))
			return Promise.resolve(false);
		return new Promise((resolve) => {
			const u = new SpeechSynthesisUtterance(text);
			u.lang = this.voice.lang;
			u.voice = this.voice;
			u.rate = rate;
			const timer = setTimeout(() => {
				speechSynthesis.cancel();
				resolve(false);
			}, SPEECH_MAX_MS);
			u.onend = () => { clearTimeout(timer); resolve(true); };
			u.onerror = () => { clearTimeout(timer); resolve(false); };
			speechSynthesis.speak(u);
		});
	}
}
