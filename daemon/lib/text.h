/* Text as it comes from clients, files and configs: the one strict UTF-8
 * decoder of the project, quoting of untrusted text for messages and logs,
 * percent-decoding of URIs and trimming. No allocation, no logging; every
 * layer, the drivers included, may use it. */
#ifndef BONOMAT_TEXT_H
#define BONOMAT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What text_utf8_next() yields for a byte that starts no valid sequence. */
#define TEXT_INVALID UINT32_C(0xFFFFFFFF)

/* Decodes the character at s (len >= 1 bytes left) into *ret_cp and
 * returns its length. Strict as RFC 3629 and jansson: no overlong forms,
 * no surrogates, nothing past U+10FFFF, no truncated sequence. An invalid
 * byte yields TEXT_INVALID and length 1, so that a caller moves on. */
size_t text_utf8_next(const uint8_t *s, size_t len, uint32_t *ret_cp);

/* The length of the valid character at s, or 0 when it is invalid. */
size_t text_utf8_len(const char *s, size_t len);

/* The length of the longest prefix of s[0..len) that is valid UTF-8. */
size_t text_utf8_prefix(const char *s, size_t len);

/* True for the characters a terminal or a page must not be handed raw:
 * C0 controls, DEL and the C1 controls U+0080-U+009F. */
bool text_is_control(uint32_t cp);

/* Truncates a NUL-terminated string that was cut (by snprintf, say) in
 * the middle of a UTF-8 sequence back to the last whole character. */
void text_utf8_cut(char *s);

/* Quotes untrusted text for a message or a log line: "..." around it,
 * '"' and '\' escaped with '\', controls, DEL, C1 controls and invalid
 * UTF-8 written as \xNN, everything else (accents included) kept. What
 * does not fit in size bytes is cut at a character boundary and marked
 * "...". size must be at least 8; the result is always terminated.
 * Returns the length written. */
size_t text_quote(char *buf, size_t size, const char *s, size_t len);

enum text_percent_flags {
	TEXT_PERCENT_PLUS_SPACE = 1 << 0, /* '+' means ' ' (query strings) */
	TEXT_PERCENT_NO_CONTROL = 1 << 1, /* refuse decoded C0 and DEL */
};

/* Percent-decodes s[0..len) into buf (size bytes, NUL-terminated) and
 * sets *ret_len. -EINVAL for a malformed escape or an encoded NUL (never
 * guessed at), or a control character under TEXT_PERCENT_NO_CONTROL;
 * -E2BIG when the result does not fit. buf is unspecified on failure. */
int text_percent_decode(const char *s, size_t len, unsigned flags, char *buf,
			size_t size, size_t *ret_len);

/* Drops spaces and tabs at both ends of s[0..*len). */
void text_trim(const char **s, size_t *len);

#endif
