/* Network indicators in bytes: URLs, host names, public IPv4/IPv6 literals,
 * e-mail addresses and Tor .onion addresses, found in a stream fed in chunks
 * of any size (a line is the unit; a token split across chunks is found).
 *
 *   URL      scheme "://" authority [path…]; trailing punctuation dropped
 *   host     labels of [a-z0-9_-], two or more, whose last label is a known
 *            public suffix (libpsl's built-in list, no wildcard rule) and
 *            that has a registrable domain; a name whose suffix is also a
 *            common file extension and that has two labels or a numeric one
 *            ("setup.py", "README.md", "libfoo-1.2.3.so") counts only inside
 *            a URL or an e-mail address
 *   IPv4     dotted quad, octets 0-255 without leading zeros, standing alone
 *            (not part of "libfoo-1.2.3.4.so", "v1.2.3.4", "1.2.3.4.5") and
 *            not in a version context: after "==", ">=", "<=", "~=", "!=",
 *            '^', '~', or after a word ending in "version" or
 *            "release" or the word "ver", "rev", "revision" or "v", then
 *            '=' or ':' (`__version__ = "1.2.3.4"`, `"version": "1.2.3.4"`)
 *   IPv6     an address inet_pton accepts, with two or more ':'
 *   public   IPv4 outside 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 *            172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15,
 *            198.51.100/24, 203.0.113/24, 224/4 and 240/4; IPv6 inside
 *            2000::/3 but outside the documentation ranges 2001:db8::/32 and
 *            3fff::/20. Private addresses are never reported, except as the
 *            host of a URL (the URL is reported).
 *   e-mail   local@host with a host as above
 *   .onion   a v2 (16 base32) or v3 (56 base32, checksum and version
 *            verified) onion name, as a host of its own kind
 *
 * In NETIOC_ONION_ONLY mode (binaries) only .onion names are looked for.
 * At most NETIOC_MAX_PER_STREAM indicators are reported per stream. */
#ifndef DREDGE_NETIOC_H
#define DREDGE_NETIOC_H

#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>

enum ioc_kind { IOC_URL, IOC_HOST, IOC_IPV4, IOC_IPV6, IOC_EMAIL, IOC_ONION };

struct ioc {
	enum ioc_kind kind;
	const char *value;  /* the indicator as found (URL and e-mail as written, host
	                       and onion lower case, address in canonical form) */
	const char *host;   /* lower-case host of the indicator (the address for
	                       IPs, the URL's or e-mail's host) */
	const char *domain; /* registrable domain of host, NULL for addresses and
	                       hosts without one */
	bool host_is_ip;
	long line; /* 1-based line of the stream where it ends */
};

/* Called for each indicator; a non-zero return stops the stream and is
 * returned by netioc_feed/netioc_end. Strings are borrowed for the call. */
typedef int (*netioc_fn)(void *ctx, const struct ioc *ioc);

#define NETIOC_ONION_ONLY 1u

struct netioc;

/* A scanner for one thread at a time; it remembers libpsl's answers for the
 * names it has seen (about 250 KB) for its whole life. */
struct netioc *netioc_new(void);
void netioc_free(struct netioc *x);
/* Lets x's line and onion scans take 32 bytes at a time (AVX2, the default
 * where the CPU runs it) or not (16 bytes, or one): the tests check both. */
void netioc_allow_avx2(struct netioc *x, bool allow);
/* Starts a stream (reusing x's memory). */
void netioc_begin(struct netioc *x, unsigned flags, netioc_fn fn, void *ctx);
int netioc_feed(struct netioc *x, const void *data, size_t len);
/* Flushes the last line. */
int netioc_end(struct netioc *x);
/* Indicators reported so far in this stream. */
size_t netioc_count(const struct netioc *x);

/* One string as a whole stream. */
int netioc_scan(struct netioc *x, unsigned flags, const char *s, size_t len, netioc_fn fn,
                void *ctx);

/* True when the 4 or 16 bytes of addr are a public address (see above). */
bool netioc_ip_public(const unsigned char *addr, bool v6);

/* True when s (n bytes, any case, without ".onion") is a valid v2 or v3
 * onion service name. */
bool netioc_onion_valid(const char *s, size_t n);

#endif
