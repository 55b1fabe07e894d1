// What the pages say about the office itself. The API has no endpoint for
// the [office] section of the config, so an office that installs Bonomat
// edits these few lines to match its bonomat.conf.
export const office = Object.freeze({
	name: 'Primăria Sectorului 1 — Biroul Cetățeanului',
	// Where citizens book online; the kiosk points there when walk-in
	// tickets are no longer issued.
	booking: 'programare.primariasector1.ro',
	timeZone: 'Europe/Bucharest',
});
