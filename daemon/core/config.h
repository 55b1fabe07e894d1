/* The daemon's configuration: one INI file (docs/CONFIG.md), parsed strictly
 * with libinih into one struct that the rest of the daemon reads. */
#ifndef BONOMAT_CONFIG_H
#define BONOMAT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codepage.h"	      /* enum codepage, shared with the drivers */
#include "printer_driver.h" /* enum printer_driver, likewise */

#define CONFIG_MAX_SERVICES 64 /* a counter's services are a 64-bit mask */
#define CONFIG_ERR_MAX 512
/* The length of a token (admin, counters): the API accepts no longer. */
#define CONFIG_TOKEN_MIN 8
#define CONFIG_TOKEN_MAX 128
/* [office] timezone when the file names none; bonomatctl's default too. */
#define CONFIG_DEFAULT_TIMEZONE "Europe/Bucharest"
/* [office] id when the file names none. */
#define CONFIG_DEFAULT_OFFICE_ID "default"

struct cfg_service {
	char *id;     /* section name after "service." */
	char *name;
	char *prefix; /* ticket number prefix; ticket services only */
	char *info;   /* non-NULL: an information tile, no tickets */
	char *name_en, *info_en; /* in English, or NULL: as name, info */
	int minutes;  /* starting estimate of the mean service time */
};

struct cfg_counter {
	char *id;
	char *name;
	char *token;
	uint64_t services; /* bit i = config services[i] */
};

/* [supervisor.NAME]: the floor manager's token, allowed to read everything
 * and to act on the floor (docs/API.md, "Roles"). */
struct cfg_supervisor {
	char *id;
	char *name;
	char *token;
};

struct cfg_printer {
	char *name;
	enum printer_driver driver;
	char *path;  /* file */
	char *queue; /* cups */
	char *host;  /* tcp, "host:port" */
	bool usb_match;
	uint16_t usb_vid, usb_pid;
	enum codepage codepage;
	int codepage_number; /* n of ESC t n */
	int columns;
	char *location; /* for people: where it stands, or NULL */
};

struct cfg_kiosk {
	char *id;
	int printer; /* index into printers */
};

struct cfg_day_hours {
	bool open;
	int open_min;  /* minutes after local midnight */
	int close_min;
};

/* [policy] policy: which call policy the queue engine runs. */
enum cfg_policy {
	CFG_POLICY_RULES,
	CFG_POLICY_DUE,
};

/* [sms] driver: how text messages leave the office. */
enum cfg_sms_driver {
	CFG_SMS_NONE,
	CFG_SMS_GAMMU, /* gammu-smsd, through gammu-smsd-inject */
	CFG_SMS_HTTP,  /* a provider's HTTP(S) API, through libcurl */
};

struct config {
	char *path;

	struct {
		char *id;   /* the office label of every metric */
		char *name;
		char *address;
		char *timezone;
		char *footer;
		char *ticket_url; /* QR code on tickets; "{token}" = its token */
	} office;

	struct {
		char *listen_host;
		uint16_t listen_port; /* 0: any free port */
		char *ui_dir;
		char *chartjs_dir; /* served as /javascript/chart.js/ */
		char *admin_token;
		char **kiosk_clients; /* numeric addresses; none = anyone */
		size_t n_kiosk_clients;
		int max_connections;	 /* open at once, in all */
		int max_per_address;	 /* from one address not in kiosk_clients */
		int max_event_streams;	 /* GET /api/v1/events at once */
		int header_timeout;	 /* seconds */
		int shutdown_timeout;	 /* seconds */
	} server;

	struct {
		char *database;
		int backup_keep; /* bonomatctl backup --dir keeps this many */
	} storage;

	struct {
		struct cfg_day_hours day[7]; /* index as struct tm tm_wday */
		char (*closed)[11];          /* YYYY-MM-DD */
		size_t n_closed;
		int cutoff; /* minutes */
		/* After the cut-off, priority tickets while the estimate
		 * still ends before closing. */
		bool priority_after_cutoff;
		bool always_open;
	} hours;

	struct {
		int kind;         /* enum cfg_policy */
		int max_wait;     /* minutes */
		int walkin_every; /* 0 = off */
		int early_window; /* minutes */
		int late_grace;   /* minutes */
		int priority_wait;  /* minutes; the due policy's */
		int booking_window; /* minutes; the due policy's */
		int walkin_limit;   /* minutes; 0 = no admission limit */
		int return_window;  /* minutes a no-show may come back; 0 off */
		char *appointment_prefix;
	} policy;

	/* [alerts]: thresholds of the supervision page's alerts. */
	struct {
		int max_wait;       /* minutes; [policy] max_wait by default */
		int booking_late;   /* minutes after a booking's slot start */
		int printer_down;   /* seconds */
		int counter_paused; /* minutes */
	} alerts;
	struct cfg_sms {
		int driver;          /* enum cfg_sms_driver */
		int notify_minutes;  /* the "turn near" message at this wait */
		int notify_ahead;    /* ... or this many ahead; 0: off */
		char *gammu_config;  /* gammu-smsd's config file */
		char *gammu_inject;  /* the gammu-smsd-inject program */
		char *url;           /* http: the provider's address */
		char *user, *password; /* http: basic auth, or NULL */
		char *body;          /* http: {to}, {to_e164}, {text} */
		char *content_type;  /* http */
		int timeout;         /* seconds a message may take */
		int queue_size;      /* messages waiting at most */
		int retries;         /* attempts after the first */
		int backoff;         /* seconds before the first retry */
	} sms;

	struct cfg_service *services;
	size_t n_services;
	struct cfg_counter *counters;
	size_t n_counters;
	struct cfg_printer *printers;
	size_t n_printers;
	struct cfg_kiosk *kiosks;
	size_t n_kiosks;
	struct cfg_supervisor *supervisors;
	size_t n_supervisors;

	/* What the file asks that is not done, though the daemon runs:
	 * "FILE:LINE: warning: ..." lines, each ending in '\n'; NULL when
	 * none. Logged at start and reload, printed by --check. */
	char *warnings;
};

/* Parses and validates the file. On failure returns a negative errno and
 * writes "FILE:LINE: message" (or "FILE: message") into err. */
int config_load(const char *path, struct config **ret, char *err,
		size_t errlen);
/* The same from memory; name is used in messages in place of a path. */
int config_parse(const char *text, size_t len, const char *name,
		 struct config **ret, char *err, size_t errlen);
void config_free(struct config *c);

/* Index of the item with that id, or -1. */
int config_service_index(const struct config *c, const char *id);
int config_counter_index(const struct config *c, const char *id);
int config_kiosk_index(const struct config *c, const char *id);
int config_printer_index(const struct config *c, const char *name);

/* Reload (docs/DESIGN.md "Reloading the configuration"): the keys that a
 * running daemon cannot change keep their running values in nc, and each
 * one that the file changed is named to report ("[server] listen"). 0, or
 * -ENOMEM. */
typedef void (*config_report_fn)(void *userdata, const char *key);
int config_keep_running(struct config *nc, const struct config *old,
			config_report_fn report, void *userdata);
/* Whether both configs describe the same printers, in the same order. */
bool config_printers_equal(const struct config *a, const struct config *b);

#endif
