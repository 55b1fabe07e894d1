/* UTF-8 to CP852 and CP1250. The tables of the two code pages list the
 * Unicode character of each byte from 0x80 to 0xFF, as glibc's iconv has
 * them; tests/unit/test_codepage.c checks every entry against iconv, and
 * tests/encoder/ checks the mapping against an independent encoder. */
#include "codepage.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* clang-format off */
static const uint16_t cp852_high[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x016f, 0x0107, 0x00e7,
	0x0142, 0x00eb, 0x0150, 0x0151, 0x00ee, 0x0179, 0x00c4, 0x0106,
	0x00c9, 0x0139, 0x013a, 0x00f4, 0x00f6, 0x013d, 0x013e, 0x015a,
	0x015b, 0x00d6, 0x00dc, 0x0164, 0x0165, 0x0141, 0x00d7, 0x010d,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x0104, 0x0105, 0x017d, 0x017e,
	0x0118, 0x0119, 0x00ac, 0x017a, 0x010c, 0x015f, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00c1, 0x00c2, 0x011a,
	0x015e, 0x2563, 0x2551, 0x2557, 0x255d, 0x017b, 0x017c, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x0102, 0x0103,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x00a4,
	0x0111, 0x0110, 0x010e, 0x00cb, 0x010f, 0x0147, 0x00cd, 0x00ce,
	0x011b, 0x2518, 0x250c, 0x2588, 0x2584, 0x0162, 0x016e, 0x2580,
	0x00d3, 0x00df, 0x00d4, 0x0143, 0x0144, 0x0148, 0x0160, 0x0161,
	0x0154, 0x00da, 0x0155, 0x0170, 0x00fd, 0x00dd, 0x0163, 0x00b4,
	0x00ad, 0x02dd, 0x02db, 0x02c7, 0x02d8, 0x00a7, 0x00f7, 0x00b8,
	0x00b0, 0x00a8, 0x02d9, 0x0171, 0x0158, 0x0159, 0x25a0, 0x00a0,
};
/* clang-format on */

/* Windows-1250; 0 marks the five bytes it leaves undefined. */
/* clang-format off */
static const uint16_t cp1250_high[128] = {
	0x20ac, 0x0000, 0x201a, 0x0000, 0x201e, 0x2026, 0x2020, 0x2021,
	0x0000, 0x2030, 0x0160, 0x2039, 0x015a, 0x0164, 0x017d, 0x0179,
	0x0000, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x0000, 0x2122, 0x0161, 0x203a, 0x015b, 0x0165, 0x017e, 0x017a,
	0x00a0, 0x02c7, 0x02d8, 0x0141, 0x00a4, 0x0104, 0x00a6, 0x00a7,
	0x00a8, 0x00a9, 0x015e, 0x00ab, 0x00ac, 0x00ad, 0x00ae, 0x017b,
	0x00b0, 0x00b1, 0x02db, 0x0142, 0x00b4, 0x00b5, 0x00b6, 0x00b7,
	0x00b8, 0x0105, 0x015f, 0x00bb, 0x013d, 0x02dd, 0x013e, 0x017c,
	0x0154, 0x00c1, 0x00c2, 0x0102, 0x00c4, 0x0139, 0x0106, 0x00c7,
	0x010c, 0x00c9, 0x0118, 0x00cb, 0x011a, 0x00cd, 0x00ce, 0x010e,
	0x0110, 0x0143, 0x0147, 0x00d3, 0x00d4, 0x0150, 0x00d6, 0x00d7,
	0x0158, 0x016e, 0x00da, 0x0170, 0x00dc, 0x00dd, 0x0162, 0x00df,
	0x0155, 0x00e1, 0x00e2, 0x0103, 0x00e4, 0x013a, 0x0107, 0x00e7,
	0x010d, 0x00e9, 0x0119, 0x00eb, 0x011b, 0x00ed, 0x00ee, 0x010f,
	0x0111, 0x0144, 0x0148, 0x00f3, 0x00f4, 0x0151, 0x00f6, 0x00f7,
	0x0159, 0x016f, 0x00fa, 0x0171, 0x00fc, 0x00fd, 0x0163, 0x02d9,
};
/* clang-format on */

/* Ş ş Ţ ţ for Ș ș Ț ț, U+0218 to U+021B. */
static const uint16_t cedilla[] = {0x015e, 0x015f, 0x0162, 0x0163};

struct fold {
	uint32_t cp;
	const char *to;
};

/* Folded before the code page is looked at, so that the same text prints
 * the same on both pages and on clones whose CP1250 lacks the typographic
 * range 0x80-0x9F. */
/* clang-format off */
static const struct fold folds_always[] = {
	{0x00a0, " "},   /* no-break space */
	{0x00ab, "\""},  /* « */
	{0x00ad, ""},    /* soft hyphen */
	{0x00bb, "\""},  /* » */
	{0x2000, " "}, {0x2001, " "}, {0x2002, " "}, {0x2003, " "},
	{0x2004, " "}, {0x2005, " "}, {0x2006, " "}, {0x2007, " "},
	{0x2008, " "}, {0x2009, " "}, {0x200a, " "},
	{0x200b, ""}, {0x200c, ""}, {0x200d, ""}, {0x200e, ""}, {0x200f, ""},
	{0x2010, "-"}, {0x2011, "-"}, {0x2012, "-"}, {0x2013, "-"},
	{0x2014, "-"}, {0x2015, "-"},
	{0x2018, "'"}, {0x2019, "'"}, {0x201a, "'"}, {0x201b, "'"},
	{0x201c, "\""}, {0x201d, "\""}, {0x201e, "\""}, {0x201f, "\""},
	{0x2026, "..."},
	{0x2032, "'"}, {0x2033, "\""},
	{0x2039, "'"}, {0x203a, "'"},
	{0x202f, " "},   /* narrow no-break space */
	{0x205f, " "},   /* medium mathematical space */
	{0x2060, ""},    /* word joiner */
	{0x2212, "-"},   /* minus sign */
	{0xfeff, ""},    /* byte order mark */
};
/* clang-format on */

/* Folded only when the code page lacks the character. */
/* clang-format off */
static const struct fold folds_missing[] = {
	{0x00c6, "AE"}, {0x00d0, "D"}, {0x00d8, "O"}, {0x00de, "TH"},
	{0x00e6, "ae"}, {0x00f0, "d"}, {0x00f8, "o"}, {0x00fe, "th"},
	{0x0110, "D"}, {0x0111, "d"}, {0x0126, "H"}, {0x0127, "h"},
	{0x0131, "i"}, {0x0132, "IJ"}, {0x0133, "ij"}, {0x013f, "L"},
	{0x0140, "l"}, {0x0141, "L"}, {0x0142, "l"}, {0x014a, "N"},
	{0x014b, "n"}, {0x0152, "OE"}, {0x0153, "oe"}, {0x0166, "T"},
	{0x0167, "t"}, {0x017f, "s"}, {0x0192, "f"},
	{0x20ac, "EUR"},
	{0x2122, "TM"},
};
/* clang-format on */

/* The base letter of each Latin letter with diacritics, from its canonical
 * decomposition (NFD); a space where there is none. */
/* clang-format off */
static const char latin_00c0[] =
	"AAAAAA CEEEEIIII" /* U+00C0 */
	" NOOOOO  UUUUY  " /* U+00D0 */
	"aaaaaa ceeeeiiii" /* U+00E0 */
	" nooooo  uuuuy y" /* U+00F0 */
	"AaAaAaCcCcCcCcDd" /* U+0100 */
	"  EeEeEeEeEeGgGg" /* U+0110 */
	"GgGgHh  IiIiIiIi" /* U+0120 */
	"I   JjKk LlLlLl " /* U+0130 */
	"   NnNnNn   OoOo" /* U+0140 */
	"Oo  RrRrRrSsSsSs" /* U+0150 */
	"SsTtTt  UuUuUuUu" /* U+0160 */
	"UuUuWwYyYZzZzZz " /* U+0170 */
	"                " /* U+0180 */
	"                " /* U+0190 */
	"Oo             U" /* U+01A0 */
	"u               " /* U+01B0 */
	"             AaI" /* U+01C0 */
	"iOoUuUuUuUuUu Aa" /* U+01D0 */
	"Aa    GgKkOoOo  " /* U+01E0 */
	"j   Gg  NnAa    " /* U+01F0 */
	"AaAaEeEeIiIiOoOo" /* U+0200 */
	"RrRrUuUuSsTt  Hh" /* U+0210 */
	"      AaEeOoOoOo" /* U+0220 */
	"OoYy            " /* U+0230 */
	"                ";/* U+0240 */
/* clang-format on */

/* clang-format off */
static const char latin_1e00[] =
	"AaBbBbBbCcDdDdDd" /* U+1E00 */
	"DdDdEeEeEeEeEeFf" /* U+1E10 */
	"GgHhHhHhHhHhIiIi" /* U+1E20 */
	"KkKkKkLlLlLlLlMm" /* U+1E30 */
	"MmMmNnNnNnNnOoOo" /* U+1E40 */
	"OoOoPpPpRrRrRrRr" /* U+1E50 */
	"SsSsSsSsSsTtTtTt" /* U+1E60 */
	"TtUuUuUuUuUuVvVv" /* U+1E70 */
	"WwWwWwWwWwXxXxYy" /* U+1E80 */
	"ZzZzZzhtwy      " /* U+1E90 */
	"AaAaAaAaAaAaAaAa" /* U+1EA0 */
	"AaAaAaAaEeEeEeEe" /* U+1EB0 */
	"EeEeEeEeIiIiOoOo" /* U+1EC0 */
	"OoOoOoOoOoOoOoOo" /* U+1ED0 */
	"OoOoUuUuUuUuUuUu" /* U+1EE0 */
	"UuYyYyYyYy      ";/* U+1EF0 */
/* clang-format on */

/* An ASCII letter and a combining mark that compose (NFC) into a letter one
 * of the two code pages has; other marks are dropped, which leaves the base
 * letter, as the fold of a precomposed letter would. */
struct compose {
	uint8_t base;
	uint16_t mark;
	uint16_t composed;
};

/* clang-format off */
static const struct compose compositions[] = {
	{0x41, 0x0301, 0x00c1}, /* Á */ {0x41, 0x0302, 0x00c2}, /* Â */
	{0x41, 0x0306, 0x0102}, /* Ă */ {0x41, 0x0308, 0x00c4}, /* Ä */
	{0x41, 0x0328, 0x0104}, /* Ą */ {0x43, 0x0301, 0x0106}, /* Ć */
	{0x43, 0x030c, 0x010c}, /* Č */ {0x43, 0x0327, 0x00c7}, /* Ç */
	{0x44, 0x030c, 0x010e}, /* Ď */ {0x45, 0x0301, 0x00c9}, /* É */
	{0x45, 0x0308, 0x00cb}, /* Ë */ {0x45, 0x030c, 0x011a}, /* Ě */
	{0x45, 0x0328, 0x0118}, /* Ę */ {0x49, 0x0301, 0x00cd}, /* Í */
	{0x49, 0x0302, 0x00ce}, /* Î */ {0x4c, 0x0301, 0x0139}, /* Ĺ */
	{0x4c, 0x030c, 0x013d}, /* Ľ */ {0x4e, 0x0301, 0x0143}, /* Ń */
	{0x4e, 0x030c, 0x0147}, /* Ň */ {0x4f, 0x0301, 0x00d3}, /* Ó */
	{0x4f, 0x0302, 0x00d4}, /* Ô */ {0x4f, 0x0308, 0x00d6}, /* Ö */
	{0x4f, 0x030b, 0x0150}, /* Ő */ {0x52, 0x0301, 0x0154}, /* Ŕ */
	{0x52, 0x030c, 0x0158}, /* Ř */ {0x53, 0x0301, 0x015a}, /* Ś */
	{0x53, 0x030c, 0x0160}, /* Š */ {0x53, 0x0326, 0x0218}, /* Ș */
	{0x53, 0x0327, 0x015e}, /* Ş */ {0x54, 0x030c, 0x0164}, /* Ť */
	{0x54, 0x0326, 0x021a}, /* Ț */ {0x54, 0x0327, 0x0162}, /* Ţ */
	{0x55, 0x0301, 0x00da}, /* Ú */ {0x55, 0x0308, 0x00dc}, /* Ü */
	{0x55, 0x030a, 0x016e}, /* Ů */ {0x55, 0x030b, 0x0170}, /* Ű */
	{0x59, 0x0301, 0x00dd}, /* Ý */ {0x5a, 0x0301, 0x0179}, /* Ź */
	{0x5a, 0x0307, 0x017b}, /* Ż */ {0x5a, 0x030c, 0x017d}, /* Ž */
	{0x61, 0x0301, 0x00e1}, /* á */ {0x61, 0x0302, 0x00e2}, /* â */
	{0x61, 0x0306, 0x0103}, /* ă */ {0x61, 0x0308, 0x00e4}, /* ä */
	{0x61, 0x0328, 0x0105}, /* ą */ {0x63, 0x0301, 0x0107}, /* ć */
	{0x63, 0x030c, 0x010d}, /* č */ {0x63, 0x0327, 0x00e7}, /* ç */
	{0x64, 0x030c, 0x010f}, /* ď */ {0x65, 0x0301, 0x00e9}, /* é */
	{0x65, 0x0308, 0x00eb}, /* ë */ {0x65, 0x030c, 0x011b}, /* ě */
	{0x65, 0x0328, 0x0119}, /* ę */ {0x69, 0x0301, 0x00ed}, /* í */
	{0x69, 0x0302, 0x00ee}, /* î */ {0x6c, 0x0301, 0x013a}, /* ĺ */
	{0x6c, 0x030c, 0x013e}, /* ľ */ {0x6e, 0x0301, 0x0144}, /* ń */
	{0x6e, 0x030c, 0x0148}, /* ň */ {0x6f, 0x0301, 0x00f3}, /* ó */
	{0x6f, 0x0302, 0x00f4}, /* ô */ {0x6f, 0x0308, 0x00f6}, /* ö */
	{0x6f, 0x030b, 0x0151}, /* ő */ {0x72, 0x0301, 0x0155}, /* ŕ */
	{0x72, 0x030c, 0x0159}, /* ř */ {0x73, 0x0301, 0x015b}, /* ś */
	{0x73, 0x030c, 0x0161}, /* š */ {0x73, 0x0326, 0x0219}, /* ș */
	{0x73, 0x0327, 0x015f}, /* ş */ {0x74, 0x030c, 0x0165}, /* ť */
	{0x74, 0x0326, 0x021b}, /* ț */ {0x74, 0x0327, 0x0163}, /* ţ */
	{0x75, 0x0301, 0x00fa}, /* ú */ {0x75, 0x0308, 0x00fc}, /* ü */
	{0x75, 0x030a, 0x016f}, /* ů */ {0x75, 0x030b, 0x0171}, /* ű */
	{0x79, 0x0301, 0x00fd}, /* ý */ {0x7a, 0x0301, 0x017a}, /* ź */
	{0x7a, 0x0307, 0x017c}, /* ż */ {0x7a, 0x030c, 0x017e}, /* ž */
};
/* clang-format on */

int codepage_from_name(const char *name, enum codepage *ret_page)
{
	if (!name)
		return -EINVAL;
	if (strcmp(name, "cp852") == 0) {
		*ret_page = CODEPAGE_CP852;
		return 0;
	}
	if (strcmp(name, "cp1250") == 0) {
		*ret_page = CODEPAGE_CP1250;
		return 0;
	}
	return -EINVAL;
}

const char *codepage_name(enum codepage page)
{
	return page == CODEPAGE_CP1250 ? "cp1250" : "cp852";
}

unsigned codepage_epson_number(enum codepage page)
{
	return page == CODEPAGE_CP1250 ? 45 : 18;
}

static const uint16_t *high_table(enum codepage page)
{
	return page == CODEPAGE_CP1250 ? cp1250_high : cp852_high;
}

uint32_t codepage_to_unicode(enum codepage page, uint8_t b)
{
	if (b >= 0x20 && b < 0x7f)
		return b;
	if (b < 0x80)
		return 0;
	return high_table(page)[b - 0x80];
}

static const struct fold *find_fold(const struct fold *table, size_t n,
				    uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].cp == cp)
			return &table[i];
	return NULL;
}

static bool page_byte(enum codepage page, uint32_t cp, uint8_t *ret_b)
{
	const uint16_t *high = high_table(page);

	if (cp == 0)
		return false;
	for (size_t i = 0; i < 128; i++) {
		if (high[i] == cp) {
			*ret_b = (uint8_t)(0x80 + i);
			return true;
		}
	}
	return false;
}

static char latin_base(uint32_t cp)
{
	char c = ' ';

	if (cp >= 0xc0 && cp < 0xc0 + sizeof(latin_00c0) - 1)
		c = latin_00c0[cp - 0xc0];
	else if (cp >= 0x1e00 && cp < 0x1e00 + sizeof(latin_1e00) - 1)
		c = latin_1e00[cp - 0x1e00];
	return c;
}

static bool is_combining(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) ||
	       (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) || /* variation selectors */
	       (cp >= 0xfe20 && cp <= 0xfe2f);
}

static size_t put_string(const char *s, uint8_t out[CODEPAGE_MAX_BYTES])
{
	size_t n = strlen(s);

	memcpy(out, s, n);
	return n;
}

size_t codepage_map(enum codepage page, uint32_t cp,
		    uint8_t out[CODEPAGE_MAX_BYTES])
{
	const struct fold *f;
	uint8_t b;
	char base;

	if (cp >= 0x20 && cp < 0x7f) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp == '\n' || cp == '\t') {
		out[0] = cp == '\n' ? '\n' : ' ';
		return 1;
	}
	if (is_combining(cp))
		return 0;
	/* Romanian ș ț (comma below) are in neither code page; ş ţ
	 * (cedilla), which Romanian used before 2003, are in both. */
	if (cp >= 0x0218 && cp <= 0x021b)
		cp = cedilla[cp - 0x0218];
	f = find_fold(folds_always, ARRAY_SIZE(folds_always), cp);
	if (f)
		return put_string(f->to, out);
	if (page_byte(page, cp, &b)) {
		out[0] = b;
		return 1;
	}
	f = find_fold(folds_missing, ARRAY_SIZE(folds_missing), cp);
	if (f)
		return put_string(f->to, out);
	base = latin_base(cp);
	if (base != ' ') {
		out[0] = (uint8_t)base;
		return 1;
	}
	out[0] = CODEPAGE_SUBSTITUTE;
	return 1;
}

static uint32_t compose(uint32_t base, uint32_t mark)
{
	for (size_t i = 0; i < ARRAY_SIZE(compositions); i++) {
		if (compositions[i].base == base &&
		    compositions[i].mark == mark)
			return compositions[i].composed;
	}
	return 0;
}

int codepage_convert(enum codepage page, const char *in, size_t len,
		     uint8_t *out, size_t outsize, size_t *ret_len)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t i = 0, o = 0;

	while (i < len) {
		uint8_t bytes[CODEPAGE_MAX_BYTES];
		uint32_t cp, mark;
		size_t n;

		i += text_utf8_next(s + i, len - i, &cp);
		if (cp == TEXT_INVALID) {
			bytes[0] = CODEPAGE_SUBSTITUTE;
			n = 1;
		} else {
			/* A letter and the combining mark after it in one,
			 * where a code page has the composed letter; further
			 * marks are dropped ("a" + breve + acute is ă). */
			if (i < len && cp < 0x80) {
				size_t k = text_utf8_next(s + i, len - i,
							      &mark);
				/* Most letters have no mark after them: the
				 * table is searched only when one follows. */
				uint32_t c = is_combining(mark)
						     ? compose(cp, mark)
						     : 0;

				if (c) {
					cp = c;
					i += k;
				}
			}
			n = codepage_map(page, cp, bytes);
		}
		if (n > outsize - o)
			return -ENOBUFS;
		memcpy(out + o, bytes, n);
		o += n;
	}
	*ret_len = o;
	return 0;
}
