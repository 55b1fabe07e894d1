/* The CUPS transport's pure part: what a queue's IPP printer attributes
 * mean for a ticket printer. The transport itself is transport_cups. */
#ifndef BONOMAT_CUPS_H
#define BONOMAT_CUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

/* printer-state values (RFC 8011 5.4.11). */
#define CUPS_PRINTER_IDLE 3
#define CUPS_PRINTER_PROCESSING 4
#define CUPS_PRINTER_STOPPED 5

/*
 * The status told by a queue's printer-state (0 when it was missing),
 * printer-state-reasons keywords (with or without their -error, -warning
 * or -report suffix), printer-is-accepting-jobs and printer-state-message
 * (NULL or empty when there is none). The worst condition wins: paper out,
 * cover open, offline (reported, or a stopped or rejecting queue), paper
 * low, ready.
 */
void cups_state_decode(int printer_state, const char *const *reasons,
		       size_t n_reasons, bool accepting, const char *message,
		       struct printer_status *ret);

#endif
