/* Error codes and the per-thread error message slot.
 *
 * Functions return 0 on success and one of the negative codes below on
 * failure, after putting a human message in the calling thread's slot with
 * err_set(). Messages are lower case, without a trailing period, and quote
 * their subject: "cannot read blob 'sha256:ab12…': digest mismatch". */
#ifndef DREDGE_ERR_H
#define DREDGE_ERR_H

enum {
	DR_OK = 0,
	DR_ERROR = -1,        /* anything not listed below */
	DR_EUSAGE = -2,       /* bad command line or option value */
	DR_ENOTFOUND = -3,    /* image, tag, manifest, blob or file does not exist */
	DR_ENET = -4,         /* network or registry failure after retries */
	DR_EAUTH = -5,        /* authentication or authorization refused */
	DR_EDIGEST = -6,      /* content does not match its digest */
	DR_ELIMIT = -7,       /* a limit from limits.h was hit */
	DR_EFORMAT = -8,      /* malformed input: JSON, tar, gzip, reference */
	DR_EUNSUPPORTED = -9, /* well-formed but not supported (schema 1, …) */
	DR_EIO = -10,         /* local file system error */
	DR_ESTOP = -11,       /* a consumer asked to stop early; not an error */
};

/* Sets the calling thread's message from a printf format; returns code. */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with "context: "; returns code. */
int err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message ("" when none); valid until the next
 * err_set/err_wrap on this thread. */
const char *err_msg(void);

/* Clears the calling thread's message. */
void err_clear(void);

/* Copies another thread's message into this thread's slot (pipelines). */
void err_copy(const char *msg);

/* Process exit code for an error code; stable and documented in the README. */
int err_exit_code(int code);

/* A short stable name for a code ("digest-mismatch", "not-found", …). */
const char *err_code_name(int code);

#endif
