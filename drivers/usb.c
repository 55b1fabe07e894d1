/* USB receipt printers through libusb-1.0: the ticket's bytes go to the
 * printer interface's bulk OUT endpoint, and DLE EOT status replies come
 * back on its bulk IN endpoint. Every connection has its own libusb
 * context, so a printer unplugged and plugged in again is simply found by
 * the next open. */
#include "escpos_status.h"
#include "fdio.h"
#include "transport.h"

#include <errno.h>
#include <libusb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USB_CLASS_PRINTER 7
#define USB_TIMEOUT_DEFAULT_MS 3000
#define USB_STATUS_TIMEOUT_DEFAULT_MS 300
/* Bulk transfers of at most this size: each one gets its own timeout, so
 * that a slow printer taking a long ticket is not mistaken for a stuck
 * one. Printers' input buffers are a few KiB. */
#define USB_CHUNK_MAX 4096
/* The largest bulk packet (SuperSpeed); a read of less than a packet
 * could overflow. */
#define USB_PACKET_MAX 1024
/* Reads that throw away what the printer sent unasked stop after this
 * long a silence, or after this many bytes. */
#define USB_DRAIN_TIMEOUT_MS 10
#define USB_DRAIN_MAX 65536

struct usb_conn {
	libusb_context *ctx;
	libusb_device_handle *h;
	int iface;
	uint8_t ep_out, ep_in; /* ep_in 0: the printer cannot answer */
	uint16_t out_packet, in_packet;
	int timeout_ms;
	int status_timeout_ms;
};

/* Where a printer is reached on a device: one alternate setting of one
 * interface in one configuration. */
struct usb_target {
	uint8_t config;
	int iface, alt;
	uint8_t ep_out, ep_in;
	uint16_t out_packet, in_packet;
};

static int usb_errno(int r)
{
	switch (r) {
	case LIBUSB_SUCCESS:
		return 0;
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND:
		return -ENODEV;
	case LIBUSB_ERROR_ACCESS:
		return -EACCES;
	case LIBUSB_ERROR_BUSY:
		return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT:
		return -ETIMEDOUT;
	case LIBUSB_ERROR_PIPE:
		return -EPIPE;
	case LIBUSB_ERROR_NO_MEM:
		return -ENOMEM;
	case LIBUSB_ERROR_INVALID_PARAM:
		return -EINVAL;
	case LIBUSB_ERROR_INTERRUPTED:
		return -EINTR;
	case LIBUSB_ERROR_OVERFLOW:
		return -EOVERFLOW;
	case LIBUSB_ERROR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* The bulk endpoints of an alternate setting: true when it has a bulk OUT
 * endpoint, which is all a printer needs to print. */
static bool find_bulk(const struct libusb_interface_descriptor *alt,
		      struct usb_target *t)
{
	t->ep_out = 0;
	t->ep_in = 0;
	for (uint8_t i = 0; i < alt->bNumEndpoints; i++) {
		const struct libusb_endpoint_descriptor *ep = &alt->endpoint[i];
		uint16_t packet = ep->wMaxPacketSize & 0x7ff;

		/* Bigger is not a valid bulk endpoint; reading with a
		 * smaller buffer is only an error (overflow) then. */
		if (packet > USB_PACKET_MAX)
			packet = USB_PACKET_MAX;
		if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) !=
			    LIBUSB_TRANSFER_TYPE_BULK ||
		    packet == 0)
			continue;
		if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) ==
		    LIBUSB_ENDPOINT_IN) {
			if (!t->ep_in) {
				t->ep_in = ep->bEndpointAddress;
				t->in_packet = packet;
			}
		} else if (!t->ep_out) {
			t->ep_out = ep->bEndpointAddress;
			t->out_packet = packet;
		}
	}
	return t->ep_out != 0;
}

/* Looks through every configuration of dev for a printer-class interface
 * with a bulk OUT endpoint; when any_class (the device was named by
 * VID:PID), an interface of another class with a bulk OUT endpoint will
 * do as well, for the clones that call themselves vendor-specific. */
static int find_target(libusb_device *dev, uint8_t nconfigs, bool any_class,
		       struct usb_target *ret)
{
	struct usb_target fallback = {0};
	bool have_fallback = false;

	for (uint8_t c = 0; c < nconfigs; c++) {
		struct libusb_config_descriptor *cfg;

		if (libusb_get_config_descriptor(dev, c, &cfg) != 0)
			continue;
		for (uint8_t i = 0; i < cfg->bNumInterfaces; i++) {
			const struct libusb_interface *in = &cfg->interface[i];

			for (int a = 0; a < in->num_altsetting; a++) {
				const struct libusb_interface_descriptor *alt =
					&in->altsetting[a];
				struct usb_target t = {
					.config = cfg->bConfigurationValue,
					.iface = alt->bInterfaceNumber,
					.alt = alt->bAlternateSetting,
				};

				if (!find_bulk(alt, &t))
					continue;
				if (alt->bInterfaceClass == USB_CLASS_PRINTER) {
					*ret = t;
					libusb_free_config_descriptor(cfg);
					return 0;
				}
				if (any_class && !have_fallback) {
					fallback = t;
					have_fallback = true;
				}
			}
		}
		libusb_free_config_descriptor(cfg);
	}
	if (!have_fallback)
		return -ENODEV;
	*ret = fallback;
	return 0;
}

/* Opens dev and claims the target interface, detaching usblp (or any
 * kernel driver) from it for as long as the handle lives. */
static int claim(libusb_device *dev, const struct usb_target *t,
		 libusb_device_handle **ret)
{
	libusb_device_handle *h;
	int r, cur = 0;

	r = libusb_open(dev, &h);
	if (r != 0)
		return usb_errno(r);
	/* Not supported on every platform; where it is not, the claim
	 * below fails with -EBUSY while a kernel driver holds the
	 * interface, which says what is wrong. */
	(void)libusb_set_auto_detach_kernel_driver(h, 1);
	r = libusb_get_configuration(h, &cur);
	if (r == 0 && cur != t->config)
		r = libusb_set_configuration(h, t->config);
	if (r == 0)
		r = libusb_claim_interface(h, t->iface);
	if (r == 0 && t->alt != 0) {
		r = libusb_set_interface_alt_setting(h, t->iface, t->alt);
		if (r != 0)
			(void)libusb_release_interface(h, t->iface);
	}
	if (r != 0) {
		libusb_close(h);
		return usb_errno(r);
	}
	*ret = h;
	return 0;
}

static bool wanted(libusb_device *dev, const struct transport_options *opt,
		   struct usb_target *ret)
{
	struct libusb_device_descriptor d;

	if (libusb_get_device_descriptor(dev, &d) != 0)
		return false;
	if (opt->usb_match &&
	    (d.idVendor != opt->usb_vid || d.idProduct != opt->usb_pid))
		return false;
	return find_target(dev, d.bNumConfigurations, opt->usb_match, ret) == 0;
}

/* The first matching device that can be claimed; when none can, the
 * error of the first one that matched (-EACCES tells more than -ENODEV). */
static int open_first(struct usb_conn *c, const struct transport_options *opt)
{
	libusb_device **list;
	ssize_t n;
	int r, err = -ENODEV;

	n = libusb_get_device_list(c->ctx, &list);
	if (n < 0)
		return usb_errno((int)n);
	for (ssize_t i = 0; i < n; i++) {
		struct usb_target t;

		if (!wanted(list[i], opt, &t))
			continue;
		r = claim(list[i], &t, &c->h);
		if (r == 0) {
			c->iface = t.iface;
			c->ep_out = t.ep_out;
			c->ep_in = t.ep_in;
			c->out_packet = t.out_packet;
			c->in_packet = t.in_packet;
			err = 0;
			break;
		}
		if (err == -ENODEV)
			err = r;
	}
	libusb_free_device_list(list, 1);
	return err;
}

static int usb_open(const struct transport_options *opt, void **ret_conn)
{
	struct usb_conn *c;
	int r;

	if (!opt || !ret_conn)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms =
		opt->timeout_ms > 0 ? opt->timeout_ms : USB_TIMEOUT_DEFAULT_MS;
	c->status_timeout_ms = opt->status_timeout_ms > 0 ?
				       opt->status_timeout_ms :
				       USB_STATUS_TIMEOUT_DEFAULT_MS;
	r = libusb_init(&c->ctx);
	if (r != 0) {
		free(c);
		return usb_errno(r);
	}
	r = open_first(c, opt);
	if (r < 0) {
		libusb_exit(c->ctx);
		free(c);
		return r;
	}
	*ret_conn = c;
	return 0;
}

/* Sends all of buf in chunks. The timeout runs from the last progress: a
 * chunk that times out after some bytes went through is continued, one
 * that moved nothing in timeout_ms means the printer is stuck. */
static int send_all(struct usb_conn *c, const uint8_t *buf, size_t len)
{
	size_t chunk = USB_CHUNK_MAX - USB_CHUNK_MAX % c->out_packet;
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		/* libusb takes a non-const buffer for both directions; an
		 * OUT transfer only reads it. */
		unsigned char *p = (unsigned char *)(uintptr_t)(buf + off);
		int r, done = 0;

		r = libusb_bulk_transfer(c->h, c->ep_out, p, (int)n, &done,
					 (unsigned)c->timeout_ms);
		if (done > 0)
			off += (size_t)done;
		if (r == LIBUSB_ERROR_TIMEOUT && done > 0)
			continue;
		if (r != 0)
			return usb_errno(r);
	}
	return 0;
}

static int usb_write(void *conn, const uint8_t *buf, size_t len)
{
	struct usb_conn *c = conn;

	if (!c || (!buf && len))
		return -EINVAL;
	return send_all(c, buf, len);
}

/* Throws away what the printer sent unasked (late replies to an earlier
 * query, automatic status back), so that the replies read next belong to
 * the queries sent next. */
static int drain(struct usb_conn *c)
{
	uint8_t buf[USB_PACKET_MAX];
	size_t total = 0;

	while (total < USB_DRAIN_MAX) {
		int r, got = 0;

		r = libusb_bulk_transfer(c->h, c->ep_in, buf, c->in_packet,
					 &got, USB_DRAIN_TIMEOUT_MS);
		if (r == LIBUSB_ERROR_TIMEOUT)
			return 0;
		if (r != 0)
			return usb_errno(r);
		/* Zero-length packets count, so that a stream of them ends
		 * too. */
		total += got > 0 ? (size_t)got : 1;
	}
	return 0;
}

/* Sends DLE EOT n and waits for a reply byte: 1 with *ret set, 0 when the
 * printer stays silent, or a negative errno. Bytes that cannot be a status
 * reply are skipped; of several in one read, the last is the freshest. */
static int query(void *conn, uint8_t n, uint8_t *ret)
{
	struct usb_conn *c = conn;
	const uint8_t q[3] = {0x10, 0x04, n};
	uint8_t buf[USB_PACKET_MAX];
	int64_t deadline, left;
	int r;

	r = send_all(c, q, sizeof(q));
	if (r < 0)
		return r;
	deadline = fdio_now_ms() + c->status_timeout_ms;
	/* A timeout of 0 would mean none at all to libusb. */
	while ((left = deadline - fdio_now_ms()) > 0) {
		int got = 0;

		r = libusb_bulk_transfer(c->h, c->ep_in, buf, c->in_packet,
					 &got, (unsigned)left);
		for (int i = got - 1; i >= 0; i--) {
			if (escpos_status_valid(buf[i])) {
				*ret = buf[i];
				return 1;
			}
		}
		if (r == LIBUSB_ERROR_TIMEOUT)
			return 0;
		if (r != 0)
			return usb_errno(r);
	}
	return 0;
}

static int usb_status(void *conn, struct printer_status *ret)
{
	struct usb_conn *c = conn;
	int r;

	if (!c || !ret)
		return -EINVAL;
	/* A unidirectional printer has nothing to answer with. */
	if (!c->ep_in) {
		escpos_status_decode(false, 0, false, 0, false, 0, ret);
		return 0;
	}
	r = drain(c);
	if (r < 0)
		return r;
	return escpos_status_ask(query, c, ret);
}

static void usb_close(void *conn)
{
	struct usb_conn *c = conn;

	if (!c)
		return;
	/* Gives the interface back to usblp when it was detached. Fails
	 * harmlessly on a printer that is gone. */
	(void)libusb_release_interface(c->h, c->iface);
	libusb_close(c->h);
	libusb_exit(c->ctx);
	free(c);
}

const struct transport transport_usb = {
	.name = "usb",
	.open = usb_open,
	.write = usb_write,
	.status = usb_status,
	.close = usb_close,
};
