/* UTF-8 to the single-byte code pages of ESC/POS printers: CP852 and
 * CP1250. Every character becomes printable bytes or nothing, never a
 * control byte that a printer would take for a command. */
#ifndef BONOMAT_CODEPAGE_H
#define BONOMAT_CODEPAGE_H

#include <stddef.h>
#include <stdint.h>

enum codepage {
	CODEPAGE_CP852,
	CODEPAGE_CP1250,
};

/* What is printed for a character that neither the code page nor a fold
 * can show (Cyrillic, CJK, emoji, control characters), and for each byte
 * of invalid UTF-8: an underscore, the same byte in both code pages. It is
 * visibly a gap, where a '?' would look like part of the text or a bug. */
#define CODEPAGE_SUBSTITUTE '_'

/* The most bytes that one code point becomes ("...", "EUR"). */
#define CODEPAGE_MAX_BYTES 3

/* "cp852" or "cp1250"; -EINVAL for anything else. */
int codepage_from_name(const char *name, enum codepage *ret_page);
const char *codepage_name(enum codepage page);

/* The ESC t number of Epson printers: 18 for CP852, 45 for WPC1250. Many
 * clones use 72 for CP1250, so the number is configurable per printer. */
unsigned codepage_epson_number(enum codepage page);

/* The Unicode character that byte b shows in page, 0 where the code page
 * leaves b undefined (or b is a control byte). */
uint32_t codepage_to_unicode(enum codepage page, uint8_t b);

/* Maps one code point: writes 0 to CODEPAGE_MAX_BYTES bytes to out and
 * returns their number. In order: printable ASCII is itself, '\n' stays a
 * line break and '\t' becomes a space; ș ț Ș Ț (comma below) become ş ţ Ş
 * Ţ (cedilla); typographic quotes, « » and primes fold to " and ', dashes
 * and the minus sign to -, the ellipsis to "...", no-break and other wide
 * spaces to a space, and zero-width characters (soft hyphen, joiners,
 * combining marks, variation selectors, BOM) to nothing; then the code
 * page itself; then € as "EUR" and ™ as "TM" where the page lacks them,
 * Latin letters with diacritics as their base letter (ñ n, è e) and
 * ligatures as two letters (æ ae, œ oe); anything else is
 * CODEPAGE_SUBSTITUTE. No character yields more bytes than its UTF-8
 * form has. */
size_t codepage_map(enum codepage page, uint32_t cp,
		    uint8_t out[CODEPAGE_MAX_BYTES]);

/* Converts len bytes of UTF-8 (NULs and invalid bytes included: each bad
 * byte is one CODEPAGE_SUBSTITUTE) into out. A base letter followed by
 * combining marks is composed first ("s" U+0326 prints as ş), so text in
 * decomposed form prints as in composed form. The output is never longer
 * than the input, so outsize >= len always suffices; -ENOBUFS when out is
 * too small, and *ret_len is then untouched. Output bytes are '\n', 0x20 to
 * 0x7E, or a byte that the code page defines. */
int codepage_convert(enum codepage page, const char *in, size_t len,
		     uint8_t *out, size_t outsize, size_t *ret_len);

#endif
