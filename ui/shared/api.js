// Talking to bonomatd: one function for every request, and one error type
// that says whether the daemon answered at all (network) or refused
// (status + the API's error code and message, see docs/API.md "Errors").

// The parameters a refusal may carry beside code and message (API.md,
// Errors): pages word the refusal from these, never from the message.
const PARAMS = ['reason', 'opens_at', 'closes_at', 'cutoff_min', 'wait_min', 'limit_min', 'starts_at', 'ticket'];

export class ApiError extends Error {
	constructor(status, code, message, params = {}) {
		super(message);
		this.name = 'ApiError';
		this.status = status; // 0: the daemon could not be reached
		this.code = code;
		for (const k of PARAMS)
			this[k] = params[k] ?? null;
	}

	get network() {
		return this.status === 0;
	}
}

const TIMEOUT_MS = 8000;

// Returns {status, data}; data is null for 204. Throws ApiError for every
// answer that is not 2xx and for no answer at all.
export async function request(method, path, { body, token, timeoutMs = TIMEOUT_MS } = {}) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	if (token)
		headers.Authorization = 'Bearer ' + token;
	const abort = new AbortController();
	const timer = setTimeout(() => abort.abort(), timeoutMs);
	let res;
	try {
		res = await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			cache: 'no-store',
			signal: abort.signal,
		});
	} catch (e) {
		throw new ApiError(0, 'network', 'The server could not be reached.');
	} finally {
		clearTimeout(timer);
	}
	let data = null;
	if (res.status !== 204) {
		try {
			data = await res.json();
		} catch (e) {
			data = null;
		}
	}
	if (!res.ok) {
		const err = data && data.error ? data.error : {};
		throw new ApiError(res.status, err.code || 'http_' + res.status,
			err.message || res.statusText || 'HTTP ' + res.status, err);
	}
	return { status: res.status, data };
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
