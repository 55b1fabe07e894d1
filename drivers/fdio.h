/* Deadlines on the monotonic clock and waiting on a descriptor until one,
 * shared by the transports that poll. */
#ifndef BONOMAT_FDIO_H
#define BONOMAT_FDIO_H

#include <stdint.h>

int64_t fdio_now_ms(void);
/* Milliseconds left until deadline, 0 when past. */
int fdio_remaining_ms(int64_t deadline);
/* Waits for events (POLLIN, POLLOUT) on fd until deadline: 1 when ready
 * (or in error, which the next call on fd reports), 0 on timeout, or a
 * negative errno. */
int fdio_wait(int fd, short events, int64_t deadline);
/* Closes fd and frees conn, the connection that held it: the close() of
 * the transports on a descriptor. */
void fdio_close_free(int fd, void *conn);

#endif
