/* A maximum flow (Dinic's algorithm) for the oracle: a graph of a few
 * thousand nodes and some hundred thousand edges, integer capacities. */
#ifndef BONOMAT_SIM_FLOW_H
#define BONOMAT_SIM_FLOW_H

#include <stddef.h>
#include <stdint.h>

struct flow;

int flow_new(size_t nodes, struct flow **ret);
void flow_free(struct flow *f);
/* An edge from a to b; -ENOMEM or 0. */
int flow_edge(struct flow *f, size_t a, size_t b, int64_t cap);
/* The maximum flow from s to t; -ENOMEM or 0. */
int flow_max(struct flow *f, size_t s, size_t t, int64_t *ret);

#endif
