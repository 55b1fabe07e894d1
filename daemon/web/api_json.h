/* Services, tickets, counters and printers as the API's JSON shows them
 * (docs/API.md), and the ids it names services and counters by. Each json_t
 * returned is a new reference, or NULL when out of memory. */
#ifndef BONOMAT_API_JSON_H
#define BONOMAT_API_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "office.h"

struct printers;
struct printer_status;
struct ticket;

/* The id of service or counter i, or NULL when there is no such one. */
const char *api_service_id(const struct config *cfg, int i);
const char *api_counter_id(const struct config *cfg, int i);
/* null for a negative v ("not known"). */
json_t *api_json_int_or_null(int v);
/* Service i and its queue as GET /api/v1/services lists it. */
json_t *api_json_service(const struct config *cfg, size_t i,
			 const struct office_service_view *v);
/* Sets "open", "closed_reason", "priority_open" and "opens_at" of a
 * service in o: 0, or -1 when out of memory. */
int api_json_admission(json_t *o, const struct office_service_view *v);
/* Sets key to the RFC 3339 time t, or null for 0: 0, or -1. */
int api_json_time_or_null(json_t *o, const char *key, int64_t t);
json_t *api_json_ticket(const struct config *cfg, const struct ticket *t);
json_t *api_json_counter(const struct config *cfg, int counter,
			 const struct office_counter_view *v);
json_t *api_json_printer_state(const struct config *cfg, size_t i,
			       const struct printer_status *st);
/* Printer i as printers supervises it (printers may be NULL). */
json_t *api_json_printer(const struct config *cfg, struct printers *printers,
			 size_t i);

#endif
