/* The usb transport against an emulated printer: umockdev provides the
 * device (sysfs, udev, /dev/bus/usb/001/002) from printer.umockdev, and
 * the ioctl handler below plays the printer behind usbfs: it takes bulk
 * OUT URBs (recording their bytes), answers DLE EOT on bulk IN with
 * scripted bytes, stalls when told to, and disappears when unplugged.
 * Run under umockdev-wrapper. */
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <glib.h>
#include <umockdev.h>

#include "transport.h"

#ifndef USB_DEVICE_FILE
#define USB_DEVICE_FILE "tests/usb/printer.umockdev"
#endif
#define USB_SYSPATH "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
#define USB_IFACE_SYSPATH USB_SYSPATH "/1-1:1.0"
#define USB_DEVNODE "/dev/bus/usb/001/002"
#define EP_OUT 0x01
#define EP_IN 0x82
#define NO_REPLY (-1)
#define OUT_URBS_MAX 64

/* A URB the printer holds: an IN waiting for bytes, an OUT it stalls on,
 * or one completed and waiting to be reaped. */
struct urb_entry {
	unsigned client;	/* who submitted it */
	UMockdevIoctlData *urb; /* owned; its buffer is resolved */
	int status;		/* for the reaper */
	int actual;
};

/* The printer. Its handler runs in the testbed's worker thread, the
 * tests in the main thread: everything is under lock. */
struct printer {
	GMutex lock;
	unsigned next_client;
	unsigned generation; /* clients older than this see ENODEV */
	bool present;
	bool usblp_bound;
	bool claimed;
	GByteArray *out; /* every byte taken on bulk OUT */
	size_t out_urb_len[OUT_URBS_MAX];
	size_t out_urbs;
	size_t accept_left; /* bytes taken before stalling */
	bool stall_once;    /* after one stall, take everything again */
	int reply[5];	    /* to DLE EOT n, or NO_REPLY */
	uint8_t dle_state;  /* DLE EOT n parser: bytes matched so far */
	GQueue *in;	    /* packets (GBytes) waiting to go up bulk IN */
	GPtrArray *pending_in;
	GPtrArray *pending_out;
	GPtrArray *done;
	unsigned discards;
};

static struct printer pr;
static UMockdevTestbed *tb;
static UMockdevIoctlBase *handler;

static void entry_free(gpointer p)
{
	struct urb_entry *e = p;

	g_object_unref(e->urb);
	g_free(e);
}

static unsigned client_id(UMockdevIoctlClient *client)
{
	return GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(client), "id"));
}

static unsigned client_gen(UMockdevIoctlClient *client)
{
	return GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(client), "gen"));
}

static void on_connected(UMockdevIoctlBase *base, UMockdevIoctlClient *client,
			 gpointer data)
{
	(void)base;
	(void)data;
	g_mutex_lock(&pr.lock);
	g_object_set_data(G_OBJECT(client), "id",
			  GUINT_TO_POINTER(++pr.next_client));
	g_object_set_data(G_OBJECT(client), "gen",
			  GUINT_TO_POINTER(pr.generation));
	g_mutex_unlock(&pr.lock);
}

static struct usbdevfs_urb *urb_of(struct urb_entry *e)
{
	return (struct usbdevfs_urb *)(void *)e->urb->data;
}

static void finish(struct urb_entry *e, int status, int actual)
{
	e->status = status;
	e->actual = actual;
	g_ptr_array_add(pr.done, e);
}

/* Hands queued IN packets to waiting IN URBs, one each: every answer of
 * the printer is a short packet of its own. */
static void serve_in(void)
{
	while (!g_queue_is_empty(pr.in) && pr.pending_in->len > 0) {
		struct urb_entry *e = g_ptr_array_steal_index(pr.pending_in, 0);
		struct usbdevfs_urb *u = urb_of(e);
		GBytes *packet = g_queue_pop_head(pr.in);
		gsize n;
		const void *data = g_bytes_get_data(packet, &n);

		n = MIN(n, (gsize)u->buffer_length);
		memcpy(u->buffer, data, n);
		g_bytes_unref(packet);
		finish(e, 0, (int)n);
	}
}

/* Real-time commands are acted on as they arrive, wherever they are in
 * the stream. */
static void take_out(const uint8_t *b, size_t n)
{
	g_byte_array_append(pr.out, b, (guint)n);
	for (size_t i = 0; i < n; i++) {
		if (pr.dle_state == 2) {
			pr.dle_state = 0;
			if (b[i] < 5 && pr.reply[b[i]] != NO_REPLY) {
				uint8_t r = (uint8_t)pr.reply[b[i]];

				g_queue_push_tail(pr.in, g_bytes_new(&r, 1));
			}
		} else if (pr.dle_state == 1 && b[i] == 0x04) {
			pr.dle_state = 2;
		} else {
			pr.dle_state = b[i] == 0x10;
		}
	}
	serve_in();
}

static int submit(UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	struct urb_entry *e;
	struct usbdevfs_urb *u;
	UMockdevIoctlData *buf = NULL;
	GError *err = NULL;

	e = g_new0(struct urb_entry, 1);
	e->client = client_id(client);
	e->urb = umockdev_ioctl_data_resolve(arg, 0, sizeof(*u), &err);
	g_assert_no_error(err);
	u = urb_of(e);
	if (u->type != USBDEVFS_URB_TYPE_BULK ||
	    (u->endpoint != EP_OUT && u->endpoint != EP_IN)) {
		entry_free(e);
		return -EINVAL;
	}
	if (u->buffer_length > 0) {
		buf = umockdev_ioctl_data_resolve(
			e->urb, offsetof(struct usbdevfs_urb, buffer),
			(gsize)u->buffer_length, &err);
		g_assert_no_error(err);
		g_object_unref(buf);
	}
	if (u->endpoint == EP_IN) {
		g_ptr_array_add(pr.pending_in, e);
		serve_in();
		return 0;
	}
	if (pr.out_urbs < OUT_URBS_MAX)
		pr.out_urb_len[pr.out_urbs++] = (size_t)u->buffer_length;
	if ((size_t)u->buffer_length <= pr.accept_left) {
		if (pr.accept_left != SIZE_MAX)
			pr.accept_left -= (size_t)u->buffer_length;
		take_out(u->buffer, (size_t)u->buffer_length);
		finish(e, 0, u->buffer_length);
	} else {
		/* Busy: part of the URB goes through, the rest waits until
		 * the host gives up on it. */
		take_out(u->buffer, pr.accept_left);
		e->actual = (int)pr.accept_left;
		pr.accept_left = 0;
		g_ptr_array_add(pr.pending_out, e);
	}
	return 0;
}

static bool discard_from(GPtrArray *list, unsigned client, gulong addr)
{
	for (guint i = 0; i < list->len; i++) {
		struct urb_entry *e = g_ptr_array_index(list, i);

		if (e->client == client && e->urb->client_addr == addr) {
			g_ptr_array_steal_index(list, i);
			finish(e, -ENOENT, e->actual);
			return true;
		}
	}
	return false;
}

static int discard(UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	gulong addr = *(gulong *)(void *)arg->data;
	unsigned id = client_id(client);

	pr.discards++;
	if (discard_from(pr.pending_in, id, addr))
		return 0;
	if (discard_from(pr.pending_out, id, addr)) {
		if (pr.stall_once)
			pr.accept_left = SIZE_MAX;
		return 0;
	}
	return -EINVAL;
}

static int reap(UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	unsigned id = client_id(client);
	GError *err = NULL;

	for (guint i = 0; i < pr.done->len; i++) {
		struct urb_entry *e = g_ptr_array_index(pr.done, i);
		struct usbdevfs_urb *u = urb_of(e);
		UMockdevIoctlData *ptr;

		if (e->client != id)
			continue;
		u->status = e->status;
		u->actual_length = e->actual;
		ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), &err);
		g_assert_no_error(err);
		umockdev_ioctl_data_set_ptr(ptr, 0, e->urb);
		g_object_unref(ptr);
		g_ptr_array_remove_index(pr.done, i);
		return 0;
	}
	return -EAGAIN;
}

static int getdriver(UMockdevIoctlData *arg)
{
	struct usbdevfs_getdriver *gd;
	UMockdevIoctlData *d;
	GError *err = NULL;

	if (!pr.usblp_bound)
		return -ENODATA;
	d = umockdev_ioctl_data_resolve(arg, 0, sizeof(*gd), &err);
	g_assert_no_error(err);
	gd = (struct usbdevfs_getdriver *)(void *)d->data;
	g_strlcpy(gd->driver, "usblp", sizeof(gd->driver));
	g_object_unref(d);
	return 0;
}

/* The kernel's own ioctls on an interface: usblp goes away on
 * DISCONNECT and comes back on CONNECT. */
static int driver_ioctl(UMockdevIoctlData *arg)
{
	struct usbdevfs_ioctl *io;
	UMockdevIoctlData *d;
	GError *err = NULL;
	int r = -ENOTTY;

	d = umockdev_ioctl_data_resolve(arg, 0, sizeof(*io), &err);
	g_assert_no_error(err);
	io = (struct usbdevfs_ioctl *)(void *)d->data;
	if (io->ioctl_code == (int)USBDEVFS_DISCONNECT) {
		r = pr.usblp_bound ? 0 : -ENODATA;
		pr.usblp_bound = false;
	} else if (io->ioctl_code == (int)USBDEVFS_CONNECT) {
		r = pr.claimed ? -EBUSY : 0;
		if (r == 0)
			pr.usblp_bound = true;
	}
	g_object_unref(d);
	return r;
}

static int capabilities(UMockdevIoctlData *arg)
{
	UMockdevIoctlData *d;
	GError *err = NULL;
	uint32_t caps = USBDEVFS_CAP_BULK_SCATTER_GATHER |
			USBDEVFS_CAP_NO_PACKET_SIZE_LIM;

	d = umockdev_ioctl_data_resolve(arg, 0, sizeof(caps), &err);
	g_assert_no_error(err);
	memcpy(d->data, &caps, sizeof(caps));
	g_object_unref(d);
	return 0;
}

static int printer_ioctl(UMockdevIoctlClient *client, gulong request,
			 UMockdevIoctlData *arg)
{
	if (!pr.present || client_gen(client) != pr.generation)
		return -ENODEV;
	switch (request) {
	case USBDEVFS_GET_CAPABILITIES:
		return capabilities(arg);
	case USBDEVFS_DISCONNECT_CLAIM:
		pr.usblp_bound = false;
		pr.claimed = true;
		return 0;
	case USBDEVFS_CLAIMINTERFACE:
		if (pr.usblp_bound)
			return -EBUSY;
		pr.claimed = true;
		return 0;
	case USBDEVFS_RELEASEINTERFACE:
		pr.claimed = false;
		return 0;
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
	case USBDEVFS_SETINTERFACE:
		return 0;
	case USBDEVFS_GETDRIVER:
		return getdriver(arg);
	case USBDEVFS_IOCTL:
		return driver_ioctl(arg);
	case USBDEVFS_SUBMITURB:
		return submit(client, arg);
	case USBDEVFS_DISCARDURB:
		return discard(client, arg);
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY:
		return reap(client, arg);
	default:
		fprintf(stderr, "printer model: ioctl 0x%lx not handled\n",
			request);
		return -ENOTTY;
	}
}

static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client,
			 gpointer data)
{
	int r;

	(void)base;
	(void)data;
	g_mutex_lock(&pr.lock);
	r = printer_ioctl(client, umockdev_ioctl_client_get_request(client),
			  umockdev_ioctl_client_get_arg(client));
	g_mutex_unlock(&pr.lock);
	umockdev_ioctl_client_complete(client, r < 0 ? -1 : 0, r < 0 ? -r : 0);
	return TRUE;
}

/* Test-side controls of the printer. */

static void printer_reset(void)
{
	g_mutex_lock(&pr.lock);
	g_byte_array_set_size(pr.out, 0);
	g_queue_clear_full(pr.in, (GDestroyNotify)g_bytes_unref);
	g_ptr_array_set_size(pr.pending_in, 0);
	g_ptr_array_set_size(pr.pending_out, 0);
	g_ptr_array_set_size(pr.done, 0);
	pr.out_urbs = 0;
	pr.accept_left = SIZE_MAX;
	pr.stall_once = false;
	pr.dle_state = 0;
	pr.discards = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(pr.reply); i++)
		pr.reply[i] = NO_REPLY;
	g_mutex_unlock(&pr.lock);
}

static void script(int r1, int r2, int r4)
{
	g_mutex_lock(&pr.lock);
	pr.reply[1] = r1;
	pr.reply[2] = r2;
	pr.reply[4] = r4;
	g_mutex_unlock(&pr.lock);
}

/* Asserts that bulk OUT carried exactly these bytes since the reset. */
static void assert_out(const uint8_t *want, size_t len)
{
	g_mutex_lock(&pr.lock);
	assert_int_equal(pr.out->len, len);
	assert_memory_equal(pr.out->data, want, len);
	g_mutex_unlock(&pr.lock);
}

static bool printer_flag(const bool *flag)
{
	bool v;

	g_mutex_lock(&pr.lock);
	v = *flag;
	g_mutex_unlock(&pr.lock);
	return v;
}

/* Before 0.18.4, umockdev neither sent the "remove" uevent nor removed
 * the children of a device; the kernel does both, interface first. */
static void remove_device(const char *syspath)
{
#ifndef USB_UMOCKDEV_REMOVE_SENDS_UEVENT
	umockdev_testbed_uevent(tb, syspath, "remove");
#endif
	umockdev_testbed_remove_device(tb, syspath);
}

static void unplug(void)
{
	g_mutex_lock(&pr.lock);
	pr.present = false;
	pr.claimed = false;
	pr.generation++;
	g_mutex_unlock(&pr.lock);
	remove_device(USB_IFACE_SYSPATH);
	remove_device(USB_SYSPATH);
}

static void plug(void)
{
	GError *err = NULL;

	g_mutex_lock(&pr.lock);
	pr.present = true;
	pr.usblp_bound = true; /* the kernel binds usblp to a new printer */
	g_mutex_unlock(&pr.lock);
	assert_true(umockdev_testbed_add_from_file(tb, USB_DEVICE_FILE, &err));
	g_assert_no_error(err);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct transport_options by_class = {
	.timeout_ms = 300,
	.status_timeout_ms = 100,
};

static const struct transport_options by_id = {
	.usb_match = true,
	.usb_vid = 0x04b8,
	.usb_pid = 0x0e28,
	.timeout_ms = 300,
	.status_timeout_ms = 100,
};

/* ESC @, FS ., ESC t 18, "A001" LF, GS V 66 0. */
static const uint8_t ticket[] = {
	0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 0x12, 'A',
	'0',  '0',  '1',  0x0a, 0x1d, 0x56, 0x42, 0x00,
};

static void *open_ok(const struct transport_options *opt)
{
	void *conn = NULL;

	assert_int_equal(transport_usb.open(opt, &conn), 0);
	assert_non_null(conn);
	return conn;
}

static int setup(void **state)
{
	(void)state;
	printer_reset();
	return 0;
}

/* Tests. */

static void open_by_class_prints(void **state)
{
	void *conn;

	(void)state;
	assert_true(printer_flag(&pr.usblp_bound));
	conn = open_ok(&by_class);
	assert_true(printer_flag(&pr.claimed));
	assert_false(printer_flag(&pr.usblp_bound));
	assert_int_equal(transport_usb.write(conn, ticket, sizeof(ticket)), 0);
	assert_out(ticket, sizeof(ticket));
	transport_usb.close(conn);
	assert_false(printer_flag(&pr.claimed));
	assert_true(printer_flag(&pr.usblp_bound));
}

static void open_by_vid_pid_prints(void **state)
{
	void *conn;

	(void)state;
	conn = open_ok(&by_id);
	assert_true(printer_flag(&pr.claimed));
	assert_int_equal(transport_usb.write(conn, ticket, sizeof(ticket)), 0);
	assert_out(ticket, sizeof(ticket));
	transport_usb.close(conn);
}

static void open_wrong_vid_pid_fails(void **state)
{
	struct transport_options opt = by_id;
	void *conn = NULL;

	(void)state;
	opt.usb_pid = 0x0202;
	assert_int_equal(transport_usb.open(&opt, &conn), -ENODEV);
	assert_null(conn);
	assert_false(printer_flag(&pr.claimed));
}

static void write_long_in_chunks(void **state)
{
	uint8_t buf[5000];
	size_t sum = 0;
	void *conn;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + i / 256);
	conn = open_ok(&by_class);
	assert_int_equal(transport_usb.write(conn, buf, sizeof(buf)), 0);
	transport_usb.close(conn);
	assert_out(buf, sizeof(buf));
	g_mutex_lock(&pr.lock);
	assert_true(pr.out_urbs > 1);
	for (size_t i = 0; i < pr.out_urbs; i++) {
		assert_true(pr.out_urb_len[i] <= 4096);
		sum += pr.out_urb_len[i];
	}
	g_mutex_unlock(&pr.lock);
	assert_int_equal(sum, sizeof(buf));
}

static void write_completes_partial_transfer(void **state)
{
	uint8_t buf[300];
	void *conn;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(255 - i);
	g_mutex_lock(&pr.lock);
	pr.accept_left = 100;
	pr.stall_once = true;
	g_mutex_unlock(&pr.lock);
	conn = open_ok(&by_class);
	assert_int_equal(transport_usb.write(conn, buf, sizeof(buf)), 0);
	transport_usb.close(conn);
	assert_out(buf, sizeof(buf));
	g_mutex_lock(&pr.lock);
	assert_int_equal(pr.out_urbs, 2);
	assert_int_equal(pr.out_urb_len[0], 300);
	assert_int_equal(pr.out_urb_len[1], 200);
	g_mutex_unlock(&pr.lock);
}

static void write_stuck_times_out(void **state)
{
	void *conn;
	int64_t t0, ms;

	(void)state;
	g_mutex_lock(&pr.lock);
	pr.accept_left = 0;
	g_mutex_unlock(&pr.lock);
	conn = open_ok(&by_class);
	t0 = now_ms();
	assert_int_equal(transport_usb.write(conn, ticket, sizeof(ticket)),
			 -ETIMEDOUT);
	ms = now_ms() - t0;
	transport_usb.close(conn);
	assert_true(ms >= 250 && ms < 3000);
}

static enum printer_state status_of(int r1, int r2, int r4)
{
	struct printer_status st;
	void *conn;

	script(r1, r2, r4);
	conn = open_ok(&by_class);
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(transport_usb.status(conn, &st), 0);
	transport_usb.close(conn);
	assert_non_null(memchr(st.detail, '\0', sizeof(st.detail)));
	return st.state;
}

static void status_ready(void **state)
{
	static const uint8_t queries[] = {0x10, 0x04, 0x01, 0x10, 0x04,
					  0x02, 0x10, 0x04, 0x04};

	(void)state;
	assert_int_equal(status_of(0x16, 0x12, 0x12), PRINTER_OK);
	assert_out(queries, sizeof(queries));
}

static void status_paper_end(void **state)
{
	(void)state;
	assert_int_equal(status_of(0x1e, 0x32, 0x72), PRINTER_PAPER_OUT);
}

static void status_paper_end_only_sensor(void **state)
{
	(void)state;
	assert_int_equal(status_of(NO_REPLY, NO_REPLY, 0x72),
			 PRINTER_PAPER_OUT);
}

static void status_paper_near_end(void **state)
{
	(void)state;
	assert_int_equal(status_of(0x16, 0x12, 0x1e), PRINTER_PAPER_LOW);
}

static void status_cover_open(void **state)
{
	(void)state;
	assert_int_equal(status_of(0x1e, 0x16, 0x12), PRINTER_COVER_OPEN);
}

static void status_silence_is_unknown(void **state)
{
	int64_t t0 = now_ms();

	(void)state;
	assert_int_equal(status_of(NO_REPLY, NO_REPLY, NO_REPLY),
			 PRINTER_UNKNOWN);
	/* Three queries, each waiting its status_timeout_ms. */
	assert_true(now_ms() - t0 >= 3 * 90);
	g_mutex_lock(&pr.lock);
	assert_true(pr.discards >= 3);
	g_mutex_unlock(&pr.lock);
}

/* An automatic-status-back block and a late "offline" reply waiting on
 * bulk IN are not taken for replies to the next queries. */
static void status_drains_stale_bytes(void **state)
{
	static const uint8_t asb[] = {0x14, 0x00, 0x00, 0x0f};
	static const uint8_t late[] = {0x1e};

	(void)state;
	g_mutex_lock(&pr.lock);
	g_queue_push_tail(pr.in, g_bytes_new(asb, sizeof(asb)));
	g_queue_push_tail(pr.in, g_bytes_new(late, sizeof(late)));
	g_mutex_unlock(&pr.lock);
	assert_int_equal(status_of(0x16, 0x12, 0x12), PRINTER_OK);
	g_mutex_lock(&pr.lock);
	assert_true(g_queue_is_empty(pr.in));
	g_mutex_unlock(&pr.lock);
}

static void status_ignores_invalid_reply(void **state)
{
	(void)state;
	/* 0xff cannot be a status byte: no reply to that query. */
	assert_int_equal(status_of(0xff, 0xff, 0xff), PRINTER_UNKNOWN);
}

static void unplug_and_replug(void **state)
{
	static const uint8_t next[] = {0x1b, 0x40, 'A', '0', '0', '2', 0x0a};
	struct printer_status st;
	void *conn, *again = NULL;

	(void)state;
	script(0x16, 0x12, 0x12);
	conn = open_ok(&by_class);
	assert_int_equal(transport_usb.write(conn, ticket, sizeof(ticket)), 0);
	assert_out(ticket, sizeof(ticket));

	unplug();
	assert_int_equal(transport_usb.write(conn, ticket, sizeof(ticket)),
			 -ENODEV);
	assert_int_equal(transport_usb.status(conn, &st), -ENODEV);
	transport_usb.close(conn);
	assert_int_equal(transport_usb.open(&by_class, &again), -ENODEV);
	assert_int_equal(transport_usb.open(&by_id, &again), -ENODEV);
	assert_null(again);

	plug();
	printer_reset();
	script(0x16, 0x12, 0x12);
	conn = open_ok(&by_id);
	assert_false(printer_flag(&pr.usblp_bound));
	assert_int_equal(transport_usb.write(conn, next, sizeof(next)), 0);
	assert_out(next, sizeof(next));
	assert_int_equal(transport_usb.status(conn, &st), 0);
	assert_int_equal(st.state, PRINTER_OK);
	transport_usb.close(conn);
}

static void close_accepts_null(void **state)
{
	(void)state;
	transport_usb.close(NULL);
}

static int group_setup(void **state)
{
	GError *err = NULL;

	(void)state;
	g_mutex_init(&pr.lock);
	pr.out = g_byte_array_new();
	pr.in = g_queue_new();
	pr.pending_in = g_ptr_array_new_with_free_func(entry_free);
	pr.pending_out = g_ptr_array_new_with_free_func(entry_free);
	pr.done = g_ptr_array_new_with_free_func(entry_free);
	pr.present = true;
	pr.usblp_bound = true;

	tb = umockdev_testbed_new();
	if (!umockdev_in_mock_environment()) {
		fprintf(stderr, "test_usb: not in a umockdev environment; "
				"run it as: umockdev-wrapper test_usb\n");
		return -1;
	}
	if (!umockdev_testbed_add_from_file(tb, USB_DEVICE_FILE, &err)) {
		fprintf(stderr, "test_usb: %s: %s\n", USB_DEVICE_FILE,
			err->message);
		g_error_free(err);
		return -1;
	}
	handler = umockdev_ioctl_base_new();
	g_signal_connect(handler, "handle-ioctl", G_CALLBACK(on_ioctl), NULL);
	g_signal_connect(handler, "client-connected", G_CALLBACK(on_connected),
			 NULL);
	if (!umockdev_testbed_attach_ioctl(tb, USB_DEVNODE, handler, &err)) {
		fprintf(stderr, "test_usb: attach: %s\n", err->message);
		g_error_free(err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (handler) {
		(void)umockdev_testbed_detach_ioctl(tb, USB_DEVNODE, NULL);
		g_object_unref(handler);
	}
	g_clear_object(&tb);
	g_ptr_array_unref(pr.done);
	g_ptr_array_unref(pr.pending_out);
	g_ptr_array_unref(pr.pending_in);
	g_queue_free_full(pr.in, (GDestroyNotify)g_bytes_unref);
	g_byte_array_unref(pr.out);
	g_mutex_clear(&pr.lock);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(open_by_class_prints, setup),
		cmocka_unit_test_setup(open_by_vid_pid_prints, setup),
		cmocka_unit_test_setup(open_wrong_vid_pid_fails, setup),
		cmocka_unit_test_setup(write_long_in_chunks, setup),
		cmocka_unit_test_setup(write_completes_partial_transfer, setup),
		cmocka_unit_test_setup(write_stuck_times_out, setup),
		cmocka_unit_test_setup(status_ready, setup),
		cmocka_unit_test_setup(status_paper_end, setup),
		cmocka_unit_test_setup(status_paper_end_only_sensor, setup),
		cmocka_unit_test_setup(status_paper_near_end, setup),
		cmocka_unit_test_setup(status_cover_open, setup),
		cmocka_unit_test_setup(status_silence_is_unknown, setup),
		cmocka_unit_test_setup(status_drains_stale_bytes, setup),
		cmocka_unit_test_setup(status_ignores_invalid_reply, setup),
		cmocka_unit_test_setup(unplug_and_replug, setup),
		cmocka_unit_test(close_accepts_null),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
