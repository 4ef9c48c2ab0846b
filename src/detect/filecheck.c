#include "detect/filecheck.h"

#include "detect/analyzer.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_MAX 4096

enum fc_kind {
	FC_NONE,
	FC_AUTHKEYS,
	FC_PASSWD,
	FC_PRELOAD,
	FC_CRON,
	FC_SYSTEMD,
	FC_HOSTKEY,
};

struct filecheck {
	struct scan_ctx *sc;
	enum fc_kind kind;
	bool regular;
	unsigned char head[HEAD_MAX];
	size_t head_len;
	struct buf text; /* content of a checked text file, up to FILECHECK_TEXT_MAX */
};

/* ---- SSH keys ------------------------------------------------------------ */

static const struct {
	const char *name;
	const char *label;
	int bits; /* 0: from the blob */
} key_types[] = {
    {"ssh-rsa", "RSA", 0},
    {"ssh-dss", "DSA", 0},
    {"ssh-ed25519", "ED25519", 256},
    {"ecdsa-sha2-nistp256", "ECDSA", 256},
    {"ecdsa-sha2-nistp384", "ECDSA", 384},
    {"ecdsa-sha2-nistp521", "ECDSA", 521},
    {"sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", 256},
    {"sk-ssh-ed25519@openssh.com", "ED25519-SK", 256},
    {"ssh-rsa-cert-v01@openssh.com", "RSA-CERT", 0},
    {"ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT", 256},
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-CERT", 256},
};

/* Reads an SSH wire string at *off of blob; false when out of bounds. */
static bool wire_string(const unsigned char *b, size_t n, size_t *off, const unsigned char **s,
                        size_t *len)
{
	uint32_t l;

	if (n - *off < 4 || *off > n)
		return false;
	l = (uint32_t)b[*off] << 24 | (uint32_t)b[*off + 1] << 16 | (uint32_t)b[*off + 2] << 8 |
	    b[*off + 3];
	*off += 4;
	if (l > n - *off)
		return false;
	*s = b + *off;
	*len = l;
	*off += l;
	return true;
}

/* Bit length of a big-endian unsigned integer. */
static int mpint_bits(const unsigned char *s, size_t len)
{
	while (len && !*s) {
		s++;
		len--;
	}
	if (!len)
		return 0;
	return (int)(len - 1) * 8 + 32 - __builtin_clz((unsigned)*s);
}

/* Bits of an RSA (modulus, after the exponent) or DSA (p) key blob. */
static int blob_bits(const unsigned char *b, size_t n, bool rsa)
{
	size_t off = 0;
	const unsigned char *s;
	size_t len;

	if (!wire_string(b, n, &off, &s, &len))
		return 0;
	if (rsa && !wire_string(b, n, &off, &s, &len))
		return 0;
	if (rsa && str_starts((const char *)b + 4, "ssh-rsa-cert") &&
	    !wire_string(b, n, &off, &s, &len))
		return 0;
	if (!wire_string(b, n, &off, &s, &len))
		return 0;
	return mpint_bits(s, len);
}

/* Splits line into whitespace-separated tokens, spaces inside double quotes
 * (authorized_keys options) kept; returns the count. */
static size_t tokens(const char *line, size_t len, const char **tok, size_t *tlen, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		bool q = false;
		size_t start;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && (q || (line[i] != ' ' && line[i] != '\t'))) {
			if (line[i] == '"')
				q = !q;
			else if (line[i] == '\\' && i + 1 < len)
				i++;
			i++;
		}
		tok[n] = line + start;
		tlen[n++] = i - start;
	}
	return n;
}

int filecheck_ssh_key(char *out, size_t size, char digest[72], const char *line, size_t len)
{
	const char *tok[4];
	size_t tlen[4], n;
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	int rc = DR_ENOTFOUND;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	n = tokens(line, len, tok, tlen, 2);
	if (n == 0 || tok[0][0] == '#')
		goto done;
	for (size_t t = 0; t < n && t < 2; t++) {
		for (size_t k = 0; k < sizeof(key_types) / sizeof(key_types[0]); k++) {
			const char *rest, *b64;
			size_t b64_len, off = 0, tl;
			const unsigned char *tn;
			unsigned char sha[32];
			char *fp;
			int bits;

			if (tlen[t] != strlen(key_types[k].name) ||
			    memcmp(tok[t], key_types[k].name, tlen[t]))
				continue;
			rest = tok[t] + tlen[t];
			if (tokens(rest, (size_t)(line + len - rest), tok + 2, tlen + 2, 1) != 1)
				goto done;
			b64 = tok[2];
			b64_len = tlen[2];
			if (str_base64_decode(&blob, &blob_len, b64, b64_len))
				goto done;
			/* the blob names its own type, which must be the one given */
			if (!wire_string(blob, blob_len, &off, &tn, &tl) || tl != tlen[t] ||
			    memcmp(tn, tok[t], tl))
				goto done;
			bits = key_types[k].bits ? key_types[k].bits
			                         : blob_bits(blob, blob_len, k != 1);
			if (bits <= 0)
				goto done;
			sha256_digest(blob, blob_len, digest);
			for (int i = 0; i < 32; i++) {
				const char *h = digest_hex(digest) + 2 * i;
				unsigned v = 0;

				for (int j = 0; j < 2; j++)
					v = v << 4 |
					    (unsigned)(h[j] <= '9' ? h[j] - '0' : h[j] - 'a' + 10);
				sha[i] = (unsigned char)v;
			}
			fp = str_base64_encode(sha, 32);
			fp[strcspn(fp, "=")] = '\0';
			{
				const char *c = b64 + b64_len;
				size_t cl;

				while (c < line + len && (*c == ' ' || *c == '\t'))
					c++;
				cl = (size_t)(line + len - c);
				snprintf(out, size, "%d SHA256:%s %.*s (%s)", bits, fp,
				         cl ? (int)cl : (int)strlen("no comment"),
				         cl ? c : "no comment", key_types[k].label);
			}
			free(fp);
			rc = 0;
			goto done;
		}
	}
done:
	free(blob);
	return rc;
}

/* ---- helpers ------------------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool is_history(const char *base)
{
	static const char *const names[] = {
	    ".bash_history", ".zsh_history",    ".ash_history",
	    ".sh_history",   ".python_history", ".mysql_history",
	    ".psql_history", ".sqlite_history", ".node_repl_history"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(base, names[i]))
			return true;
	return false;
}

static bool is_host_key(const char *path)
{
	return str_starts(path, "etc/ssh/ssh_host_") && str_ends(path, "_key") &&
	       !strchr(path + strlen("etc/ssh/"), '/');
}

static enum fc_kind kind_of(const char *path)
{
	const char *base = base_name(path);

	if (!strcmp(base, "authorized_keys") || !strcmp(base, "authorized_keys2"))
		return FC_AUTHKEYS;
	if (!strcmp(path, "etc/passwd"))
		return FC_PASSWD;
	if (!strcmp(path, "etc/ld.so.preload"))
		return FC_PRELOAD;
	if (!strcmp(path, "etc/crontab") || str_starts(path, "etc/cron.d/") ||
	    str_starts(path, "var/spool/cron/"))
		return FC_CRON;
	if (str_starts(path, "etc/systemd/system/") &&
	    (str_ends(path, ".service") || str_ends(path, ".timer")))
		return FC_SYSTEMD;
	if (is_host_key(path))
		return FC_HOSTKEY;
	return FC_NONE;
}

static void add_finding(struct filecheck *fc, const struct file_event *ev, const char *rule,
                        enum category cat, enum severity sev, bool strong, const char *title,
                        const char *evidence, long line, bool unpackaged)
{
	struct finding f;

	finding_init(&f, rule, cat, sev, title);
	f.strong = strong;
	finding_add_location(&f, LOC_FILE, ev->layer_digest, (long)ev->layer_index, ev->path, line,
	                     NULL);
	finding_set_evidence(&f, evidence, strlen(evidence));
	if (unpackaged)
		scan_report_unpackaged(fc->sc, &f);
	else
		scan_report(fc->sc, &f);
}

/* Calls body for each line of the text buffer with line number ln. */
#define EACH_LINE(b, p, n, ln)                                                                     \
	for (const char *p = (b)->ptr ? (b)->ptr : "", *p##_e = p + (b)->len, *p##_nl = NULL;      \
	     p < p##_e; p = p##_nl ? p##_nl + 1 : p##_e)                                           \
		for (size_t                                                                        \
		         n = (size_t)(((p##_nl = memchr(p, '\n', (size_t)(p##_e - p))) ? p##_nl    \
		                                                                       : p##_e) -  \
		                      p),                                                          \
		         n##_once = (ln++, 1);                                                     \
		     n##_once; n##_once = 0)

static void check_authkeys(struct filecheck *fc, const struct file_event *ev)
{
	long ln = 0;

	EACH_LINE(&fc->text, p, n, ln)
	{
		char ev_line[1024], dg[DIGEST_STR_LEN];
		struct finding f;

		if (filecheck_ssh_key(ev_line, sizeof(ev_line), dg, p, n))
			continue;
		finding_init(&f, "ssh-authorized-key", CAT_BACKDOOR, SEV_HIGH,
		             "SSH key authorized to log in (backdoor access)");
		f.strong = true;
		finding_add_location(&f, LOC_FILE, ev->layer_digest, (long)ev->layer_index,
		                     ev->path, ln, NULL);
		finding_set_evidence(&f, ev_line, strlen(ev_line));
		memcpy(f.fingerprint, dg, sizeof(f.fingerprint));
		scan_report(fc->sc, &f);
	}
}

static void check_passwd(struct filecheck *fc, const struct file_event *ev)
{
	long ln = 0;

	EACH_LINE(&fc->text, p, n, ln)
	{
		const char *c1 = memchr(p, ':', n), *c2, *c3;
		char evid[160];

		if (!c1 || !(c2 = memchr(c1 + 1, ':', (size_t)(p + n - c1 - 1))))
			continue;
		c3 = memchr(c2 + 1, ':', (size_t)(p + n - c2 - 1));
		if (!c3 || c3 - c2 != 2 || c2[1] != '0')
			continue;
		if (c1 - p == 4 && !memcmp(p, "root", 4))
			continue;
		snprintf(evid, sizeof(evid), "%.*s (uid 0)", (int)(c1 - p < 64 ? c1 - p : 64), p);
		add_finding(fc, ev, "passwd-uid0-user", CAT_BACKDOOR, SEV_HIGH, false,
		            "user other than root with uid 0", evid, ln, false);
	}
}

static void check_preload(struct filecheck *fc, const struct file_event *ev)
{
	long ln = 0;

	EACH_LINE(&fc->text, p, n, ln)
	{
		char evid[300];
		size_t k = 0;

		while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
			k++;
		if (k == n || p[k] == '#')
			continue;
		snprintf(evid, sizeof(evid), "%.*s", (int)(n - k < 256 ? n - k : 256), p + k);
		add_finding(fc, ev, "ld-so-preload", CAT_BACKDOOR, SEV_HIGH, false,
		            "library preloaded into every process (/etc/ld.so.preload)", evid, ln,
		            false);
		return;
	}
}

/* A command line running from a scratch or hidden location. */
static bool odd_location(const char *p, size_t n)
{
	static const char *const dirs[] = {"/tmp/", "/var/tmp/", "/dev/shm/"};

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++)
		if (memmem(p, n, dirs[d], strlen(dirs[d])))
			return true;
	for (size_t i = 0; i + 2 < n; i++) {
		char c = p[i + 2];

		if (p[i] == '/' && p[i + 1] == '.' && c != '.' && c != '/' && c != ' ' &&
		    c != '\t' && c != '"' && c != '\'')
			return true;
	}
	return false;
}

static void check_persistence(struct filecheck *fc, const struct file_event *ev)
{
	const struct findings *engine = scan_file_findings(fc->sc);
	const char *rule = fc->kind == FC_CRON ? "persistence-cron" : "persistence-systemd";
	const char *title = fc->kind == FC_CRON ? "cron job persisting a suspicious command"
	                                        : "systemd unit persisting a suspicious command";
	char evid[300];
	long ln = 0;

	for (size_t i = 0; i < engine->n; i++) {
		if (engine->v[i].severity < SEV_MEDIUM)
			continue;
		snprintf(evid, sizeof(evid), "runs what %s matched", engine->v[i].rule);
		add_finding(fc, ev, rule, CAT_BACKDOOR, SEV_HIGH, false, title, evid,
		            engine->v[i].n_locs ? engine->v[i].locs[0].line : 0, false);
		return;
	}
	EACH_LINE(&fc->text, p, n, ln)
	{
		size_t k = 0;

		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n || p[k] == '#' || p[k] == ';')
			continue;
		if (fc->kind == FC_SYSTEMD && !str_starts(p + k, "Exec"))
			continue;
		if (!odd_location(p + k, n - k))
			continue;
		snprintf(evid, sizeof(evid), "%.*s", (int)(n - k < 256 ? n - k : 256), p + k);
		add_finding(fc, ev, rule, CAT_BACKDOOR, SEV_HIGH, false, title, evid, ln, false);
		return;
	}
}

/* The engine's secret findings in an SSH host key file (the rule
 * ssh-host-key's: one finding per key, the key parsed) are of a key every
 * container shares, not a user's leaked one: not strong, at most medium. */
static void check_host_key(struct filecheck *fc)
{
	struct findings *engine = scan_file_findings(fc->sc);

	for (size_t i = 0; i < engine->n; i++) {
		if (engine->v[i].category != CAT_SECRET)
			continue;
		engine->v[i].strong = false;
		if (engine->v[i].severity > SEV_MEDIUM)
			engine->v[i].severity = SEV_MEDIUM;
	}
}

/* ---- analyzer callbacks -------------------------------------------------- */

static int fc_init(void **out, struct scan_ctx *sc)
{
	struct filecheck *fc = xcalloc(1, sizeof(*fc));

	fc->sc = sc;
	buf_init(&fc->text, 0);
	*out = fc;
	return 0;
}

static int fc_file(void *st, const struct file_event *ev, bool *want)
{
	struct filecheck *fc = st;

	fc->regular = ev->type == FT_REG && !ev->whiteout && !ev->opaque;
	fc->kind = FC_NONE;
	fc->head_len = 0;
	if (!fc->regular)
		return 0;
	buf_reset(&fc->text);
	fc->kind = kind_of(ev->path);
	*want = true;
	if ((ev->mode & 06000) && (ev->mode & 0111)) {
		struct buf evid = BUF_INIT;

		buf_addf(&evid, "%s (mode %04o, owner %lld)", ev->path, ev->mode & 07777,
		         (long long)ev->uid);
		add_finding(fc, ev, "setuid-file", CAT_BACKDOOR, SEV_MEDIUM, false,
		            ev->mode & 04000 ? "setuid executable not installed by a package"
		                             : "setgid executable not installed by a package",
		            buf_cstr(&evid), 0, true);
		buf_release(&evid);
	}
	if (is_history(base_name(ev->path)) && ev->size > 0)
		add_finding(fc, ev, "shell-history-file", CAT_SECRET, SEV_INFO, false,
		            "shell history shipped in the image", ev->path, 0, false);
	return 0;
}

static int fc_content(void *st, const struct file_event *ev, const void *data, size_t len)
{
	struct filecheck *fc = st;

	if (!fc->regular)
		return 0;
	if (fc->head_len < HEAD_MAX) {
		size_t n = HEAD_MAX - fc->head_len < len ? HEAD_MAX - fc->head_len : len;

		memcpy(fc->head + fc->head_len, data, n);
		fc->head_len += n;
	}
	if (fc->kind != FC_NONE && fc->text.len < FILECHECK_TEXT_MAX)
		buf_add(&fc->text, data,
		        FILECHECK_TEXT_MAX - fc->text.len < len ? FILECHECK_TEXT_MAX - fc->text.len
		                                                : len);
	return 0;
}

static bool in_scratch_dir(const char *path)
{
	return str_starts(path, "tmp/") || str_starts(path, "var/tmp/") ||
	       str_starts(path, "dev/shm/");
}

static int fc_file_end(void *st, const struct file_event *ev)
{
	struct filecheck *fc = st;
	bool elf = fc->head_len >= 4 && !memcmp(fc->head,
	                                        "\x7f"
	                                        "ELF",
	                                        4);

	if (!fc->regular)
		return 0;
	switch (fc->kind) {
	case FC_AUTHKEYS:
		check_authkeys(fc, ev);
		break;
	case FC_PASSWD:
		check_passwd(fc, ev);
		break;
	case FC_PRELOAD:
		check_preload(fc, ev);
		break;
	case FC_CRON:
	case FC_SYSTEMD:
		check_persistence(fc, ev);
		break;
	case FC_HOSTKEY:
		check_host_key(fc);
		break;
	case FC_NONE:
		break;
	}
	if (in_scratch_dir(ev->path) && (ev->mode & 0111) &&
	    (elf || (fc->head_len >= 2 && fc->head[0] == '#' && fc->head[1] == '!')))
		add_finding(fc, ev, "executable-in-tmp", CAT_SUSPICIOUS_BUILD, SEV_MEDIUM, false,
		            "executable dropped in a temporary directory", ev->path, 0, false);
	if (elf && memmem(fc->head, fc->head_len, "UPX!", 4))
		add_finding(fc, ev, "upx-packed-elf", CAT_SUSPICIOUS_BUILD, SEV_LOW, false,
		            "UPX-packed ELF executable (packing hides what a binary is)", ev->path,
		            0, false);
	fc->regular = false;
	return 0;
}

static void fc_free(void *st)
{
	struct filecheck *fc = st;

	if (!fc)
		return;
	buf_release(&fc->text);
	free(fc);
}

const struct analyzer_ops analyzer_filecheck = {
    .name = "filecheck",
    .init = fc_init,
    .file = fc_file,
    .content = fc_content,
    .file_end = fc_file_end,
    .free = fc_free,
};
