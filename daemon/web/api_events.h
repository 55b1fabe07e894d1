/* The office's and the printers' news published to the event ring as the
 * live events of docs/API.md. Nothing is published while no ring is set
 * (api_set_events). */
#ifndef BONOMAT_API_EVENTS_H
#define BONOMAT_API_EVENTS_H

#include "events.h"
#include "office.h"

struct api;
struct printer_status;

/* Publishes the office's news as `called`, `recalled` and `queue` events
 * (an office_notify_fn; userdata is the api). */
void api_office_event(void *userdata, const struct office_event *ev);
/* The greeting of a new stream (events_greet_fn; userdata is the api):
 * one `printer` event per printer with its current state. */
void api_events_greet(void *userdata, events_emit_fn emit, void *emit_data);
/* Publishes a printer's new state as a `printer` event. */
void api_printer_changed(struct api *a, int printer,
			 const struct printer_status *st);

#endif
