// The sound of a call: a chime made with WebAudio (no audio file) and, when
// the browser has a Romanian voice, the announcement spoken with the Web
// Speech API. Announcements are queued and never overlap.

const CHIME_NOTES = [
	{ freq: 784, at: 0, length: 0.9 },    // G5
	{ freq: 659.3, at: 0.45, length: 1.2 }, // E5
];
const CHIME_MS = 1700;
const GAP_MS = 700;          // silence between two announcements
const SPEECH_MAX_MS = 12000; // a voice that never ends its utterance
const QUEUE_MAX = 4;         // older announcements are dropped past this

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// "A012" -> "A 0 1 2": every character on its own, as the lobby hears it.
export function spokenNumber(number) {
	return String(number).split('').join(' ');
}

// "Ghișeul 3" -> "ghișeul 3" inside a sentence; other names stay as written.
export function spokenCounter(name) {
	return /^Ghișeul\b/.test(name) ? 'g' + name.slice(1) : name;
}

export class Announcer {
	constructor({ onSuspended = () => {} } = {}) {
		this.queue = [];
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
		if (this.queue.length >= QUEUE_MAX)
			this.queue.shift();
		this.queue.push(text);
		if (!this.running)
			this.run();
	}

	async run() {
		this.running = true;
		while (this.queue.length) {
			const text = this.queue.shift();
			const chimed = await this.chime();
			const spoken = await this.speak(text);
			this.log.push({ text, chimed, spoken, at: new Date().toISOString() });
			if (this.log.length > 50)
				this.log.shift();
			await sleep(GAP_MS);
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

	speak(text) {
		if (!this.voice || !('speechSynthesis' in window))
			return Promise.resolve(false);
		return new Promise((resolve) => {
			const u = new SpeechSynthesisUtterance(text);
			u.lang = this.voice.lang;
			u.voice = this.voice;
			u.rate = 0.9;
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
