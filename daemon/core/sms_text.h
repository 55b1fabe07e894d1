/* The words of the citizen's text messages, in Romanian and safe for the
 * GSM 7-bit alphabet: phones on a GSM network show ă â î ș ț only in a
 * UCS-2 message of 70 characters, so the text is transliterated (ș -> s)
 * and stays one 160-character message as a rule. */
#ifndef BONOMAT_SMS_TEXT_H
#define BONOMAT_SMS_TEXT_H

#include <stddef.h>

/* The longest message the daemon composes, bytes (three parts). */
#define SMS_TEXT_MAX 459

/* What a message is about; the names are the event log's detail. */
enum sms_kind {
	SMS_NEAR,   /* the turn is near */
	SMS_CALLED, /* called to a counter */
};

const char *sms_kind_name(enum sms_kind k);

/* Transliterates UTF-8 text into the characters of the GSM 7-bit basic
 * set that are also ASCII: Romanian letters lose their marks, dashes and
 * quotes become - and ", the extension set's characters ([ ] { } \ ^ ~ |)
 * and anything else become safe neighbours or '?'. Writes at most size - 1
 * bytes and a NUL (size >= 1); returns the length written. */
size_t sms_text_gsm7(const char *s, char *buf, size_t size);

/* "Bonul A012: se apropie randul ..." with the people ahead and the
 * estimated wait (minutes < 0: unknown). Returns the length. */
size_t sms_text_near(const char *number, int ahead, int minutes, char *buf,
		     size_t size);
/* "A012, Ghiseul 3: este randul dumneavoastra." */
size_t sms_text_called(const char *number, const char *counter, char *buf,
		       size_t size);

#endif
