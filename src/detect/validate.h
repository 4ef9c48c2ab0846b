/* Secret validators: structural checks that a rule's matched value is the
 * credential it claims to be (a private key that parses, a token whose
 * checksum holds, a password that is not a placeholder), named in rule packs
 * by `validate:`.
 *
 * A validator never drops a credential-shaped value merely because it looks
 * like a documented example or a placeholder: it returns VALIDATION_WEAK with
 * status ST_EXAMPLE and a low severity. VALIDATION_REJECT means the value is
 * not a credential at all (a variable reference, code, a value of the wrong
 * shape). */
#ifndef DREDGE_VALIDATE_H
#define DREDGE_VALIDATE_H

#include "detect/finding.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum validation_result { VALIDATION_OK, VALIDATION_WEAK, VALIDATION_REJECT };

struct validation {
	enum validation_result result; /* OK: keep; WEAK: keep, lower severity (e.g. bad CRC,
	                                  placeholder, documented example); REJECT: not a match */
	enum severity severity;        /* for WEAK: the severity to report */
	enum finding_status status;    /* ST_ACTIVE or ST_EXAMPLE */
	char reason[128];              /* appended to the title/evidence when not empty */
};

/* value/len: the extracted value (the rule's secret group), not
 * NUL-terminated. context/context_len: the bytes of the scanned text around
 * the match (at least the rule's window before the match end, the match
 * included); may be NULL/0. A validator reads only these bytes, writes only
 * *out, and is safe to call from several threads at once. */
typedef void (*validator_fn)(struct validation *out, const char *value, size_t len,
                             const char *context, size_t context_len);

/* The validator called name, or NULL (rules with an unknown validator fail to load). */
validator_fn validator_find(const char *name);

/* Names of all validators, NULL-terminated (for `rules list` and help). */
extern const char *const validator_names[];

/* True when path lies in a test-fixture location (a tests/, testdata/,
 * fixtures/, spec/ or examples/ directory, a *_test.go or test_*.py file, …):
 * secrets found there are downgraded to status example by the engine. */
bool secret_path_is_fixture(const char *path);

/* True when the value is a variable reference or template expression rather
 * than a literal: ${VAR}, $VAR, {{ var }}, %VAR%, #{x}, <%= x %>, env(...). */
bool secret_is_reference(const char *v, size_t len);

/* True when the literal value is a placeholder or documentation value:
 * <your-key>, xxxx, ****, changeme, "password", "example", "dummy",
 * repeated or sequential characters, your_api_key_here and the like. */
bool secret_is_placeholder(const char *v, size_t len);

/* Shannon entropy of the bytes in bits per byte (0 for an empty value). */
double secret_entropy(const char *v, size_t len);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of data. */
uint32_t secret_crc32(const void *data, size_t len);

/* Writes n as 6 base62 digits (0-9A-Za-z, left-padded with '0'), the
 * checksum suffix of GitHub and npm tokens; out receives 7 bytes. */
void secret_base62_crc(char out[7], uint32_t n);

#endif
