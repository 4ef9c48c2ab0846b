/* Dockerfile instructions from history created_by strings, as written by the
 * classic builder ("/bin/sh -c #(nop)  CMD [\"sh\"]", "|2 A=1 B=2 /bin/sh -c
 * make"), BuildKit ("RUN /bin/sh -c make # buildkit", "ENV A=b") and tools
 * that follow either. */
#include "image/manifest.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

#define NO_INSTRUCTION "# (no instruction recorded)"

static const char *const keywords[] = {
    "ADD",        "ARG",     "CMD", "COPY",  "ENTRYPOINT", "ENV",  "EXPOSE", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",     NULL,
};

/* A span of the input. */
struct span {
	const char *p;
	const char *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static struct span trim(struct span s)
{
	while (s.p < s.end && is_blank(*s.p))
		s.p++;
	while (s.end > s.p && is_blank(s.end[-1]))
		s.end--;
	return s;
}

static size_t span_len(struct span s)
{
	return (size_t)(s.end - s.p);
}

static bool span_starts(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);

	return span_len(s) >= n && !memcmp(s.p, prefix, n);
}

static bool span_ends(struct span s, const char *suffix)
{
	size_t n = strlen(suffix);

	return span_len(s) >= n && !memcmp(s.end - n, suffix, n);
}

/* The next space-delimited token of s; *rest is what follows its space. */
static struct span token(struct span s, struct span *rest)
{
	struct span t = {s.p, s.p};

	while (t.end < s.end && *t.end != ' ')
		t.end++;
	rest->p = t.end < s.end ? t.end + 1 : t.end;
	rest->end = s.end;
	return t;
}

static bool span_eq(struct span s, const char *w)
{
	return span_len(s) == strlen(w) && !memcmp(s.p, w, span_len(s));
}

static const char *keyword_of(struct span s)
{
	struct span rest;
	struct span t = token(s, &rest);

	for (size_t i = 0; keywords[i]; i++)
		if (span_eq(t, keywords[i]))
			return keywords[i];
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void add_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | ((cp >> 18) & 0x07)));
		buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Decodes one Go-quoted literal ("…" or '…') at *p into out; advances *p
 * past the closing quote. False when it is not a well-formed literal. */
static bool go_unquote(struct buf *out, const char **p, const char *end)
{
	const char *s = *p;
	char q;

	if (s >= end || (*s != '"' && *s != '\''))
		return false;
	q = *s++;
	while (s < end && *s != q) {
		unsigned long cp = 0;
		int digits = 0;

		if (*s != '\\') {
			buf_addc(out, *s++);
			continue;
		}
		if (++s >= end)
			return false;
		switch (*s++) {
		case 'a':
			buf_addc(out, '\a');
			continue;
		case 'b':
			buf_addc(out, '\b');
			continue;
		case 'f':
			buf_addc(out, '\f');
			continue;
		case 'n':
			buf_addc(out, '\n');
			continue;
		case 'r':
			buf_addc(out, '\r');
			continue;
		case 't':
			buf_addc(out, '\t');
			continue;
		case 'v':
			buf_addc(out, '\v');
			continue;
		case '\\':
			buf_addc(out, '\\');
			continue;
		case '"':
			buf_addc(out, '"');
			continue;
		case '\'':
			buf_addc(out, '\'');
			continue;
		case 'x':
			digits = 2;
			break;
		case 'u':
			digits = 4;
			break;
		case 'U':
			digits = 8;
			break;
		default:
			if (s[-1] >= '0' && s[-1] <= '7' && end - s >= 2 && s[0] >= '0' &&
			    s[0] <= '7' && s[1] >= '0' && s[1] <= '7') {
				cp = (unsigned long)(s[-1] - '0') * 64 +
				     (unsigned long)(s[0] - '0') * 8 + (unsigned long)(s[1] - '0');
				if (cp > 255)
					return false;
				buf_addc(out, (char)cp);
				s += 2;
				continue;
			}
			return false;
		}
		if (end - s < digits)
			return false;
		for (int i = 0; i < digits; i++) {
			int h = hexval(s[i]);

			if (h < 0)
				return false;
			cp = cp * 16 + (unsigned long)h;
		}
		s += digits;
		if (digits == 2)
			buf_addc(out, (char)cp);
		else if (cp > 0x10ffff)
			return false;
		else
			add_utf8(out, cp);
	}
	if (s >= end)
		return false;
	*p = s + 1;
	return true;
}

/* "[a b]" (Go %v) or "[\"a\" \"b\"]" (Go %q, commas tolerated) as the
 * JSON array form of Dockerfile exec syntax; false when s is neither. */
static bool list_to_json(struct buf *out, struct span s)
{
	struct buf item = BUF_INIT;
	const char *p = s.p + 1;
	const char *end = s.end - 1;
	size_t n = 0;
	bool ok = false;

	if (span_len(s) < 2 || *s.p != '[' || s.end[-1] != ']')
		return false;
	buf_addc(out, '[');
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p == end)
			break;
		buf_reset(&item);
		if (*p == '"') {
			if (!go_unquote(&item, &p, end))
				goto done;
		} else {
			const char *q = p;

			while (q < end && *q != ' ')
				q++;
			if (memchr(p, '"', (size_t)(q - p)))
				goto done;
			buf_add(&item, p, (size_t)(q - p));
			p = q;
		}
		if (n++)
			buf_adds(out, ", ");
		buf_add_json_str(out, item.ptr ? item.ptr : "", item.len);
	}
	buf_addc(out, ']');
	ok = true;
done:
	buf_release(&item);
	return ok;
}

/* HEALTHCHECK &{["CMD-SHELL" "curl -f http://x/"] "30s" "10s" "0s" '\x03'}
 * (Go %q of the health config) as Dockerfile syntax. */
static bool healthcheck(struct buf *out, struct span s)
{
	static const char *const opt[] = {"interval", "timeout", "start-period", "start-interval"};
	struct buf test = BUF_INIT, item = BUF_INIT;
	const char *p, *close;
	const char *args[64];
	size_t argoff[64];
	size_t n = 0, n_dur = 0;
	unsigned long retries = 0;
	bool ok = false;

	if (!span_starts(s, "&{[") || s.end[-1] != '}')
		return false;
	p = s.p + 3;
	for (;;) {
		while (p < s.end && *p == ' ')
			p++;
		if (p < s.end && *p == ']')
			break;
		if (n == 64 || !go_unquote(&test, &p, s.end))
			goto done;
		buf_addc(&test, '\0');
		argoff[n++] = test.len;
	}
	p++;
	close = s.end - 1;
	while (p < close) {
		while (p < close && *p == ' ')
			p++;
		if (p == close)
			break;
		buf_reset(&item);
		if (*p == '"') {
			if (!go_unquote(&item, &p, close) || n_dur == 4)
				goto done;
			if (item.len && strcmp(item.ptr, "0s"))
				buf_addf(out, "%s--%s=%s", out->len ? " " : "", opt[n_dur],
				         item.ptr);
			n_dur++;
		} else if (*p == '\'') {
			if (!go_unquote(&item, &p, close) || item.len != 1)
				goto done;
			retries = (unsigned char)item.ptr[0];
		} else {
			goto done;
		}
	}
	if (n == 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		args[i] = test.ptr + (i ? argoff[i - 1] : 0);
	if (retries)
		buf_addf(out, "%s--retries=%lu", out->len ? " " : "", retries);
	if (!strcmp(args[0], "NONE")) {
		buf_reset(out);
		buf_adds(out, "NONE");
		ok = true;
	} else if (!strcmp(args[0], "CMD-SHELL") && n >= 2) {
		buf_addf(out, "%sCMD", out->len ? " " : "");
		for (size_t i = 1; i < n; i++)
			buf_addf(out, " %s", args[i]);
		ok = true;
	} else if (!strcmp(args[0], "CMD")) {
		buf_addf(out, "%sCMD [", out->len ? " " : "");
		for (size_t i = 1; i < n; i++) {
			if (i > 1)
				buf_adds(out, ", ");
			buf_add_json_str(out, args[i], strlen(args[i]));
		}
		buf_addc(out, ']');
		ok = true;
	}
done:
	buf_release(&test);
	buf_release(&item);
	return ok;
}

/* An instruction recorded as text ("CMD [\"sh\"]", "ADD file:… in / "). */
static void add_meta(struct buf *b, struct span s)
{
	const char *kw = keyword_of(s);
	struct span rest, arg;
	struct buf tmp = BUF_INIT;

	s = trim(s);
	token(s, &rest);
	rest = trim(rest);
	if (!kw) {
		buf_add(b, s.p, span_len(s));
	} else if ((!strcmp(kw, "ADD") || !strcmp(kw, "COPY")) &&
	           (span_starts(rest, "file:") || span_starts(rest, "dir:") ||
	            span_starts(rest, "multi:")) &&
	           (arg = token(rest, &rest), span_starts(rest, "in "))) {
		/* classic builder: "ADD file:<hash> in <dest> " */
		rest.p += 3;
		rest = trim(rest);
		buf_addf(b, "%s %.*s %.*s", kw, (int)span_len(arg), arg.p, (int)span_len(rest),
		         rest.p);
	} else if (!strcmp(kw, "EXPOSE") && (span_starts(rest, "map[") || span_starts(rest, "[")) &&
	           span_ends(rest, "]")) {
		struct span ports = {strchr(rest.p, '[') + 1, rest.end - 1};

		buf_adds(b, "EXPOSE");
		while (ports.p < ports.end) {
			struct span t = token(ports, &ports);

			if (span_ends(t, ":{}"))
				t.end -= 3;
			if (span_len(t))
				buf_addf(b, " %.*s", (int)span_len(t), t.p);
		}
	} else if ((!strcmp(kw, "CMD") || !strcmp(kw, "ENTRYPOINT") || !strcmp(kw, "SHELL") ||
	            !strcmp(kw, "VOLUME")) &&
	           list_to_json(&tmp, rest)) {
		buf_addf(b, "%s %s", kw, buf_cstr(&tmp));
	} else if (!strcmp(kw, "HEALTHCHECK") && healthcheck(&tmp, rest)) {
		buf_addf(b, "HEALTHCHECK %s", buf_cstr(&tmp));
	} else {
		buf_add(b, s.p, span_len(s));
	}
	buf_release(&tmp);
}

/* The script after "<shell> [options] -c " when s is a POSIX shell call. */
static bool shell_body(struct span s, struct span *body)
{
	static const char *const shells[] = {"sh", "bash", "ash", "dash", "zsh", NULL};
	struct span rest;
	struct span t = token(s, &rest);
	const char *base = t.p;
	bool known = false;

	for (const char *q = t.p; q < t.end; q++)
		if (*q == '/')
			base = q + 1;
	for (size_t i = 0; shells[i]; i++)
		if ((size_t)(t.end - base) == strlen(shells[i]) &&
		    !memcmp(base, shells[i], strlen(shells[i])))
			known = true;
	if (!known)
		return false;
	while (rest.p < rest.end) {
		t = token(rest, &rest);
		if (span_len(t) < 2 || (t.p[0] != '-' && t.p[0] != '+'))
			return false;
		if (span_eq(t, "-o") || span_eq(t, "+o")) {
			token(rest, &rest);
			continue;
		}
		if (t.p[0] == '-' && t.end[-1] == 'c') {
			for (const char *q = t.p + 1; q < t.end; q++)
				if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
					return false;
			if (rest.p >= rest.end)
				return false;
			*body = rest;
			return true;
		}
	}
	return false;
}

/* A command as run by RUN, possibly preceded by the classic builder's
 * build-argument prefix "|N a=1 b=2 ". */
static void add_run(struct buf *b, struct span s)
{
	struct span args = {s.p, s.p}, cmd = s, body;

	if (span_starts(s, "|")) {
		struct span rest;
		struct span count = token((struct span){s.p + 1, s.end}, &rest);
		uint64_t n = 0;
		char num[24];
		bool ok = span_len(count) > 0 && span_len(count) < sizeof(num);

		if (ok) {
			memcpy(num, count.p, span_len(count));
			num[span_len(count)] = '\0';
			ok = !str_to_u64(num, &n);
		}
		args.p = args.end = rest.p;
		for (uint64_t i = 0; ok && i < n; i++) {
			if (rest.p >= rest.end)
				ok = false;
			else
				args.end = token(rest, &rest).end;
		}
		if (ok)
			cmd = rest;
		else
			args.end = args.p;
	}
	if (shell_body(cmd, &body) || span_starts(cmd, "cmd /S /C #(nop)")) {
		if (span_starts(cmd, "cmd /S /C "))
			body = (struct span){cmd.p + 10, cmd.end};
		if (span_starts(body, "#(nop)")) {
			body = trim((struct span){body.p + 6, body.end});
			if (span_len(body))
				add_meta(b, body);
			else
				buf_adds(b, NO_INSTRUCTION);
			return;
		}
		cmd = body;
	}
	buf_adds(b, "RUN ");
	if (span_len(args))
		buf_addf(b, "%.*s ", (int)span_len(args), args.p);
	buf_add(b, cmd.p, span_len(cmd));
}

char *history_instruction(const char *created_by)
{
	struct buf b = BUF_INIT;
	struct span s;

	if (!created_by)
		created_by = "";
	s = trim((struct span){created_by, created_by + strlen(created_by)});
	if (span_ends(s, "# buildkit") && (span_len(s) == 10 || s.end[-11] == ' '))
		s = trim((struct span){s.p, s.end - 10});
	if (!span_len(s)) {
		buf_adds(&b, NO_INSTRUCTION);
	} else if (span_starts(s, "RUN ")) {
		add_run(&b, trim((struct span){s.p + 4, s.end}));
	} else if (keyword_of(s)) {
		add_meta(&b, s);
	} else {
		add_run(&b, s);
	}
	return buf_detach(&b, NULL);
}

int config_dockerfile(struct buf *out, const struct image_config *c)
{
	int rc = buf_adds(out, "FROM scratch\n");

	for (size_t i = 0; !rc && i < c->n_history; i++) {
		const struct history_entry *h = &c->history[i];
		char *own = h->instruction ? NULL : history_instruction(h->created_by);
		const char *p = h->instruction ? h->instruction : own;

		while (!rc && *p) {
			size_t n = strcspn(p, "\n");

			rc = buf_add(out, p, n);
			p += n;
			if (!rc && *p == '\n') {
				rc = buf_adds(out, " \\\n");
				p++;
			}
		}
		if (!rc)
			rc = buf_addc(out, '\n');
		free(own);
	}
	return rc;
}
