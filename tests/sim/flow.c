#include "flow.h"

#include <errno.h>
#include <stdlib.h>

#include "buf.h"

/* Edges in pairs: edge e and its reverse e ^ 1. */
struct flow_edge {
	size_t to;
	int64_t cap;
	size_t next; /* the node's next edge, or SIZE_MAX */
};

struct flow {
	size_t n;
	size_t *first; /* per node: its first edge, or SIZE_MAX */
	struct flow_edge *e;
	size_t ne, cap;
	/* Scratch of flow_max(): levels, the edge each node goes on with,
	 * the queue of the search and the path of the push. */
	long *level;
	size_t *it, *queue, *path;
};

int flow_new(size_t nodes, struct flow **ret)
{
	struct flow *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->n = nodes;
	f->first = malloc(nodes * sizeof(*f->first));
	f->level = malloc(nodes * sizeof(*f->level));
	f->it = malloc(nodes * sizeof(*f->it));
	f->queue = malloc(nodes * sizeof(*f->queue));
	f->path = malloc(nodes * sizeof(*f->path));
	if (!f->first || !f->level || !f->it || !f->queue || !f->path) {
		flow_free(f);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nodes; i++)
		f->first[i] = SIZE_MAX;
	*ret = f;
	return 0;
}

void flow_free(struct flow *f)
{
	if (!f)
		return;
	free(f->first);
	free(f->e);
	free(f->level);
	free(f->it);
	free(f->queue);
	free(f->path);
	free(f);
}

int flow_edge(struct flow *f, size_t a, size_t b, int64_t cap)
{
	int r = array_reserve(&f->e, &f->cap, f->ne + 2, sizeof(*f->e), 1024,
			      SIZE_MAX / sizeof(*f->e) / 2);

	if (r < 0)
		return r;
	f->e[f->ne] = (struct flow_edge){b, cap, f->first[a]};
	f->first[a] = f->ne++;
	f->e[f->ne] = (struct flow_edge){a, 0, f->first[b]};
	f->first[b] = f->ne++;
	return 0;
}

/* Levels by breadth-first search over edges with room; whether t is
 * reached. */
static int levels(struct flow *f, size_t s, size_t t)
{
	size_t head = 0, tail = 0;

	for (size_t i = 0; i < f->n; i++)
		f->level[i] = -1;
	f->level[s] = 0;
	f->queue[tail++] = s;
	while (head < tail) {
		size_t u = f->queue[head++];
		for (size_t e = f->first[u]; e != SIZE_MAX; e = f->e[e].next) {
			size_t v = f->e[e].to;
			if (f->e[e].cap > 0 && f->level[v] < 0) {
				f->level[v] = f->level[u] + 1;
				f->queue[tail++] = v;
			}
		}
	}
	return f->level[t] >= 0;
}

/* One augmenting path along the levels, without recursion: the edges taken
 * are kept in path; a dead end moves its parent's edge on. 0 when none. */
static int64_t augment(struct flow *f, size_t s, size_t t)
{
	size_t depth = 0, u = s;

	for (;;) {
		if (u == t) {
			int64_t push = INT64_MAX;
			for (size_t i = 0; i < depth; i++)
				if (f->e[f->path[i]].cap < push)
					push = f->e[f->path[i]].cap;
			for (size_t i = 0; i < depth; i++) {
				f->e[f->path[i]].cap -= push;
				f->e[f->path[i] ^ 1].cap += push;
			}
			return push;
		}
		size_t e = f->it[u];
		while (e != SIZE_MAX &&
		       (f->e[e].cap <= 0 ||
			f->level[f->e[e].to] != f->level[u] + 1))
			e = f->e[e].next;
		f->it[u] = e;
		if (e != SIZE_MAX) {
			f->path[depth++] = e;
			u = f->e[e].to;
			continue;
		}
		/* A dead end: no path goes on from u. */
		f->level[u] = -1;
		if (depth == 0)
			return 0;
		depth--;
		u = f->e[f->path[depth] ^ 1].to;
		f->it[u] = f->e[f->it[u]].next;
	}
}

int flow_max(struct flow *f, size_t s, size_t t, int64_t *ret)
{
	int64_t total = 0, push;

	while (levels(f, s, t)) {
		for (size_t i = 0; i < f->n; i++)
			f->it[i] = f->first[i];
		while ((push = augment(f, s, t)) > 0)
			total += push;
	}
	*ret = total;
	return 0;
}
