/* bonomatctl's daily commands (ctl_cmds.c, ctl_backup.c): what they
 * share, the daemon's HTTP client (ctl_http.c) and the output of tables
 * (ctl_out.c). The import command is in bonomatctl.c. */
#ifndef BONOMAT_CTL_H
#define BONOMAT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "config.h"

#define CTL_EXIT_OK 0
#define CTL_EXIT_FAILED 1
#define CTL_EXIT_USAGE 2

#define CTL_DEFAULT_URL "http://127.0.0.1:8080"
#define CTL_DEFAULT_CONFIG "/etc/bonomat/bonomat.conf"
/* The unit's WorkingDirectory: relative database paths start there. */
#define CTL_STATE_DIR "/var/lib/bonomat"
#define CTL_URL_MAX 1024

struct ctl {
	const char *url; /* NULL: from the config, else the default */
	const char *config_path;
	bool config_given; /* --config or BONOMAT_CONFIG */
	const char *token_file;
	char *token; /* the admin token, NULL when none */
	bool json;
	bool csv;
	const char *state;
	const char *from, *to;
	const char *database;
	const char *dir;
	int keep;	    /* 0: the config's [storage] backup_keep */
	struct config *cfg; /* loaded by ctl_load_config() */
	char base[CTL_URL_MAX];
};

/* The answer of one request: the status, and the body as text (NUL
 * terminated) and, when it is JSON, parsed. */
struct ctl_answer {
	long status;
	char *body;
	size_t len;
	json_t *json;
};

void ctl_answer_clear(struct ctl_answer *a);

/* Sets c->base from --url, BONOMAT_URL, the config's listen or the
 * default; EXIT_USAGE after saying why it is refused. */
int ctl_set_base(struct ctl *c);
/* Reads the admin token from --token-file (refused when group or others
 * may read it) or BONOMAT_ADMIN_TOKEN; 0 or EXIT_USAGE after saying why. */
int ctl_get_token(struct ctl *c);
/* Loads the config; CTL_EXIT_USAGE after printing FILE:LINE: message. */
int ctl_load_config(struct ctl *c);

/* One request to the daemon. token may be NULL; accept NULL for JSON.
 * 0 with any HTTP status in *a; -1 when no answer came (said why). */
int ctl_request(const struct ctl *c, const char *method, const char *path,
		const char *token, const char *accept, struct ctl_answer *a);
/* "bonomatctl: METHOD PATH: HTTP 409 conflict: message" on stderr. */
void ctl_report(const char *method, const char *path,
		const struct ctl_answer *a);

/* Text for a terminal: control characters become '?'. */
void ctl_print_safe(FILE *f, const char *s);

struct table;
struct table *table_new(size_t ncols, const char *const *headers);
/* Adds a row of ncols cells (NULL prints as "-"); -ENOMEM. */
int table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* The daily commands: argv[0] is one of them (ctl_is_command). */
bool ctl_is_command(const char *name);
int ctl_main(int argc, char **argv);

int ctl_cmd_status(struct ctl *c);
int ctl_cmd_tickets(struct ctl *c);
int ctl_cmd_reprint(struct ctl *c, const char *number);
int ctl_cmd_counter(struct ctl *c, const char *action, const char *id);
int ctl_cmd_stats(struct ctl *c);
int ctl_cmd_reload(struct ctl *c);
int ctl_cmd_check_config(const char *path);
int ctl_cmd_backup(struct ctl *c, const char *file);

#endif
