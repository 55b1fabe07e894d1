/* The office's and the printers' news published to the event ring as the
 * live events of docs/API.md. Nothing is published while no ring is set
 * (api_set_events). */
#ifndef BONOMAT_API_EVENTS_H
#define BONOMAT_API_EVENTS_H

#include <stdbool.h>

#include "events.h"
#include "office.h"

struct api;
struct printer_status;

/* Publishes the office's news as `called`, `recalled`, `queue` and
 * `config` events (an office_notify_fn; userdata is the api); a `config`
 * event also puts the reload's config in force (api_reconfigure). */
void api_office_event(void *userdata, const struct office_event *ev);
/* The greeting of a new stream (events_greet_fn; userdata is the api):
 * one `printer` event per printer with its current state. */
void api_events_greet(void *userdata, events_emit_fn emit, void *emit_data);
/* Logs a printer's new state and publishes it as a `printer` event,
 * from the pool of that config generation (api_config_generation); news
 * of another generation's pool (replaced, or not yet in force) are
 * dropped, and false is returned. Takes the config lock. */
bool api_printer_changed(struct api *a, unsigned int generation,
			 int printer, const struct printer_status *st);

#endif
