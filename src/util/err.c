#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MSG_MAX 1024

static _Thread_local char err_slot[ERR_MSG_MAX];

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_slot, sizeof(err_slot), fmt, ap);
	va_end(ap);
	return code;
}

int err_wrap(int code, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err_slot, sizeof(old));
	{
		size_t n = strlen(prefix), m = strlen(old);

		if (m && n + 2 < sizeof(err_slot)) {
			memcpy(prefix + n, ": ", 3);
			n += 2;
			if (m > sizeof(err_slot) - 1 - n)
				m = sizeof(err_slot) - 1 - n;
			memcpy(prefix + n, old, m);
			n += m;
		}
		prefix[n] = '\0';
		memcpy(err_slot, prefix, n + 1);
	}
	return code;
}

const char *err_msg(void)
{
	return err_slot;
}

void err_clear(void)
{
	err_slot[0] = '\0';
}

void err_copy(const char *msg)
{
	snprintf(err_slot, sizeof(err_slot), "%s", msg ? msg : "");
}

int err_exit_code(int code)
{
	switch (code) {
	case DR_OK:
	case DR_ESTOP:
		return 0;
	case DR_EUSAGE:
		return 2;
	case DR_ENOTFOUND:
		return 3;
	case DR_ENET:
		return 4;
	case DR_EAUTH:
		return 5;
	case DR_EDIGEST:
		return 6;
	case DR_ELIMIT:
		return 7;
	case DR_EFORMAT:
		return 8;
	case DR_EUNSUPPORTED:
		return 9;
	case DR_EIO:
		return 10;
	default:
		return 1;
	}
}

const char *err_code_name(int code)
{
	switch (code) {
	case DR_OK:
		return "ok";
	case DR_EUSAGE:
		return "usage";
	case DR_ENOTFOUND:
		return "not-found";
	case DR_ENET:
		return "network";
	case DR_EAUTH:
		return "auth";
	case DR_EDIGEST:
		return "digest-mismatch";
	case DR_ELIMIT:
		return "limit";
	case DR_EFORMAT:
		return "malformed";
	case DR_EUNSUPPORTED:
		return "unsupported";
	case DR_EIO:
		return "io";
	case DR_ESTOP:
		return "stopped";
	default:
		return "error";
	}
}
