/* Arbitrary bytes as "UTF-8" through the code page converter, the word
 * wrapper and the encoder. Whatever comes in: the output is never longer
 * than the input and holds no control byte, every wrapped line fits, the
 * wrapper always ends, and the encoder's bytes parse as the commands it
 * knows with printable text between them, so text can never become a
 * command. The first input byte picks the encoder's options. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok)
{
	if (!ok)
		abort();
}

static int printable(enum codepage page, uint8_t b)
{
	if (b >= 0x80)
		return codepage_to_unicode(page, b) != 0;
	return b >= 0x20 && b != 0x7f;
}

static void check_wrap(const uint8_t *text, size_t n, size_t width)
{
	struct escpos_wrap w;
	size_t off, len, lines = 0, next = 0;

	escpos_wrap_init(&w, text, n, width);
	while (escpos_wrap_next(&w, &off, &len)) {
		require(len <= width);
		require(off >= next && off + len <= n);
		require(memchr(text + off, '\n', len) == NULL);
		require(len == 0 || text[off + len - 1] != ' ');
		next = off + len;
		/* At most one line per byte, and one more for an empty end:
		 * the wrapper makes progress. */
		require(++lines <= n + 1);
	}
}

static void check_converted(enum codepage page, const uint8_t *data,
			    size_t size)
{
	static const size_t widths[] = {1, 2, 5, 16, 32, 48};
	uint8_t *out = malloc(size ? size : 1);
	size_t n = 0;

	require(out != NULL);
	require(codepage_convert(page, (const char *)data, size, out, size,
				 &n) == 0);
	require(n <= size);
	for (size_t i = 0; i < n; i++)
		require(out[i] == '\n' || printable(page, out[i]));
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		check_wrap(out, n, widths[i]);
	free(out);
}

/* Walks the encoder's output: only its own commands, printable text. */
static void check_stream(enum codepage page, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (p[i] == 0x1b) {
			require(i + 1 < n);
			if (p[i + 1] == '@') {
				i += 2;
				continue;
			}
			require(p[i + 1] == 't' || p[i + 1] == 'a' ||
				p[i + 1] == 'E');
			i += 3;
		} else if (p[i] == 0x1c) {
			require(i + 1 < n && p[i + 1] == '.');
			i += 2;
		} else if (p[i] == 0x1d) {
			require(i + 2 < n);
			if (p[i + 1] == '!') {
				i += 3;
			} else if (p[i + 1] == 'V') {
				require(p[i + 2] == 65 || p[i + 2] == 66);
				i += 4;
			} else {
				require(p[i + 1] == '(' && p[i + 2] == 'k');
				require(i + 4 < n);
				i += 5 + (p[i + 3] | (size_t)p[i + 4] << 8);
			}
		} else {
			require(p[i] == '\n' || printable(page, p[i]));
			i++;
		}
	}
	require(i == n);
}

static void check_encoded(enum codepage page, uint8_t options, const char *text)
{
	const struct escpos_config cfg = {
		.codepage = page,
		.codepage_number = page == CODEPAGE_CP852 ? 18 : 45,
		.columns = options & 0x80 ? 48 : 32,
	};
	const struct escpos_item items[] = {
		{
			.type = ESCPOS_TEXT,
			.text = text,
			.align = (enum escpos_align)(options % 3),
			.bold = options & 0x04,
			.width = 1 + (options >> 3 & 0x07),
			.height = 1 + (options >> 4 & 0x07),
		},
		{
			.type = ESCPOS_QR,
			.text = text[0] ? text : "x",
			.module = 1 + (options & 0x0f),
			.level = (enum escpos_qr_level)(options >> 4 & 0x03),
		},
		{.type = ESCPOS_CUT},
	};
	struct escpos_buf out;

	escpos_buf_init(&out);
	require(escpos_encode(&cfg, items, 3, &out) == 0);
	require(out.len >= 7 && memcmp(out.data, "\x1b@\x1c.\x1bt", 6) == 0);
	check_stream(page, out.data, out.len);
	escpos_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Text and QR data at once: the shorter limit of the two. */
	static char text[ESCPOS_QR_MAX + 1];
	size_t len;

	check_converted(CODEPAGE_CP852, data, size);
	check_converted(CODEPAGE_CP1250, data, size);
	if (size == 0)
		return 0;
	len = size - 1 < ESCPOS_QR_MAX ? size - 1 : ESCPOS_QR_MAX;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	check_encoded(CODEPAGE_CP852, data[0], text);
	check_encoded(CODEPAGE_CP1250, data[0], text);
	return 0;
}
