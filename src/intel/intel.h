/* Offline threat intelligence: feeds of IP addresses and networks, domains,
 * URLs and sha256 file hashes, each feed tagged with one of dredge's
 * categories (malicious-host, proxy-tunnel, dynamic-dns,
 * newly-registered-domain, hacktool, cryptominer).
 *
 * A feed is a text file, one entry a line; blank lines and lines starting
 * with '#' are comments, and a trailing " # …" or " ; …" on an entry is too.
 * What a line holds is recognised by its shape:
 *
 *   203.0.113.7   198.51.100.0/24   2001:db8::/32   IPv4/IPv6 address or CIDR
 *                                                   (FireHOL .ipset/.netset)
 *   bad.example   *.bad.example   .bad.example      a domain: matches itself
 *                                                   and every subdomain
 *   0.0.0.0 bad.example [more…]                     hosts-file form: the
 *                                                   names are domains
 *   http://Bad.Example:80/x                         a URL, normalised (see
 *                                                   intel_url_normalize)
 *   <64 hex> [name]                                 a sha256 file hash
 *
 * The category comes from the caller (`--intel CATEGORY=FILE`) or, when not
 * given, from a "# category: NAME" comment line before the first entry.
 * Loading fails loudly: a line that is none of the above, a line longer than
 * INTEL_LINE_MAX or a feed without a category fails the load with a message
 * naming the file and line (DR_EFORMAT; DR_ELIMIT for the caps). Nothing is
 * skipped silently.
 *
 * Built-in lists (embedded data/ files) are loaded by intel_new:
 * data/dynamic-dns.txt (dynamic-dns), data/proxy-tunnel.txt (proxy-tunnel)
 * and data/mining-pools.txt (cryptominer).
 *
 * When one indicator is listed several times, the most specific entry wins
 * (the longest domain suffix, the narrowest network); among equals the most
 * serious category (malicious-host, cryptominer, hacktool, proxy-tunnel,
 * dynamic-dns, newly-registered-domain). A loaded set is read-only: lookups
 * may run from several threads at once. */
#ifndef DREDGE_INTEL_H
#define DREDGE_INTEL_H

#include "util/limits.h"
#include "detect/finding.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intel_set;

/* Where a match came from; strings borrowed from the set. */
struct intel_hit {
	enum category category;
	const char *feed; /* file name as given, or "data/dynamic-dns.txt" for built-ins */
	long line;        /* line of the entry in the feed */
	bool builtin;     /* one of the built-in lists */
};

/* A set holding the built-in lists. *out is the caller's (intel_free). */
int intel_new(struct intel_set **out);
/* An empty set (no built-in lists), for tests and tools. */
struct intel_set *intel_new_empty(void);
void intel_free(struct intel_set *s);

/* True for the categories a feed may carry. */
bool intel_category_ok(enum category c);

/* Loads "[CATEGORY=]FILE" as given to --intel. DR_EUSAGE for an unknown
 * category, DR_ENOTFOUND/DR_EIO for an unreadable file, DR_EFORMAT or
 * DR_ELIMIT for bad content (message names file and line). On failure the
 * set keeps the entries of feeds loaded before (the caller stops anyway). */
int intel_load_file(struct intel_set *s, const char *spec);
/* Loads a feed held in memory. category < 0: from its "# category:" header.
 * name is copied and used in messages and hits. */
int intel_load_text(struct intel_set *s, const char *name, int category, const char *data,
                    size_t len);

/* Lookups; each returns true and fills *out (when not NULL) on a match. */
/* addr: 4 bytes (v6 false) or 16 bytes (v6 true), network order. */
bool intel_match_ip(const struct intel_set *s, const unsigned char *addr, bool v6,
                    struct intel_hit *out);
/* host: a domain name (any case, an ending dot allowed) or an IP literal. */
bool intel_match_host(const struct intel_set *s, const char *host, struct intel_hit *out);
/* url: any URL; normalised before the lookup. */
bool intel_match_url(const struct intel_set *s, const char *url, struct intel_hit *out);
/* hex: 64 hex digits (any case). */
bool intel_match_sha256(const struct intel_set *s, const char *hex, struct intel_hit *out);

/* Whether any feed of the set lists file hashes (so files need hashing). */
bool intel_has_hashes(const struct intel_set *s);
/* Entries loaded: IP networks, domains, URLs and hashes. */
size_t intel_count(const struct intel_set *s);

/* Normalises a URL into out: scheme and host lower case, user info and
 * fragment dropped, the scheme's default port dropped (http 80, https 443,
 * ftp 21, ws 80, wss 443), an empty path made "/", a trailing dot of the
 * host dropped; path and query kept as written. DR_EFORMAT when url has no
 * "scheme://host", DR_ELIMIT when the result does not fit. */
int intel_url_normalize(char *out, size_t size, const char *url, size_t len);

#endif
