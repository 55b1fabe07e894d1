/* A reloaded configuration: the office's per-service and per-counter
 * state sized for it in one place, the refusal of a config that would
 * orphan waiting tickets or open calls, and the swap itself. */
#include "office_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int office_arrays_new(const struct config *c, struct office_arrays *ret)
{
	struct office_arrays a = {0};

	a.times = calloc(c->n_services ? c->n_services : 1, sizeof(*a.times));
	a.paused_since = calloc(c->n_counters ? c->n_counters : 1,
				sizeof(*a.paused_since));
	a.cache = calloc(c->n_services ? c->n_services : 1, sizeof(*a.cache));
	a.walk_ins = calloc(1, sizeof(*a.walk_ins));
	if (!a.times || !a.paused_since || !a.cache || !a.walk_ins) {
		office_arrays_free(&a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

void office_arrays_free(struct office_arrays *a)
{
	free(a->times);
	free(a->paused_since);
	free(a->cache);
	free(a->walk_ins);
	memset(a, 0, sizeof(*a));
}

/* Service times, paused-since times and the counters' services of the
 * day are not carried: office_load_day() reads them from the database and
 * the floor's log under the new ids. State that lives only in memory is
 * carried here, by id, from o's running config to c. */
static void arrays_carry(const struct office *o, const struct config *c,
			 struct office_arrays *a)
{
	(void)o;
	(void)c;
	(void)a;
}

struct orphans {
	const struct config *old, *nc;
	char *message;
	size_t len;
	bool found;
};

static int find_orphan(const struct ticket *t, void *userdata)
{
	struct orphans *x = userdata;
	const char *sid = t->service >= 0 ? x->old->services[t->service].id :
					    NULL;
	const char *cid = t->counter >= 0 ? x->old->counters[t->counter].id :
					    NULL;
	int s = sid ? config_service_index(x->nc, sid) : 0;

	if (x->found)
		return 0;
	if (sid && (s < 0 || x->nc->services[s].info)) {
		snprintf(x->message, x->len,
			 "ticket %s of service %s is %s, and the new "
			 "configuration %s that service; keep it until the "
			 "ticket is served or the day ends",
			 t->number, sid,
			 t->state == TICKET_CALLED ? "at a counter" :
						     "waiting",
			 s < 0 ? "has no longer" : "makes an information tile "
						   "of");
		x->found = true;
	} else if (cid && t->state == TICKET_CALLED &&
		   config_counter_index(x->nc, cid) < 0) {
		snprintf(x->message, x->len,
			 "counter %s is serving ticket %s, and the new "
			 "configuration has no longer that counter; finish "
			 "the ticket first",
			 cid, t->number);
		x->found = true;
	}
	return 0;
}

int office_reconfigure(struct office *o, const struct config *nc,
		       struct printers *printers, int64_t now,
		       struct office_error *err)
{
	const struct config *old;
	struct office_arrays a, prev;
	char why[sizeof(err->message)];
	struct orphans x = {.nc = nc, .message = why, .len = sizeof(why)};
	int r;

	r = office_arrays_new(nc, &a);
	if (r < 0)
		return office_refuse(err, OFFICE_INTERNAL, -r, "out of memory");
	pthread_mutex_lock(&o->lock);
	old = x.old = o->cfg;
	r = store_tickets_active(o->st, o->day, find_orphan, &x);
	if (r < 0 || x.found) {
		pthread_mutex_unlock(&o->lock);
		office_arrays_free(&a);
		if (r < 0)
			return office_refuse(err, OFFICE_INTERNAL, -r,
					     "cannot read today's tickets: %s",
					     strerror(-r));
		return office_refuse(err, OFFICE_CONFLICT, EBUSY, "%s", why);
	}
	arrays_carry(o, nc, &a);
	prev = o->arrays;
	o->arrays = a;
	o->cfg = nc;
	store_set_config(o->st, nc);
	r = office_load_day(o, now);
	if (r < 0) {
		/* The running config goes back, and the queue is read again
		 * as at start. */
		log_err("reload: rebuilding the queue failed: %s; the running "
			"configuration stays",
			strerror(-r));
		o->arrays = prev;
		o->cfg = old;
		store_set_config(o->st, old);
		office_arrays_free(&a);
		if (office_load_day(o, now) < 0)
			log_err("reload: the queue could not be read again; "
				"restart the daemon");
		pthread_mutex_unlock(&o->lock);
		return office_refuse(err, OFFICE_INTERNAL, -r,
				     "rebuilding the queue failed: %s",
				     strerror(-r));
	}
	office_arrays_free(&prev);
	o->printers = printers;
	if (o->notify)
		o->notify(o->notify_data,
			  &(struct office_event){.type = OFFICE_EVENT_CONFIG,
						 .at = now,
						 .config = nc});
	office_notify_queue_now(o, now);
	pthread_mutex_unlock(&o->lock);
	return 0;
}
