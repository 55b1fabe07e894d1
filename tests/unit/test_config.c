/* Unit tests of the config module: the example file, the defaults, the
 * syntax, and for every rule a bad input with the exact "name:LINE:" and a
 * part of the message it must produce. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define NAME "test.conf"

/* Without a [server] section: 5 lines. */
#define BODY             \
	"[service.A]\n"  \
	"name = Taxe\n"  \
	"[counter.1]\n"  \
	"services = A\n" \
	"token = counter-secret\n"

/* The smallest valid config: 7 lines, the last section [server], so that
 * cases add [server] keys or new sections from line 8 on. */
#define MIN BODY "[server]\nadmin_token = admin-secret\n"

#define X10 "xxxxxxxxxx"
#define X50 X10 X10 X10 X10 X10
#define X150 X50 X50 X50

struct bad_case {
	const char *title;
	const char *text;
	int line; /* 0: the message names no line */
	const char *message;
};

static struct bad_case bad_cases[] = {
	/* Lines and sections. */
	{"key before any section", "x = 1\n" MIN, 1,
	 "key 'x' is outside of any section"},
	{"line without '='", MIN "[office]\nname Taxe\n", 9,
	 "expected 'key = value', '[section]' or a comment"},
	{"separator hidden in a comment", MIN "[office]\nname ; = x\n", 9,
	 "expected 'key = value'"},
	{"key without name", MIN "[office]\n= x\n", 9,
	 "missing key name before '='"},
	{"unterminated section header", MIN "[office\n", 8,
	 "expected ']' to close the section header"},
	{"text after section header", MIN "[office] x\n", 8,
	 "unexpected text after ']'"},
	{"unknown section", MIN "[foo]\n", 8,
	 "unknown section [foo]; expected [office], [server]"},
	{"item section without id", MIN "[service]\n", 8,
	 "unknown section [service]"},
	{"id with a blank", MIN "[service.A B]\n", 8,
	 "[service.A B]: invalid id 'A B': expected 1 to 31 characters"},
	{"id of 32 characters",
	 MIN "[counter.abcdefghijklmnopqrstuvwxyz012345]\n", 8,
	 "invalid id 'abcdefghijklmnopqrstuvwxyz012345'"},
	{"empty id", MIN "[kiosk.]\n", 8, "[kiosk.]: invalid id ''"},
	{"id with diacritics", MIN "[counter.ghișeu]\n", 8,
	 "invalid id 'ghișeu'"},
	{"duplicate counter", MIN "[counter.1]\n", 8,
	 "duplicate section [counter.1] (first at line 3)"},
	{"duplicate [server]", MIN "[server]\n", 8,
	 "duplicate section [server] (first at line 6)"},
	{"duplicate empty section", MIN "[office]\n[office]\n", 9,
	 "duplicate section [office] (first at line 8)"},
	{"unknown key", MIN "[office]\ncolour = red\n", 9,
	 "unknown key 'colour' in [office]; expected one of: name, address, "
	 "timezone, footer"},
	{"unknown key in an item", MIN "[kiosk.k1]\nprinter_name = x\n", 9,
	 "unknown key 'printer_name' in [kiosk.k1]; expected one of: "
	 "printer"},
	{"duplicate key", MIN "[office]\nname = a\nname = b\n", 10,
	 "duplicate key 'name' in [office] (first at line 9)"},
	{"duplicate key, other spelling",
	 MIN "listen: 127.0.0.1:1\n"
	     "listen = 127.0.0.1:2\n",
	 9, "duplicate key 'listen' in [server] (first at line 8)"},
	{"continuing a one-line value", MIN "[policy]\nmax_wait = 10\n  20\n",
	 10,
	 "[policy] max_wait: the value cannot continue on an indented "
	 "line"},
	{"indented key after a key",
	 MIN "[policy]\nmax_wait = 10\n"
	     "  walkin_every = 2\n",
	 10, "[policy] max_wait: the value cannot continue"},
	{"invalid UTF-8",
	 MIN "[office]\nname = Ghi\xc8"
	     "eul\n",
	 9, "the line is not valid UTF-8"},
	{"overlong UTF-8", MIN "[office]\nname = \xc0\xaf\n", 9,
	 "not valid UTF-8"},
	{"UTF-8 surrogate", MIN "[office]\nname = \xed\xa0\x80\n", 9,
	 "not valid UTF-8"},
	{"truncated UTF-8 at the end", MIN "[office]\nname = \xc8", 9,
	 "not valid UTF-8"},
	{"control character",
	 MIN "[office]\nname = a\x01"
	     "b\n",
	 9, "control character 0x01 in the line"},
	{"carriage return inside a line", MIN "[office]\nname = a\rb\n", 9,
	 "control character 0x0d"},
	{"error after a comment with '='", MIN "; a = b\n# [x]\n[x]\n", 10,
	 "unknown section [x]"},

	/* [office] */
	{"unknown time zone", MIN "[office]\ntimezone = Europe/Nowhere\n", 9,
	 "[office] timezone = 'Europe/Nowhere': expected a time zone "
	 "installed in /usr/share/zoneinfo"},
	{"time zone that is a directory", MIN "[office]\ntimezone = Europe\n",
	 9, "expected a time zone installed in /usr/share/zoneinfo"},
	{"time zone with ..", MIN "[office]\ntimezone = ../../etc/passwd\n", 9,
	 "not a path"},
	{"time zone with .. inside",
	 MIN "[office]\ntimezone = Europe/../Europe/Bucharest\n", 9,
	 "not a path"},
	{"absolute time zone path",
	 MIN "[office]\ntimezone = /usr/share/zoneinfo/UTC\n", 9, "not a path"},
	{"time zone with a blank",
	 MIN "[office]\ntimezone = Europe/Buc harest\n", 9,
	 "expected a time zone name such as Europe/Bucharest"},
	{"empty time zone", MIN "[office]\ntimezone =\n", 9,
	 "[office] timezone = '': expected a time zone name"},
	{"office name over 200 bytes",
	 MIN "[office]\nname = " X150 "\n  " X50 "\n", 10,
	 "[office] name: longer than 200 bytes"},

	/* [server] */
	{"listen without port", MIN "listen = 127.0.0.1\n", 8,
	 "[server] listen = '127.0.0.1': expected ADDRESS:PORT"},
	{"listen port too large", MIN "listen = 127.0.0.1:65536\n", 8,
	 "port from 0 to 65535"},
	{"listen negative port", MIN "listen = 127.0.0.1:-1\n", 8,
	 "expected ADDRESS:PORT"},
	{"listen empty port", MIN "listen = 127.0.0.1:\n", 8,
	 "expected ADDRESS:PORT"},
	{"listen host name", MIN "listen = localhost:8080\n", 8,
	 "expected ADDRESS:PORT with a numeric IPv4 address"},
	{"listen bad IPv4", MIN "listen = 127.0.0.256:8080\n", 8,
	 "expected ADDRESS:PORT"},
	{"listen IPv6 without brackets", MIN "listen = ::1:8080\n", 8,
	 "expected an IPv6 address in brackets"},
	{"listen unclosed bracket", MIN "listen = [::1:8080\n", 8,
	 "expected ADDRESS:PORT"},
	{"listen bracket without port", MIN "listen = [::1]8080\n", 8,
	 "expected ADDRESS:PORT"},
	{"listen IPv4 in brackets", MIN "listen = [127.0.0.1]:80\n", 8,
	 "expected ADDRESS:PORT"},
	{"empty ui_dir", MIN "ui_dir =\n", 8,
	 "[server] ui_dir: must not be empty"},
	{"empty chartjs_dir", MIN "chartjs_dir =\n", 8,
	 "[server] chartjs_dir: must not be empty"},
	{"kiosk client not an address",
	 MIN "kiosk_clients = 127.0.0.1, bogus\n", 8,
	 "[server] kiosk_clients: 'bogus' is not a numeric IPv4 or IPv6 "
	 "address"},
	{"kiosk client host name", MIN "kiosk_clients = localhost\n", 8,
	 "'localhost' is not a numeric"},
	{"kiosk client with a port", MIN "kiosk_clients = 10.0.0.5:80\n", 8,
	 "'10.0.0.5:80' is not a numeric"},
	{"kiosk client twice", MIN "kiosk_clients = ::1, 10.0.0.5,\n  ::1\n", 9,
	 "[server] kiosk_clients: '::1' is listed twice"},
	{"max_connections too small", MIN "max_connections = 15\n", 8,
	 "[server] max_connections"},
	{"max_connections_per_address zero",
	 MIN "max_connections_per_address = 0\n", 8,
	 "[server] max_connections_per_address"},
	{"max_event_streams zero", MIN "max_event_streams = 0\n", 8,
	 "[server] max_event_streams"},
	{"header_timeout zero", MIN "header_timeout = 0\n", 8,
	 "[server] header_timeout"},
	{"shutdown_timeout too long", MIN "shutdown_timeout = 61\n", 8,
	 "[server] shutdown_timeout"},
	{"office id with a blank", MIN "[office]\nid = sector 1\n", 9,
	 "[office] id = 'sector 1': expected 1 to 31 letters, digits, '_' or "
	 "'-'"},
	{"office id too long",
	 MIN "[office]\nid = abcdefghijklmnopqrstuvwxyz0123456\n", 9,
	 "[office] id = 'abcdefghijklmnopqrstuvwxyz0123456'"},
	{"office id empty", MIN "[office]\nid =\n", 9, "[office] id = ''"},
	{"ticket_url javascript",
	 MIN "[office]\nticket_url = javascript:alert(1)\n", 9,
	 "[office] ticket_url"},
	{"ticket_url without {token}",
	 MIN "[office]\nticket_url = https://x.ro/t/\n", 9,
	 "[office] ticket_url"},
	{"ticket_url with the old {id} and no host",
	 MIN "[office]\nticket_url = https:///t/{id}\n", 9,
	 "[office] ticket_url = 'https:///t/{id}': expected an http:// or "
	 "https:// address with {token}"},
	{"ticket_url without a host",
	 MIN "[office]\nticket_url = https:///{token}\n", 9,
	 "[office] ticket_url"},
	{"admin_token too short", BODY "[server]\nadmin_token = short\n", 7,
	 "[server] admin_token: must be 8 to 128 characters long, not 5"},
	{"admin_token too long",
	 BODY "[server]\nadmin_token = " X50 X50 X10 X10 "012345678\n", 7,
	 "must be 8 to 128 characters long, not 129"},
	{"admin_token with a blank",
	 BODY "[server]\nadmin_token = admin secret\n", 7,
	 "[server] admin_token: only printable ASCII characters without "
	 "spaces"},
	{"admin_token with diacritics",
	 BODY "[server]\nadmin_token = parolă-secretă\n", 7,
	 "only printable ASCII"},
	{"no admin_token in [server]", BODY "[server]\nui_dir = ui\n", 6,
	 "[server]: missing key 'admin_token'"},
	{"no [server] at all", BODY, 0, "missing [server] admin_token"},
	{"admin_token equal to a counter token",
	 BODY "[server]\nadmin_token = counter-secret\n", 5,
	 "[counter.1] token: must differ from [server] admin_token"},

	/* [supervisor.NAME] and [alerts] */
	{"supervisor without token", MIN "[supervisor.sef]\nname = Ana\n", 8,
	 "[supervisor.sef]: missing key 'token'"},
	{"supervisor token of the admin",
	 MIN "[supervisor.sef]\ntoken = admin-secret\n", 9,
	 "[supervisor.sef] token: must differ from [server] admin_token"},
	{"supervisor token of a counter",
	 MIN "[supervisor.sef]\ntoken = counter-secret\n", 9,
	 "[supervisor.sef] token: the same as the token of [counter.1]"},
	{"two supervisors, one token",
	 MIN "[supervisor.a]\ntoken = floor-secret\n"
	     "[supervisor.b]\ntoken = floor-secret\n", 11,
	 "[supervisor.b] token: the same as the token of [supervisor.a]"},
	{"supervisor token too short", MIN "[supervisor.sef]\ntoken = short\n",
	 9, "[supervisor.sef] token: must be 8 to 128 characters long, not 5"},
	{"supervisor with an empty name",
	 MIN "[supervisor.sef]\nname =\ntoken = floor-secret\n", 9,
	 "[supervisor.sef] name: must not be empty"},
	{"unknown supervisor key",
	 MIN "[supervisor.sef]\nrole = admin\n", 9,
	 "unknown key 'role' in [supervisor.sef]"},
	{"[supervisor] without a name", MIN "[supervisor]\n", 8,
	 "unknown section [supervisor]"},
	{"alerts max_wait zero", MIN "[alerts]\nmax_wait = 0\n", 9,
	 "[alerts] max_wait"},
	{"alerts printer_down too short", MIN "[alerts]\nprinter_down = 4\n", 9,
	 "[alerts] printer_down"},
	{"alerts booking_late too long", MIN "[alerts]\nbooking_late = 241\n",
	 9, "[alerts] booking_late"},
	{"unknown alerts key", MIN "[alerts]\nnoise = 1\n", 9,
	 "unknown key 'noise' in [alerts]"},

	/* [storage] */
	{"empty database", MIN "[storage]\ndatabase =\n", 9,
	 "[storage] database: must not be empty"},
	{"unknown storage key", MIN "[storage]\npath = x.db\n", 9,
	 "unknown key 'path' in [storage]; expected one of: database, backup_keep"},

	/* [hours] */
	{"closing before opening", MIN "[hours]\nmonday = 16:30-08:30\n", 9,
	 "[hours] monday = '16:30-08:30': expected the closing time after "
	 "the opening time"},
	{"closing at opening", MIN "[hours]\nfriday = 08:30-08:30\n", 9,
	 "expected the closing time after the opening time"},
	{"hour with one digit", MIN "[hours]\ntuesday = 8:30-16:30\n", 9,
	 "[hours] tuesday = '8:30-16:30': expected opening and closing time "
	 "as HH:MM-HH:MM"},
	{"minute 60", MIN "[hours]\nwednesday = 08:30-16:60\n", 9,
	 "expected opening and closing time as HH:MM-HH:MM"},
	{"hour 25", MIN "[hours]\nthursday = 25:00-26:00\n", 9,
	 "as HH:MM-HH:MM"},
	{"after 24:00", MIN "[hours]\nsaturday = 10:00-24:01\n", 9,
	 "as HH:MM-HH:MM"},
	{"opening only", MIN "[hours]\nsunday = 08:30\n", 9,
	 "[hours] sunday = '08:30': expected opening"},
	{"text after hours", MIN "[hours]\nmonday = 08:30-16:30 x\n", 9,
	 "as HH:MM-HH:MM"},
	{"Closed in capitals", MIN "[hours]\nmonday = Closed\n", 9,
	 "or closed"},
	{"unknown day", MIN "[hours]\nluni = 08:30-16:30\n", 9,
	 "unknown key 'luni' in [hours]"},
	{"30 February", MIN "[hours]\nclosed = 2026-12-25, 2026-02-30\n", 9,
	 "[hours] closed: '2026-02-30' is not a calendar date YYYY-MM-DD"},
	{"month 13", MIN "[hours]\nclosed = 2026-13-01\n", 9,
	 "'2026-13-01' is not a calendar date"},
	{"day 0", MIN "[hours]\nclosed = 2026-12-00\n", 9,
	 "'2026-12-00' is not a calendar date"},
	{"two-digit year", MIN "[hours]\nclosed = 26-12-01\n", 9,
	 "'26-12-01' is not a calendar date"},
	{"29 February 2100", MIN "[hours]\nclosed = 2100-02-29\n", 9,
	 "'2100-02-29' is not a calendar date"},
	{"29 February 2027", MIN "[hours]\nclosed = 2027-02-29\n", 9,
	 "'2027-02-29' is not a calendar date"},
	{"date with slashes", MIN "[hours]\nclosed = 2026/12/01\n", 9,
	 "'2026/12/01' is not a calendar date"},
	{"dates without comma", MIN "[hours]\nclosed = 2026-12-01 2026-12-25\n",
	 9, "'2026-12-01 2026-12-25' is not a calendar date"},
	{"bad date on a continuation line",
	 MIN "[hours]\nclosed = 2026-12-25,\n  2026-12-32\n", 10,
	 "'2026-12-32' is not a calendar date"},
	{"date twice", MIN "[hours]\nclosed = 2026-12-25, 2026-12-25\n", 9,
	 "[hours] closed: 2026-12-25 is listed twice"},
	{"cutoff 241", MIN "[hours]\ncutoff = 241\n", 9,
	 "[hours] cutoff = '241': expected a whole number from 0 to 240"},
	{"cutoff negative", MIN "[hours]\ncutoff = -1\n", 9,
	 "expected a whole number from 0 to 240"},
	{"always_open maybe", MIN "[hours]\nalways_open = maybe\n", 9,
	 "[hours] always_open = 'maybe': expected true or false"},
	{"always_open empty", MIN "[hours]\nalways_open =\n", 9,
	 "expected true or false"},

	/* [policy] */
	{"policy unknown", MIN "[policy]\npolicy = fifo\n", 9,
	 "[policy] policy = 'fifo': expected due or rules"},
	{"policy in capitals", MIN "[policy]\npolicy = DUE\n", 9,
	 "expected due or rules"},
	{"priority_wait 0", MIN "[policy]\npriority_wait = 0\n", 9,
	 "[policy] priority_wait = '0': expected a whole number from 1 to 600"},
	{"booking_window 241", MIN "[policy]\nbooking_window = 241\n", 9,
	 "from 0 to 240"},
	{"walkin_limit 601", MIN "[policy]\nwalkin_limit = 601\n", 9,
	 "from 0 to 600"},
	{"return_window 241", MIN "[policy]\nreturn_window = 241\n", 9,
	 "[policy] return_window = '241': expected a whole number from 0 to "
	 "240"},
	{"return_window negative", MIN "[policy]\nreturn_window = -1\n", 9,
	 "from 0 to 240"},
	{"max_wait 0", MIN "[policy]\nmax_wait = 0\n", 9,
	 "[policy] max_wait = '0': expected a whole number from 1 to 600"},
	{"max_wait 601", MIN "[policy]\nmax_wait = 601\n", 9, "from 1 to 600"},
	{"max_wait not a number", MIN "[policy]\nmax_wait = abc\n", 9,
	 "[policy] max_wait = 'abc': expected a whole number"},
	{"max_wait with unit", MIN "[policy]\nmax_wait = 45min\n", 9,
	 "max_wait = '45min'"},
	{"max_wait with plus", MIN "[policy]\nmax_wait = +45\n", 9,
	 "max_wait = '+45'"},
	{"max_wait hexadecimal", MIN "[policy]\nmax_wait = 0x10\n", 9,
	 "max_wait = '0x10'"},
	{"max_wait empty", MIN "[policy]\nmax_wait =\n", 9,
	 "max_wait = '': expected a whole number"},
	{"max_wait overflow", MIN "[policy]\nmax_wait = 99999999999999999999\n",
	 9, "from 1 to 600"},
	{"walkin_every 101", MIN "[policy]\nwalkin_every = 101\n", 9,
	 "[policy] walkin_every = '101': expected a whole number from 0 to "
	 "100"},
	{"walkin_every -1", MIN "[policy]\nwalkin_every = -1\n", 9,
	 "from 0 to 100"},
	{"early_window 241", MIN "[policy]\nearly_window = 241\n", 9,
	 "[policy] early_window = '241': expected a whole number from 0 to "
	 "240"},
	{"late_grace 241", MIN "[policy]\nlate_grace = 241\n", 9,
	 "[policy] late_grace = '241': expected a whole number from 0 to "
	 "240"},
	{"appointment_prefix lowercase",
	 MIN "[policy]\nappointment_prefix = p\n", 9,
	 "[policy] appointment_prefix = 'p': expected 1 to 4 uppercase "
	 "letters A-Z"},
	{"appointment_prefix of 5 letters",
	 MIN "[policy]\nappointment_prefix = PROGR\n", 9,
	 "expected 1 to 4 uppercase letters"},
	{"appointment_prefix empty", MIN "[policy]\nappointment_prefix =\n", 9,
	 "expected 1 to 4 uppercase letters"},
	{"appointment_prefix equal to a service prefix",
	 MIN "[policy]\nappointment_prefix = A\n", 9,
	 "[policy] appointment_prefix 'A' is also the prefix of [service.A]"},
	{"service prefix equal to the default appointment prefix",
	 MIN "[service.P]\nname = Programări\n", 8,
	 "[service.P] prefix 'P' is the appointment prefix"},
	{"service prefix equal to the appointment prefix",
	 MIN "[service.X]\nname = X\nprefix = P\n", 10,
	 "[service.X] prefix 'P' is the appointment prefix"},

	/* [printer.NAME] */
	{"printer without driver", MIN "[printer.p]\ncolumns = 48\n", 8,
	 "[printer.p]: missing key 'driver' (usb, cups, tcp, file or none)"},
	{"empty printer section", MIN "[printer.p]\n", 8,
	 "[printer.p]: missing key 'driver'"},
	{"unknown driver", MIN "[printer.p]\ndriver = serial\n", 9,
	 "[printer.p] driver = 'serial': expected usb, cups, tcp, file or "
	 "none"},
	{"file without path", MIN "[printer.p]\ndriver = file\n", 8,
	 "[printer.p]: missing key 'path' (needed by driver = file)"},
	{"cups without queue", MIN "[printer.p]\ndriver = cups\n", 8,
	 "[printer.p]: missing key 'queue' (needed by driver = cups)"},
	{"tcp without host", MIN "[printer.p]\ndriver = tcp\n", 8,
	 "[printer.p]: missing key 'host' (needed by driver = tcp)"},
	{"empty path", MIN "[printer.p]\ndriver = file\npath =\n", 10,
	 "[printer.p] path: must not be empty"},
	{"usb without PID", MIN "[printer.p]\ndriver = usb\nusb = 04b8\n", 10,
	 "[printer.p] usb = '04b8': expected VID:PID in hexadecimal"},
	{"usb not hexadecimal",
	 MIN "[printer.p]\ndriver = usb\n"
	     "usb = 04b8:0e2g\n",
	 10, "expected VID:PID"},
	{"usb five digits",
	 MIN "[printer.p]\ndriver = usb\n"
	     "usb = 04b8:0e288\n",
	 10, "expected VID:PID"},
	{"usb empty VID", MIN "[printer.p]\ndriver = usb\nusb = :0e28\n", 10,
	 "expected VID:PID"},
	{"usb with 0x",
	 MIN "[printer.p]\ndriver = usb\n"
	     "usb = 0x04b8:0x0e28\n",
	 10, "expected VID:PID"},
	{"cups queue with a blank",
	 MIN "[printer.p]\ndriver = cups\n"
	     "queue = kiosk 1\n",
	 10, "[printer.p] queue = 'kiosk 1': expected a CUPS queue name"},
	{"cups queue with a slash",
	 MIN "[printer.p]\ndriver = cups\n"
	     "queue = a/b\n",
	 10, "expected a CUPS queue name"},
	{"tcp port 0",
	 MIN "[printer.p]\ndriver = tcp\n"
	     "host = printer.local:0\n",
	 10,
	 "[printer.p] host = 'printer.local:0': expected HOST or HOST:PORT"},
	{"tcp port too large",
	 MIN "[printer.p]\ndriver = tcp\n"
	     "host = 10.0.0.9:65536\n",
	 10, "expected HOST or HOST:PORT"},
	{"tcp unclosed bracket",
	 MIN "[printer.p]\ndriver = tcp\n"
	     "host = [::1:9100\n",
	 10, "expected HOST or HOST:PORT"},
	{"tcp IPv6 without brackets",
	 MIN "[printer.p]\ndriver = tcp\n"
	     "host = ::1\n",
	 10, "expected HOST or HOST:PORT"},
	{"tcp host with underscore",
	 MIN "[printer.p]\ndriver = tcp\n"
	     "host = bad_name:9100\n",
	 10, "expected HOST or HOST:PORT"},
	{"tcp text after bracket",
	 MIN "[printer.p]\ndriver = tcp\n"
	     "host = [::1]x\n",
	 10, "expected HOST or HOST:PORT"},
	{"unknown code page",
	 MIN "[printer.p]\ndriver = none\n"
	     "codepage = cp437\n",
	 10, "[printer.p] codepage = 'cp437': expected cp852 or cp1250"},
	{"codepage_number 256",
	 MIN "[printer.p]\ndriver = none\n"
	     "codepage_number = 256\n",
	 10,
	 "[printer.p] codepage_number = '256': expected a whole number from 0 "
	 "to 255"},
	{"columns 23", MIN "[printer.p]\ndriver = none\ncolumns = 23\n", 10,
	 "[printer.p] columns = '23': expected a whole number from 24 to 64"},
	{"columns 65", MIN "[printer.p]\ndriver = none\ncolumns = 65\n", 10,
	 "from 24 to 64"},
	{"duplicate printer",
	 MIN "[printer.p]\ndriver = none\n"
	     "[printer.p]\n",
	 10, "duplicate section [printer.p] (first at line 8)"},

	/* [kiosk.ID] */
	{"kiosk naming an unknown printer", MIN "[kiosk.k1]\nprinter = nope\n",
	 9,
	 "[kiosk.k1] printer: unknown printer 'nope' (no [printer.nope] "
	 "section)"},
	{"kiosk naming a printer among others",
	 MIN "[printer.a]\ndriver = none\n[kiosk.k1]\nprinter = b\n", 11,
	 "unknown printer 'b'"},
	{"kiosk without printer and no default",
	 MIN "[printer.other]\ndriver = none\n[kiosk.k1]\n", 10,
	 "[kiosk.k1]: no 'printer' key and no [printer.default] to use"},
	{"kiosk printer with a blank", MIN "[kiosk.k1]\nprinter = a b\n", 9,
	 "[kiosk.k1] printer = 'a b': expected the name of a [printer.NAME]"},

	/* [service.ID] */
	{"service without name", MIN "[service.B]\nprefix = B\n", 8,
	 "[service.B]: missing key 'name'"},
	{"empty service section", MIN "[service.B]\n", 8,
	 "[service.B]: missing key 'name'"},
	{"empty service name", MIN "[service.B]\nname =\n", 9,
	 "[service.B] name: must not be empty"},
	{"service name over 200 bytes",
	 MIN "[service.B]\nname = " X150 "\n  " X50 "\n", 10,
	 "[service.B] name: longer than 200 bytes"},
	{"info over 500 bytes",
	 MIN "[service.SC]\nname = X\ninfo = " X150 "\n\t" X150 "\n\t" X150
	     "\n\t" X50 "\n",
	 13, "[service.SC] info: longer than 500 bytes"},
	{"empty info", MIN "[service.SC]\nname = X\ninfo =\n", 10,
	 "[service.SC] info: must not be empty"},
	{"info service with prefix",
	 MIN "[service.SC]\nname = Stare civilă\ninfo = Altă adresă.\n"
	     "prefix = S\n",
	 11,
	 "[service.SC] prefix: an information service (one with 'info') "
	 "issues no tickets"},
	{"info service with minutes",
	 MIN "[service.SC]\nname = Stare civilă\nminutes = 5\n"
	     "info = Altă adresă.\n",
	 10, "[service.SC] minutes: an information service"},
	{"prefix lowercase", MIN "[service.B]\nname = B\nprefix = b\n", 10,
	 "[service.B] prefix = 'b': expected 1 to 4 uppercase letters A-Z"},
	{"prefix of 5 letters", MIN "[service.B]\nname = B\nprefix = ABCDE\n",
	 10, "expected 1 to 4 uppercase letters"},
	{"prefix with a digit", MIN "[service.B]\nname = B\nprefix = B1\n", 10,
	 "expected 1 to 4 uppercase letters"},
	{"prefix with diacritics", MIN "[service.B]\nname = B\nprefix = Ă\n",
	 10, "expected 1 to 4 uppercase letters"},
	{"id that cannot be a prefix", MIN "[service.taxe]\nname = Taxe\n", 8,
	 "[service.taxe]: missing key 'prefix' (the id cannot serve as the "
	 "ticket prefix"},
	{"duplicate prefix", MIN "[service.B]\nname = B\nprefix = A\n", 10,
	 "[service.B] prefix 'A' is already the prefix of [service.A]"},
	{"duplicate prefix from the id",
	 MIN "[service.X]\nname = X\nprefix = B\n[service.B]\nname = B\n", 11,
	 "[service.B] prefix 'B' is already the prefix of [service.X]"},
	{"minutes 0", MIN "[service.B]\nname = B\nminutes = 0\n", 10,
	 "[service.B] minutes = '0': expected a whole number from 1 to 240"},
	{"minutes 241", MIN "[service.B]\nname = B\nminutes = 241\n", 10,
	 "from 1 to 240"},
	{"only information services",
	 "[server]\nadmin_token = admin-secret\n"
	 "[service.SC]\nname = X\ninfo = Y\n",
	 0,
	 "no ticket service: at least one [service.ID] section without "
	 "'info' is needed"},

	/* [counter.ID] */
	{"no counter",
	 "[server]\nadmin_token = admin-secret\n"
	 "[service.A]\nname = Taxe\n",
	 0, "no counter: at least one [counter.ID] section is needed"},
	{"empty file", "", 0, "missing [server] admin_token"},
	{"counter without token", MIN "[counter.2]\nservices = A\n", 8,
	 "[counter.2]: missing key 'token'"},
	{"empty counter section", MIN "[counter.2]\n", 8,
	 "[counter.2]: missing key 'token'"},
	{"counter token too short",
	 MIN "[counter.2]\nservices = A\ntoken = short\n", 10,
	 "[counter.2] token: must be 8 to 128 characters long, not 5"},
	{"counter token of 7",
	 MIN "[counter.2]\nservices = A\ntoken = 1234567\n", 10, "not 7"},
	{"counter token shared",
	 MIN "[counter.2]\nservices = A\ntoken = counter-secret\n", 10,
	 "[counter.2] token: the same as the token of [counter.1]"},
	{"counter without services", MIN "[counter.2]\ntoken = other-secret\n",
	 8, "[counter.2]: missing key 'services'"},
	{"counter with empty services",
	 MIN "[counter.2]\nservices =\ntoken = other-secret\n", 9,
	 "[counter.2] services: lists no service"},
	{"counter serving an unknown service",
	 MIN "[counter.2]\nservices = A, Z\ntoken = other-secret\n", 9,
	 "[counter.2] services: unknown service 'Z' (no [service.Z] section)"},
	{"unknown service on a continuation line",
	 MIN "[counter.2]\nservices = A,\n    Z\ntoken = other-secret\n", 10,
	 "unknown service 'Z'"},
	{"counter serving an information service",
	 MIN "[service.SC]\nname = X\ninfo = Y\n"
	     "[counter.2]\nservices = SC\ntoken = other-secret\n",
	 12,
	 "[counter.2] services: 'SC' is an information service, which "
	 "issues no tickets"},
	{"counter service twice",
	 MIN "[counter.2]\nservices = A, A\ntoken = other-secret\n", 9,
	 "[counter.2] services: 'A' is listed twice"},
	{"counter service not an id",
	 MIN "[counter.2]\nservices = A B\ntoken = other-secret\n", 9,
	 "[counter.2] services: 'A B' is not a service id"},
	{"empty counter name",
	 MIN "[counter.2]\nname =\nservices = A\ntoken = other-secret\n", 9,
	 "[counter.2] name: must not be empty"},
	/* [sms]: the citizens' text messages. */
	{"unknown sms driver", MIN "[sms]\ndriver = sms77\n", 9,
	 "[sms] driver = 'sms77': expected none, gammu or http"},
	{"http without url", MIN "[sms]\ndriver = http\n", 8,
	 "[sms]: missing key 'url'"},
	{"sms url not http", MIN "[sms]\ndriver = http\nurl = ftp://x/y\n", 10,
	 "[sms] url = 'ftp://x/y': expected an http:// or https:// address"},
	{"sms url with a blank",
	 MIN "[sms]\ndriver = http\nurl = https://a b/\n", 10,
	 "expected an address without blanks"},
	{"gammu key with driver http",
	 MIN "[sms]\ndriver = http\nurl = https://x/\n"
	     "gammu_config = /etc/gammu-smsdrc\n",
	 11, "[sms] gammu_config: only for driver = gammu (the driver is http)"},
	{"http key with driver gammu",
	 MIN "[sms]\ndriver = gammu\nurl = https://x/\n", 10,
	 "[sms] url: only for driver = http (the driver is gammu)"},
	{"http key without a driver", MIN "[sms]\nbody = {to} {text}\n", 9,
	 "[sms] body: only for driver = http (the driver is none)"},
	{"user without password",
	 MIN "[sms]\ndriver = http\nurl = https://x/\nuser = me\n", 11,
	 "[sms] user and password go together"},
	{"body without text",
	 MIN "[sms]\ndriver = http\nurl = https://x/\nbody = to={to}\n", 11,
	 "[sms] body: must hold {text}"},
	{"body without number",
	 MIN "[sms]\ndriver = http\nurl = https://x/\nbody = m={text}\n",
	 11, "[sms] body: must hold {to} or {to_e164}"},
	{"relative gammu config",
	 MIN "[sms]\ndriver = gammu\ngammu_config = smsdrc\n", 10,
	 "[sms] gammu_config = 'smsdrc': expected an absolute path"},
	{"sms queue size 0", MIN "[sms]\nqueue_size = 0\n", 9,
	 "[sms] queue_size = '0': expected a whole number from 1 to 10000"},
	{"sms retries 11", MIN "[sms]\nretries = 11\n", 9,
	 "expected a whole number from 0 to 10"},
	{"sms timeout 0", MIN "[sms]\ntimeout = 0\n", 9,
	 "expected a whole number from 1 to 120"},
	{"unknown sms key", MIN "[sms]\nsender = Primaria\n", 9,
	 "unknown key 'sender' in [sms]"},
};

static struct config sentinel;

static struct config *parse_ok(const char *text)
{
	struct config *c = NULL;
	char err[CONFIG_ERR_MAX] = "";
	int r = config_parse(text, strlen(text), NAME, &c, err, sizeof(err));

	if (r != 0)
		print_error("unexpected error %d: %s\n", r, err);
	assert_int_equal(r, 0);
	assert_non_null(c);
	assert_string_equal(err, "");
	return c;
}

/* The error message must begin with exactly "name:LINE: " (or "name: ")
 * and contain message; *ret must stay untouched. */
static void expect_error(const char *text, size_t len, int rc, int line,
			 const char *message)
{
	struct config *c = &sentinel;
	char err[CONFIG_ERR_MAX] = "";
	char prefix[64];
	int r = config_parse(text, len, NAME, &c, err, sizeof(err));

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", NAME, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", NAME);
	if (r != rc || strncmp(err, prefix, strlen(prefix)) ||
	    !strstr(err, message))
		print_error("got %d \"%s\"\nwant %d \"%s...%s...\"\n", r, err,
			    rc, prefix, message);
	assert_int_equal(r, rc);
	assert_ptr_equal(c, &sentinel);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err, message));
}

static void test_bad_case(void **state)
{
	const struct bad_case *t = *state;

	expect_error(t->text, strlen(t->text), -EINVAL, t->line, t->message);
}

static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = malloc(1024 * 1024);
	assert_non_null(buf);
	n = fread(buf, 1, 1024 * 1024 - 1, f);
	assert_true(feof(f));
	fclose(f);
	buf[n] = '\0';
	*ret_len = n;
	return buf;
}

static void example_path(char *buf, size_t size)
{
	const char *dir = getenv("BONOMAT_SOURCE_DIR");

	snprintf(buf, size, "%s/config/bonomat.conf", dir ? dir : ".");
}

static uint64_t mask_of(const struct config *c, const char *ids)
{
	char copy[256];
	uint64_t mask = 0;

	snprintf(copy, sizeof(copy), "%s", ids);
	for (char *save, *id = strtok_r(copy, " ", &save); id;
	     id = strtok_r(NULL, " ", &save)) {
		int i = config_service_index(c, id);
		assert_true(i >= 0);
		mask |= UINT64_C(1) << i;
	}
	return mask;
}

static void test_example(void **state)
{
	static const struct {
		const char *id, *name, *prefix;
		int minutes;
	} services[] = {
		{"A", "Taxe și impozite locale", "A", 8},
		{"B", "Registratură / depunere documente", "B", 5},
		{"C", "Urbanism și autorizări de construire", "C", 15},
		{"D", "Asistență socială", "D", 12},
		{"E", "Utilități publice / salubritate", "E", 6},
		{"F", "Fond funciar / Registrul agricol", "F", 10},
	};
	static const char *const counters[10] = {
		"A B", "A B", "A", "A",	  "B E",
		"C",   "C F", "D", "D E", "A B C D E F",
	};
	static const char *const closed[] = {
		"2026-12-01", "2026-12-25", "2026-12-26",
		"2027-01-01", "2027-01-02",
	};
	char path[4096], err[CONFIG_ERR_MAX] = "";
	struct config *c = NULL;
	int r, i;

	(void)state;
	example_path(path, sizeof(path));
	r = config_load(path, &c, err, sizeof(err));
	if (r != 0)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
	assert_string_equal(c->path, path);

	assert_string_equal(c->office.id, "sector1-bc");
	assert_string_equal(c->office.name,
			    "Primăria Sectorului 1 — Biroul Cetățeanului");
	assert_string_equal(c->office.address, "Str. Mureș nr. 18–24, parter");
	assert_string_equal(c->office.timezone, "Europe/Bucharest");
	assert_string_equal(c->office.footer,
			    "Programări online: programare.primariasector1.ro");

	assert_string_equal(c->server.listen_host, "127.0.0.1");
	assert_int_equal(c->server.listen_port, 8080);
	assert_string_equal(c->server.ui_dir, "ui");
	assert_true(strlen(c->server.admin_token) >= 8);
	assert_int_equal(c->server.n_kiosk_clients, 2);
	assert_string_equal(c->server.kiosk_clients[0], "127.0.0.1");
	assert_string_equal(c->server.kiosk_clients[1], "::1");
	assert_int_equal(c->server.max_connections, 512);
	assert_int_equal(c->server.max_per_address, 32);
	assert_int_equal(c->server.max_event_streams, 64);
	assert_int_equal(c->server.header_timeout, 5);
	assert_int_equal(c->server.shutdown_timeout, 5);
	assert_string_equal(c->storage.database, "var/bonomat.db");

	for (i = 1; i <= 5; i++) {
		assert_true(c->hours.day[i].open);
		assert_int_equal(c->hours.day[i].open_min, 8 * 60 + 30);
		assert_int_equal(c->hours.day[i].close_min,
				 i == 4 ? 18 * 60 + 30 : 16 * 60 + 30);
	}
	assert_false(c->hours.day[6].open);
	assert_false(c->hours.day[0].open);
	assert_int_equal(c->hours.n_closed, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(c->hours.closed[i], closed[i]);
	assert_int_equal(c->hours.cutoff, 15);
	assert_true(c->hours.always_open);

	assert_int_equal(c->policy.max_wait, 45);
	assert_int_equal(c->policy.walkin_every, 3);
	assert_int_equal(c->policy.early_window, 10);
	assert_int_equal(c->policy.late_grace, 15);
	assert_string_equal(c->policy.appointment_prefix, "P");
	assert_int_equal(c->policy.kind, CFG_POLICY_RULES);
	assert_int_equal(c->policy.priority_wait, 15);
	assert_int_equal(c->policy.booking_window, 10);
	assert_int_equal(c->policy.walkin_limit, 0);
	assert_int_equal(c->policy.return_window, 30);

	assert_int_equal(c->n_printers, 1);
	assert_string_equal(c->printers[0].name, "default");
	assert_int_equal(c->printers[0].driver, DRIVER_FILE);
	assert_string_equal(c->printers[0].path, "var/tickets.escpos");
	assert_false(c->printers[0].usb_match);
	assert_int_equal(c->printers[0].codepage, CODEPAGE_CP852);
	assert_int_equal(c->printers[0].codepage_number, 18);
	assert_int_equal(c->printers[0].columns, 48);
	assert_int_equal(c->n_kiosks, 1);
	assert_string_equal(c->kiosks[0].id, "k1");
	assert_int_equal(c->kiosks[0].printer, 0);

	assert_int_equal(c->n_services, 8);
	for (i = 0; i < 6; i++) {
		assert_string_equal(c->services[i].id, services[i].id);
		assert_string_equal(c->services[i].name, services[i].name);
		assert_string_equal(c->services[i].prefix, services[i].prefix);
		assert_null(c->services[i].info);
		assert_int_equal(c->services[i].minutes, services[i].minutes);
	}
	i = config_service_index(c, "SC");
	assert_int_equal(i, 6);
	assert_string_equal(c->services[i].name, "Acte de stare civilă");
	assert_null(c->services[i].prefix);
	assert_string_equal(c->services[i].info,
			    "Actele de stare civilă nu se eliberează aici, ci "
			    "la sediul din Bd. Mareșal Averescu nr. 17.");
	i = config_service_index(c, "CI");
	assert_int_equal(i, 7);
	assert_string_equal(c->services[i].name, "Acte de identitate");
	assert_null(c->services[i].prefix);
	assert_non_null(strstr(c->services[i].info, "hub.mai.gov.ro"));

	assert_int_equal(c->n_counters, 10);
	for (i = 0; i < 10; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "%d", i + 1);
		snprintf(name, sizeof(name), "Ghișeul %d", i + 1);
		assert_string_equal(c->counters[i].id, id);
		assert_string_equal(c->counters[i].name, name);
		assert_int_equal(c->counters[i].services,
				 mask_of(c, counters[i]));
		assert_true(strlen(c->counters[i].token) >= 8);
		assert_string_not_equal(c->counters[i].token,
					c->server.admin_token);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(c->counters[i].token,
						c->counters[j].token);
	}
	assert_int_equal(c->n_supervisors, 1);
	assert_string_equal(c->supervisors[0].id, "sef");
	assert_string_equal(c->supervisors[0].name,
			    "Șefa Biroului Cetățeanului");
	assert_string_equal(c->supervisors[0].token, "supervizor-schimba-ma");
	assert_int_equal(c->alerts.max_wait, 45);
	assert_int_equal(c->alerts.booking_late, 10);
	assert_int_equal(c->alerts.printer_down, 60);
	assert_int_equal(c->alerts.counter_paused, 30);
	config_free(c);
}

/* Romanian ș ț take a comma below (U+0219, U+021B, U+0218, U+021A); the
 * cedilla forms ş ţ Ş Ţ are a common typo. */
static void test_example_diacritics(void **state)
{
	static const char *const cedillas[] = {
		"\xc5\x9f",
		"\xc5\xa3",
		"\xc5\x9e",
		"\xc5\xa2",
	};
	char path[4096];
	size_t len;
	char *text;

	(void)state;
	example_path(path, sizeof(path));
	text = read_file(path, &len);
	for (size_t i = 0; i < sizeof(cedillas) / sizeof(cedillas[0]); i++)
		assert_null(strstr(text, cedillas[i]));
	assert_non_null(strstr(text, "\xc8\x99")); /* ș */
	assert_non_null(strstr(text, "\xc8\x9b")); /* ț */
	free(text);
}

static void test_defaults(void **state)
{
	struct config *c = parse_ok(MIN);

	(void)state;
	assert_string_equal(c->path, NAME);
	assert_string_equal(c->office.id, "default");
	assert_string_equal(c->office.name, "");
	assert_string_equal(c->office.address, "");
	assert_string_equal(c->office.timezone, "Europe/Bucharest");
	assert_string_equal(c->office.footer, "");
	assert_string_equal(c->server.listen_host, "127.0.0.1");
	assert_int_equal(c->server.listen_port, 8080);
	assert_string_equal(c->server.ui_dir, "ui");
	assert_string_equal(c->server.chartjs_dir,
			    "/usr/share/javascript/chart.js");
	assert_string_equal(c->server.admin_token, "admin-secret");
	assert_int_equal(c->server.n_kiosk_clients, 0);
	assert_null(c->server.kiosk_clients);
	assert_string_equal(c->storage.database, "var/bonomat.db");

	for (int d = 1; d <= 5; d++) {
		assert_true(c->hours.day[d].open);
		assert_int_equal(c->hours.day[d].open_min, 510);
		assert_int_equal(c->hours.day[d].close_min,
				 d == 4 ? 1110 : 990);
	}
	assert_false(c->hours.day[0].open);
	assert_false(c->hours.day[6].open);
	assert_int_equal(c->hours.n_closed, 0);
	assert_int_equal(c->hours.cutoff, 15);
	assert_false(c->hours.always_open);

	assert_int_equal(c->policy.max_wait, 45);
	assert_int_equal(c->policy.walkin_every, 3);
	assert_int_equal(c->policy.early_window, 10);
	assert_int_equal(c->policy.late_grace, 15);
	assert_string_equal(c->policy.appointment_prefix, "P");
	assert_int_equal(c->policy.kind, CFG_POLICY_RULES);
	assert_int_equal(c->policy.priority_wait, 15);
	assert_int_equal(c->policy.booking_window, 10);
	assert_int_equal(c->policy.walkin_limit, 0);
	assert_int_equal(c->policy.return_window, 30);

	assert_int_equal(c->sms.driver, CFG_SMS_NONE);
	assert_int_equal(c->sms.notify_minutes, 10);
	assert_int_equal(c->sms.notify_ahead, 3);
	assert_string_equal(c->sms.gammu_config, "/etc/gammu-smsdrc");
	assert_string_equal(c->sms.gammu_inject, "/usr/bin/gammu-smsd-inject");
	assert_null(c->sms.url);
	assert_null(c->sms.user);
	assert_string_equal(c->sms.body,
			    "{\"to\": \"{to_e164}\", \"text\": \"{text}\"}");
	assert_string_equal(c->sms.content_type, "application/json");
	assert_int_equal(c->sms.timeout, 10);
	assert_int_equal(c->sms.queue_size, 256);
	assert_int_equal(c->sms.retries, 3);
	assert_int_equal(c->sms.backoff, 30);

	/* The implicit printer. */
	assert_int_equal(c->n_printers, 1);
	assert_string_equal(c->printers[0].name, "default");
	assert_int_equal(c->printers[0].driver, DRIVER_NONE);
	assert_int_equal(c->printers[0].codepage, CODEPAGE_CP852);
	assert_int_equal(c->printers[0].codepage_number, 18);
	assert_int_equal(c->printers[0].columns, 48);
	assert_int_equal(c->n_kiosks, 0);

	assert_int_equal(c->n_services, 1);
	assert_string_equal(c->services[0].id, "A");
	assert_string_equal(c->services[0].name, "Taxe");
	assert_string_equal(c->services[0].prefix, "A"); /* from the id */
	assert_null(c->services[0].info);
	assert_int_equal(c->services[0].minutes, 10);

	assert_int_equal(c->n_counters, 1);
	assert_string_equal(c->counters[0].id, "1");
	assert_string_equal(c->counters[0].name, "Ghișeul 1");
	assert_string_equal(c->counters[0].token, "counter-secret");
	assert_int_equal(c->counters[0].services, 1);

	assert_int_equal(c->n_supervisors, 0);
	assert_int_equal(c->alerts.max_wait, 45); /* [policy] max_wait */
	assert_int_equal(c->alerts.booking_late, 10);
	assert_int_equal(c->alerts.printer_down, 60);
	assert_int_equal(c->alerts.counter_paused, 30);
	config_free(c);
}

/* Supervisors and the alerts' thresholds; max_wait follows the policy's
 * unless [alerts] sets its own. */
static void test_supervisors(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok(MIN "[policy]\nmax_wait = 20\n"
			 "[supervisor.sef]\nname = Șefa\ntoken = floor-secret\n"
			 "[supervisor.b]\ntoken = second-floor\n"
			 "[alerts]\nbooking_late = 5\nprinter_down = 30\n"
			 "counter_paused = 15\n");
	assert_int_equal(c->n_supervisors, 2);
	assert_string_equal(c->supervisors[0].id, "sef");
	assert_string_equal(c->supervisors[0].name, "Șefa");
	assert_string_equal(c->supervisors[0].token, "floor-secret");
	assert_string_equal(c->supervisors[1].id, "b");
	assert_null(c->supervisors[1].name);
	assert_int_equal(c->alerts.max_wait, 20);
	assert_int_equal(c->alerts.booking_late, 5);
	assert_int_equal(c->alerts.printer_down, 30);
	assert_int_equal(c->alerts.counter_paused, 15);
	config_free(c);
	c = parse_ok(MIN "[policy]\nmax_wait = 20\n[alerts]\nmax_wait = 90\n");
	assert_int_equal(c->alerts.max_wait, 90);
	assert_int_equal(c->policy.max_wait, 20);
	config_free(c);
}

/* Both gateways with every key of theirs. */
static void test_sms(void **state)
{
	struct config *c = parse_ok(MIN "[sms]\n"
					"driver = http\n"
					"notify_minutes = 0\n"
					"notify_ahead = 5\n"
					"url = https://sms.example.ro/api/send\n"
					"user = primaria\n"
					"password = s3cret pass\n"
					"body = to={to}&msg={text}\n"
					"content_type = application/x-www-form-urlencoded\n"
					"timeout = 3\n"
					"queue_size = 8\n"
					"retries = 0\n"
					"backoff = 1\n");

	(void)state;
	assert_int_equal(c->sms.driver, CFG_SMS_HTTP);
	assert_int_equal(c->sms.notify_minutes, 0);
	assert_int_equal(c->sms.notify_ahead, 5);
	assert_string_equal(c->sms.url, "https://sms.example.ro/api/send");
	assert_string_equal(c->sms.user, "primaria");
	assert_string_equal(c->sms.password, "s3cret pass");
	assert_string_equal(c->sms.body, "to={to}&msg={text}");
	assert_string_equal(c->sms.content_type,
			    "application/x-www-form-urlencoded");
	assert_int_equal(c->sms.timeout, 3);
	assert_int_equal(c->sms.queue_size, 8);
	assert_int_equal(c->sms.retries, 0);
	assert_int_equal(c->sms.backoff, 1);
	config_free(c);

	c = parse_ok(MIN "[sms]\ndriver = gammu\n"
			 "gammu_config = /var/lib/bonomat/smsdrc\n"
			 "gammu_inject = /usr/local/bin/gammu-smsd-inject\n");
	assert_int_equal(c->sms.driver, CFG_SMS_GAMMU);
	assert_string_equal(c->sms.gammu_config, "/var/lib/bonomat/smsdrc");
	assert_string_equal(c->sms.gammu_inject,
			    "/usr/local/bin/gammu-smsd-inject");
	config_free(c);
}

/* BOM, CRLF, comments of both kinds, inline comments, "key: value",
 * blanks and tabs, diacritics, continuation lines and empty sections. */
static void test_syntax(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf; Bonomat\r\n"
		"# another comment\r\n"
		"\r\n"
		"[office]   ; the office\r\n"
		"name = Biroul Cetățeanului ; inline comment\r\n"
		"address\t=\tStr. Mureș nr. 18–24;parter\r\n"
		"footer: Programări online;  see = here\r\n"
		"[storage]\n"
		"[service.AB]\n"
		"name = Întâi, apoi\n"
		"   ; an indented comment does not continue the value\n"
		"   ștampilă și țiglă   ; a continuation, comment stripped\n"
		"\n"
		"\tîncă una\n"
		"[service.SC]\n"
		"name=Stare civilă\n"
		"info =\n"
		"  Se eliberează la\n"
		"  Bd. Mareșal Averescu nr. 17.\n"
		"[counter.c-1_x]\n"
		"services = AB,\n"
		"  ; comment\n"
		"\n"
		"token = a;b=c:d#e!\n"
		"[server]\n"
		"admin_token = admin-secret\n"
		"kiosk_clients = 10.0.0.5,\n"
		"    ::1 , 192.168.1.20, ; trailing comma\n"
		"    fe80::1\n"
		"[hours]\n"
		"closed = 2026-12-01, 2028-02-29,\n"
		"         2000-02-29\n"
		"[kiosk.k1]";
	struct config *c = parse_ok(text);

	(void)state;
	assert_string_equal(c->office.name, "Biroul Cetățeanului");
	assert_string_equal(c->office.address, "Str. Mureș nr. 18–24;parter");
	assert_string_equal(c->office.footer, "Programări online;  see = here");
	assert_string_equal(c->services[0].name,
			    "Întâi, apoi ștampilă și țiglă încă una");
	assert_string_equal(c->services[0].prefix, "AB");
	assert_string_equal(c->services[1].info,
			    "Se eliberează la Bd. Mareșal Averescu nr. 17.");
	assert_null(c->services[1].prefix);
	assert_string_equal(c->counters[0].id, "c-1_x");
	assert_string_equal(c->counters[0].name, "Ghișeul c-1_x");
	assert_string_equal(c->counters[0].token, "a;b=c:d#e!");
	assert_int_equal(c->counters[0].services, 1);
	assert_int_equal(c->server.n_kiosk_clients, 4);
	assert_string_equal(c->server.kiosk_clients[0], "10.0.0.5");
	assert_string_equal(c->server.kiosk_clients[1], "::1");
	assert_string_equal(c->server.kiosk_clients[2], "192.168.1.20");
	assert_string_equal(c->server.kiosk_clients[3], "fe80::1");
	assert_int_equal(c->hours.n_closed, 3);
	assert_string_equal(c->hours.closed[0], "2026-12-01");
	assert_string_equal(c->hours.closed[1], "2028-02-29");
	assert_string_equal(c->hours.closed[2], "2000-02-29");
	assert_int_equal(c->n_kiosks, 1);
	assert_int_equal(c->kiosks[0].printer, 0);
	assert_string_equal(c->storage.database, "var/bonomat.db");
	config_free(c);
}

static void test_values(void **state)
{
	struct config *c = parse_ok(MIN "listen = [::1]:0\n"
					"kiosk_clients =\n"
					"[hours]\n"
					"monday = closed\n"
					"tuesday =\n"
					"wednesday = 08:00 - 12:00\n"
					"thursday = 00:00-24:00\n"
					"friday = 07:05-19:55\n"
					"saturday = 09:00-13:00\n"
					"sunday = closed\n"
					"closed =\n"
					"cutoff = 0\n"
					"always_open = yes\n"
					"[policy]\n"
					"max_wait = 600\n"
					"walkin_every = 0\n"
					"early_window = 240\n"
					"late_grace = 0\n"
					"appointment_prefix = PROG\n"
					"policy = due\n"
					"priority_wait = 600\n"
					"booking_window = 0\n"
					"walkin_limit = 600\n"
					"return_window = 240\n"
					"[office]\n"
					"timezone = UTC\n"
					"[service.B]\n"
					"name = " X150 "\n"
					"  " X10 X10 X10 X10
					"xxxxxxxxx\n" /* 200 bytes in all */
					"prefix = BBBB\n"
					"minutes = 240\n");

	(void)state;
	assert_string_equal(c->server.listen_host, "::1");
	assert_int_equal(c->server.listen_port, 0);
	assert_int_equal(c->server.n_kiosk_clients, 0);
	assert_false(c->hours.day[1].open);
	assert_false(c->hours.day[2].open);
	assert_true(c->hours.day[3].open);
	assert_int_equal(c->hours.day[3].open_min, 8 * 60);
	assert_int_equal(c->hours.day[3].close_min, 12 * 60);
	assert_int_equal(c->hours.day[4].open_min, 0);
	assert_int_equal(c->hours.day[4].close_min, 24 * 60);
	assert_int_equal(c->hours.day[5].open_min, 7 * 60 + 5);
	assert_int_equal(c->hours.day[5].close_min, 19 * 60 + 55);
	assert_true(c->hours.day[6].open);
	assert_int_equal(c->hours.day[6].open_min, 9 * 60);
	assert_false(c->hours.day[0].open);
	assert_int_equal(c->hours.n_closed, 0);
	assert_int_equal(c->hours.cutoff, 0);
	assert_true(c->hours.always_open);
	assert_int_equal(c->policy.max_wait, 600);
	assert_int_equal(c->policy.walkin_every, 0);
	assert_int_equal(c->policy.early_window, 240);
	assert_int_equal(c->policy.late_grace, 0);
	assert_string_equal(c->policy.appointment_prefix, "PROG");
	assert_int_equal(c->policy.kind, CFG_POLICY_DUE);
	assert_int_equal(c->policy.priority_wait, 600);
	assert_int_equal(c->policy.booking_window, 0);
	assert_int_equal(c->policy.walkin_limit, 600);
	assert_int_equal(c->policy.return_window, 240);
	assert_string_equal(c->office.timezone, "UTC");
	assert_int_equal(strlen(c->services[1].name), 200);
	assert_string_equal(c->services[1].prefix, "BBBB");
	assert_int_equal(c->services[1].minutes, 240);
	config_free(c);
}

static void test_booleans(void **state)
{
	static const struct {
		const char *text;
		bool value;
	} cases[] = {
		{"true", true}, {"false", false}, {"yes", true},  {"no", false},
		{"1", true},	{"0", false},	  {"TRUE", true}, {"No", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct config *c;

		snprintf(text, sizeof(text), MIN "[hours]\nalways_open = %s\n",
			 cases[i].text);
		c = parse_ok(text);
		assert_int_equal(c->hours.always_open, cases[i].value);
		config_free(c);
	}
}

static void test_printers(void **state)
{
	struct config *c = parse_ok(MIN "[printer.lobby]\n"
					"driver = usb\n"
					"usb = 04b8:0E28\n"
					"codepage = cp1250\n"
					"columns = 42\n"
					"[printer.clone]\n"
					"driver = cups\n"
					"queue = kiosk\n"
					"codepage = CP1250\n"
					"codepage_number = 72\n"
					"[printer.net]\n"
					"driver = tcp\n"
					"host = printer.local\n"
					"[printer.net6]\n"
					"driver = TCP\n"
					"host = [fe80::1]:9101\n"
					"[printer.default]\n"
					"driver = file\n"
					"path = /dev/usb/lp0\n"
					"[printer.auto]\n"
					"driver = usb\n"
					"[printer.off]\n"
					"driver = none\n"
					"path = kept/but/unused\n"
					"[kiosk.k1]\n"
					"printer = net\n"
					"[kiosk.k2]\n");
	struct cfg_printer *p = c->printers;

	(void)state;
	assert_int_equal(c->n_printers, 7);
	assert_int_equal(p[0].driver, DRIVER_USB);
	assert_true(p[0].usb_match);
	assert_int_equal(p[0].usb_vid, 0x04b8);
	assert_int_equal(p[0].usb_pid, 0x0e28);
	assert_int_equal(p[0].codepage, CODEPAGE_CP1250);
	assert_int_equal(p[0].codepage_number, 45);
	assert_int_equal(p[0].columns, 42);
	assert_int_equal(p[1].driver, DRIVER_CUPS);
	assert_string_equal(p[1].queue, "kiosk");
	assert_int_equal(p[1].codepage_number, 72);
	assert_int_equal(p[2].driver, DRIVER_TCP);
	assert_string_equal(p[2].host, "printer.local:9100");
	assert_int_equal(p[2].codepage, CODEPAGE_CP852);
	assert_int_equal(p[2].codepage_number, 18);
	assert_int_equal(p[2].columns, 48);
	assert_string_equal(p[3].host, "[fe80::1]:9101");
	assert_int_equal(p[4].driver, DRIVER_FILE);
	assert_string_equal(p[4].path, "/dev/usb/lp0");
	assert_null(p[4].host);
	assert_int_equal(p[5].driver, DRIVER_USB);
	assert_false(p[5].usb_match);
	assert_int_equal(p[6].driver, DRIVER_NONE);
	assert_int_equal(c->kiosks[0].printer, 2);
	assert_int_equal(c->kiosks[1].printer, 4); /* "default" */
	config_free(c);
}

static void test_lookups(void **state)
{
	struct config *c =
		parse_ok(MIN "[service.SC]\nname = X\ninfo = Y\n"
			     "[counter.2]\nservices = A\ntoken = other-secret\n"
			     "[kiosk.k1]\n[kiosk.k2]\n");

	(void)state;
	assert_int_equal(config_service_index(c, "A"), 0);
	assert_int_equal(config_service_index(c, "SC"), 1);
	assert_int_equal(config_service_index(c, "a"), -1);
	assert_int_equal(config_service_index(c, ""), -1);
	assert_int_equal(config_service_index(c, NULL), -1);
	assert_int_equal(config_counter_index(c, "1"), 0);
	assert_int_equal(config_counter_index(c, "2"), 1);
	assert_int_equal(config_counter_index(c, "3"), -1);
	assert_int_equal(config_kiosk_index(c, "k2"), 1);
	assert_int_equal(config_kiosk_index(c, "k3"), -1);
	assert_int_equal(config_printer_index(c, "default"), 0);
	assert_int_equal(config_printer_index(c, "other"), -1);
	assert_int_equal(config_service_index(NULL, "A"), -1);
	config_free(c);
	config_free(NULL);

	assert_string_equal(printer_driver_name(DRIVER_NONE), "none");
	assert_string_equal(printer_driver_name(DRIVER_USB), "usb");
	assert_string_equal(printer_driver_name(DRIVER_CUPS), "cups");
	assert_string_equal(printer_driver_name(DRIVER_TCP), "tcp");
	assert_string_equal(printer_driver_name(DRIVER_FILE), "file");
}

/* inih's line buffer holds 199 bytes; the reader keeps one for the blank
 * that marks a continuation, so 198 bytes of content fit. */
static void test_line_length(void **state)
{
	char text[1024];
	struct config *c;
	int n;

	(void)state;
	/* "footer = " is 9 bytes: 189 x make 198. Blanks around don't count. */
	n = snprintf(text, sizeof(text), MIN "[office]\n   footer = %.189s  \n",
		     X150 X50);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	c = parse_ok(text);
	assert_int_equal(strlen(c->office.footer), 189);
	config_free(c);

	snprintf(text, sizeof(text), MIN "[office]\nfooter = %.190s\n",
		 X150 X50);
	expect_error(text, strlen(text), -EINVAL, 9,
		     "line too long: 199 bytes, at most 198");

	/* A long comment is no problem: inih never sees it. */
	snprintf(text, sizeof(text), MIN "; %s%s%s\n", X150, X150, X150);
	c = parse_ok(text);
	config_free(c);
}

static void test_nul_byte(void **state)
{
	static const char text[] = MIN "[office]\nname = a\0b\n";

	(void)state;
	expect_error(text, sizeof(text) - 1, -EINVAL, 9,
		     "control character 0x00");
}

/* A counter's services are a 64-bit mask: 64 services fit, 65 do not. */
static void test_service_limit(void **state)
{
	size_t size = 64 * 1024, len;
	char *text = malloc(size);
	struct config *c;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, size,
			       "[server]\nadmin_token = admin-secret\n"
			       "[counter.1]\nservices = S63\n"
			       "token = counter-secret\n");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(text + len, size - len,
					"[service.S%d]\nname = %d\n"
					"prefix = %c%c\n",
					i, i, 'A' + i / 26, 'A' + i % 26);
	c = parse_ok(text);
	assert_int_equal(c->n_services, 64);
	assert_int_equal(c->counters[0].services, UINT64_C(1) << 63);
	config_free(c);

	/* 5 lines, then 64 sections of 3 lines: the 65th starts at 198. */
	snprintf(text + len, size - len, "[service.S64]\nname = x\n");
	expect_error(text, strlen(text), -EINVAL, 198,
		     "too many [service.*] sections: at most 64");
	free(text);
}

static void test_parse_arguments(void **state)
{
	struct config *c = &sentinel;
	char err[CONFIG_ERR_MAX];
	char small[8];

	(void)state;
	assert_int_equal(config_parse(NULL, 1, NAME, &c, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		config_parse(MIN, strlen(MIN), NAME, NULL, err, sizeof(err)),
		-EINVAL);
	assert_ptr_equal(c, &sentinel);
	assert_int_equal(
		config_parse(MIN, 1024 * 1024 + 1, NAME, &c, err, sizeof(err)),
		-EFBIG);
	assert_string_equal(err, NAME ": larger than 1048576 bytes");
	assert_ptr_equal(c, &sentinel);

	/* No message buffer, or a small one, is fine. */
	assert_int_equal(config_parse("[x]", 3, NAME, &c, NULL, 0), -EINVAL);
	assert_int_equal(config_parse("[x]", 3, NAME, &c, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "test.co");
	assert_ptr_equal(c, &sentinel);
}

static void test_load_errors(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX";
	char path[256], err[CONFIG_ERR_MAX], want[300];
	struct config *c = &sentinel;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	assert_memory_equal(err, want, strlen(want));

	assert_int_equal(config_load(dir, &c, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: cannot read: ", dir);
	assert_memory_equal(err, want, strlen(want));

	/* The message names the file and the line. */
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(MIN "[policy]\nmax_wait = 0\n", f);
	fclose(f);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:9: [policy] max_wait = '0'", path);
	assert_memory_equal(err, want, strlen(want));
	assert_int_equal(unlink(path), 0);

	/* 1 MiB of comments and one byte more. */
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 1024 * 1024 / 64; i++)
		fputs(";" X50 "xxxxxxxxxxxx\n", f);
	fclose(f);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -EINVAL);
	f = fopen(path, "a");
	assert_non_null(f);
	fputc('\n', f);
	fclose(f);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err, want);
	assert_int_equal(unlink(path), 0);

	assert_ptr_equal(c, &sentinel);
	assert_int_equal(rmdir(dir), 0);
}

struct reported {
	char keys[8][48];
	size_t n;
};

static void note_key(void *userdata, const char *key)
{
	struct reported *r = userdata;

	assert_true(r->n < 8);
	snprintf(r->keys[r->n++], sizeof(r->keys[0]), "%s", key);
}

/* A reload keeps the running value of each key that needs a restart and
 * names it once; the other keys take the file's value. */
static void test_keep_running(void **state)
{
	struct config *old = parse_ok(MIN "listen = 127.0.0.1:8080\n"
					  "kiosk_clients = 10.0.0.2\n"
					  "[office]\nname = Vechi\n");
	struct reported rep = {0};
	struct config *nc;

	(void)state;
	nc = parse_ok(MIN "listen = 0.0.0.0:9090\nmax_event_streams = 8\n"
			  "kiosk_clients = 10.0.0.3, 10.0.0.4\n"
			  "chartjs_dir = /opt/chart.js\n"
			  "[storage]\ndatabase = other.db\n"
			  "[office]\nname = Nou\ntimezone = UTC\n");
	assert_int_equal(config_keep_running(nc, old, note_key, &rep), 0);
	assert_int_equal(rep.n, 6);
	assert_string_equal(rep.keys[0], "[server] listen");
	assert_string_equal(rep.keys[1], "[server] chartjs_dir");
	assert_string_equal(rep.keys[2], "[server] kiosk_clients");
	assert_string_equal(rep.keys[3], "[storage] database");
	assert_string_equal(rep.keys[4], "[office] timezone");
	assert_string_equal(rep.keys[5], "[server] max_event_streams");
	assert_string_equal(nc->server.chartjs_dir,
			    "/usr/share/javascript/chart.js");
	assert_string_equal(nc->server.listen_host, "127.0.0.1");
	assert_int_equal(nc->server.listen_port, 8080);
	assert_int_equal(nc->server.n_kiosk_clients, 1);
	assert_string_equal(nc->server.kiosk_clients[0], "10.0.0.2");
	assert_string_equal(nc->storage.database, old->storage.database);
	assert_string_equal(nc->office.timezone, "Europe/Bucharest");
	assert_int_equal(nc->server.max_event_streams,
			 old->server.max_event_streams);
	/* Not a restart key: the file's value. */
	assert_string_equal(nc->office.name, "Nou");
	/* The copies are the new config's own. */
	config_free(old);
	assert_string_equal(nc->server.listen_host, "127.0.0.1");
	rep.n = 0;
	old = parse_ok(MIN "listen = 127.0.0.1:8080\n"
			   "kiosk_clients = 10.0.0.2\n");
	assert_int_equal(config_keep_running(nc, old, note_key, &rep), 0);
	assert_int_equal(rep.n, 0);
	config_free(old);
	config_free(nc);
}

/* A reload keeps the SMS gateway it started with (the worker holds a copy
 * of it); when to text follows the file. */
static void test_keep_running_sms(void **state)
{
	struct config *old = parse_ok(MIN "[sms]\ndriver = http\n"
					  "url = https://a.example/send\n"
					  "notify_ahead = 2\n");
	struct reported rep = {0};
	struct config *nc;

	(void)state;
	nc = parse_ok(MIN "[sms]\ndriver = gammu\nnotify_ahead = 4\n"
			  "retries = 0\n");
	assert_int_equal(config_keep_running(nc, old, note_key, &rep), 0);
	assert_int_equal(rep.n, 3);
	assert_string_equal(rep.keys[0], "[sms] url");
	assert_string_equal(rep.keys[1], "[sms] driver");
	assert_string_equal(rep.keys[2], "[sms] retries");
	assert_int_equal(nc->sms.driver, CFG_SMS_HTTP);
	assert_int_equal(nc->sms.retries, 3);
	assert_int_equal(nc->sms.notify_ahead, 4);
	config_free(old);
	assert_string_equal(nc->sms.url, "https://a.example/send");
	config_free(nc);
}

/* 0.1's ticket_url with {id}: the daemon still starts, prints no QR code,
 * and says why at the line; a config without such a line warns nothing. */
static void test_warnings(void **state)
{
	(void)state;
	struct config *c = parse_ok(MIN "[office]\nticket_url = "
					"https://x.ro/t/{id}\n");

	assert_string_equal(c->office.ticket_url, "");
	assert_non_null(c->warnings);
	assert_string_equal(
		c->warnings,
		NAME ":9: warning: [office] ticket_url = 'https://x.ro/t/{id}': "
		     "{id} is no longer filled in (a ticket's id can be "
		     "guessed); tickets carry no QR code until it names "
		     "{token}, e.g. https://HOST/t/{token}\n");
	config_free(c);
	c = parse_ok(MIN "[office]\nticket_url = https://x.ro/t/{token}\n");
	assert_string_equal(c->office.ticket_url, "https://x.ro/t/{token}");
	assert_null(c->warnings);
	config_free(c);
	/* Both: {token} is filled in, {id} is left as written. */
	c = parse_ok(MIN "[office]\nticket_url = https://x.ro/{id}/{token}\n");
	assert_null(c->warnings);
	config_free(c);
}

static void test_printers_equal(void **state)
{
	struct config *a = parse_ok(MIN "[printer.p1]\ndriver = file\n"
					"path = /dev/usb/lp0\n");
	struct config *b = parse_ok(MIN "[printer.p1]\ndriver = file\n"
					"path = /dev/usb/lp0\n");
	struct config *c = parse_ok(MIN "[printer.p1]\ndriver = file\n"
					"path = /dev/usb/lp1\n");

	(void)state;
	assert_true(config_printers_equal(a, b));
	assert_false(config_printers_equal(a, c));
	config_free(a);
	config_free(b);
	config_free(c);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_keep_running),
		cmocka_unit_test(test_keep_running_sms),
		cmocka_unit_test(test_printers_equal),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_example_diacritics),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_supervisors),
		cmocka_unit_test(test_sms),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_printers),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_service_limit),
		cmocka_unit_test(test_parse_arguments),
		cmocka_unit_test(test_load_errors),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	size_t n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	struct CMUnitTest *tests = calloc(n_fixed + n_bad, sizeof(*tests));
	int failed;

	if (!tests)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	/* One test per bad input, named by its title. */
	for (size_t i = 0; i < n_bad; i++)
		tests[n_fixed + i] = (struct CMUnitTest){
			.name = bad_cases[i].title,
			.test_func = test_bad_case,
			.initial_state = &bad_cases[i],
		};
	failed = _cmocka_run_group_tests("config", tests, n_fixed + n_bad, NULL,
					 NULL);
	free(tests);
	return failed;
}
