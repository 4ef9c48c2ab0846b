#include "unit.h"

#include "intel/intel.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool ip_hit(const struct intel_set *s, const char *txt, struct intel_hit *h)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, txt, a) == 1)
		return intel_match_ip(s, a, false, h);
	if (inet_pton(AF_INET6, txt, a) == 1)
		return intel_match_ip(s, a, true, h);
	return false;
}

static int load(struct intel_set *s, const char *name, int cat, const char *text)
{
	return intel_load_text(s, name, cat, text, strlen(text));
}

TEST(intel, cidr_v4_edges)
{
	struct intel_set *s = intel_new_empty();
	struct intel_hit h;

	CHECK_INT(load(s, "fh.netset", CAT_MALICIOUS_HOST,
	               "# FireHOL\n#\n198.51.100.0/24\n203.0.113.7\n10.0.0.0/8\n0.0.0.0/0\n"
	               "45.9.148.0/22\n45.9.149.128/25\n"),
	          0);
	CHECK(ip_hit(s, "198.51.100.255", &h));
	CHECK_INT(h.line, 3); /* 0.0.0.0/0 holds it too: the /24 is narrower */
	CHECK(ip_hit(s, "8.8.8.8", &h));
	CHECK_INT(h.line, 6);
	CHECK(ip_hit(s, "10.255.255.255", &h));
	CHECK_INT(h.line, 5);
	intel_free(s);

	s = intel_new_empty();
	CHECK_INT(load(s, "a.ipset", CAT_MALICIOUS_HOST,
	               "198.51.100.0/24\n203.0.113.7\n45.9.148.0/22\n45.9.149.128/25\n"
	               "45.9.149.200/32\n"),
	          0);
	CHECK(ip_hit(s, "198.51.100.0", &h));
	CHECK_INT(h.line, 1);
	CHECK(ip_hit(s, "198.51.100.255", &h));
	CHECK(!ip_hit(s, "198.51.101.0", &h));
	CHECK(!ip_hit(s, "198.51.99.255", &h));
	CHECK(ip_hit(s, "203.0.113.7", &h));
	CHECK(!ip_hit(s, "203.0.113.6", &h));
	CHECK(!ip_hit(s, "203.0.113.8", &h));
	/* nested networks: the narrowest holding the address wins */
	CHECK(ip_hit(s, "45.9.151.255", &h));
	CHECK_INT(h.line, 3);
	CHECK(ip_hit(s, "45.9.149.129", &h));
	CHECK_INT(h.line, 4);
	CHECK(ip_hit(s, "45.9.149.200", &h));
	CHECK_INT(h.line, 5);
	CHECK(ip_hit(s, "45.9.148.0", &h));
	CHECK_INT(h.line, 3);
	CHECK(!ip_hit(s, "45.9.152.0", &h));
	CHECK_INT(h.category, CAT_MALICIOUS_HOST);
	CHECK_STR(h.feed, "a.ipset");
	CHECK(!h.builtin);
	/* the whole space and its very end */
	CHECK_INT(load(s, "all.netset", CAT_NEWLY_REGISTERED_DOMAIN, "255.255.255.255/32\n"), 0);
	CHECK(ip_hit(s, "255.255.255.255", &h));
	CHECK_INT(h.category, CAT_NEWLY_REGISTERED_DOMAIN);
	intel_free(s);
}

TEST(intel, cidr_v6_edges)
{
	struct intel_set *s = intel_new_empty();
	struct intel_hit h;

	CHECK_INT(load(s, "v6.netset", CAT_PROXY_TUNNEL,
	               "2a0e:1c80::/29\n2001:db8:0:1::/64\n2606:4700::6810:84e5\n::/0\n"),
	          0);
	CHECK(ip_hit(s, "2a0e:1c80::1", &h));
	CHECK_INT(h.line, 1);
	CHECK(ip_hit(s, "2a0e:1c87:ffff:ffff:ffff:ffff:ffff:ffff", &h));
	CHECK_INT(h.line, 1);
	CHECK(ip_hit(s, "2a0e:1c88::", &h));
	CHECK_INT(h.line, 4); /* only ::/0 */
	CHECK(ip_hit(s, "2001:db8:0:1:ffff::1", &h));
	CHECK_INT(h.line, 2);
	CHECK(ip_hit(s, "2606:4700::6810:84e5", &h));
	CHECK_INT(h.line, 3);
	/* v4 and v6 are separate spaces */
	CHECK(!ip_hit(s, "0.0.0.1", &h));
	CHECK_INT(h.category, CAT_PROXY_TUNNEL);
	CHECK(intel_match_host(s, "[2a0e:1c80::5]", &h));
	CHECK(intel_match_host(s, "2a0e:1c80::5", &h));
	intel_free(s);
}

TEST(intel, hosts_file_and_subdomains)
{
	struct intel_set *s = intel_new_empty();
	struct intel_hit h;

	CHECK_INT(load(s, "hosts", -1,
	               "# category: malicious-host\n"
	               "0.0.0.0 0.0.0.0\n"
	               "fe80::1%lo0 localhost\n"
	               "127.0.0.1 localhost\n"
	               "::1 ip6-localhost ip6-loopback\n"
	               "0.0.0.0 ads.bad.example.org tracker.example.net # two names\n"
	               "127.0.0.1\tEvil.Example.COM.\n"
	               "*.wild.example.org\n"
	               ".dot.example.org\n"),
	          0);
	CHECK(!intel_match_host(s, "localhost", &h));
	CHECK(intel_match_host(s, "ads.bad.example.org", &h));
	CHECK_INT(h.line, 6);
	CHECK_INT(h.category, CAT_MALICIOUS_HOST);
	CHECK(intel_match_host(s, "x.ads.bad.example.org", &h));
	CHECK(!intel_match_host(s, "bad.example.org", &h));
	CHECK(!intel_match_host(s, "nads.bad.example.org", &h));
	CHECK(intel_match_host(s, "tracker.example.net", &h));
	CHECK(intel_match_host(s, "evil.example.com", &h));
	CHECK(intel_match_host(s, "WWW.EVIL.EXAMPLE.COM.", &h));
	CHECK_INT(h.line, 7);
	CHECK(intel_match_host(s, "wild.example.org", &h));
	CHECK(intel_match_host(s, "a.b.wild.example.org", &h));
	CHECK(intel_match_host(s, "dot.example.org", &h));
	CHECK(!intel_match_host(s, "example.org", &h));
	CHECK(!intel_match_host(s, "notevil.example.com", &h));
	CHECK_INT(intel_count(s), 5);
	intel_free(s);
}

TEST(intel, most_specific_and_most_serious)
{
	struct intel_set *s = intel_new_empty();
	struct intel_hit h;

	CHECK_INT(load(s, "ddns", CAT_DYNAMIC_DNS, "duckdns.org\nboth.example.org\n"), 0);
	CHECK_INT(load(s, "bad", CAT_MALICIOUS_HOST, "c2.duckdns.org\nboth.example.org\n"), 0);
	CHECK(intel_match_host(s, "x.c2.duckdns.org", &h));
	CHECK_INT(h.category, CAT_MALICIOUS_HOST);
	CHECK(intel_match_host(s, "home.duckdns.org", &h));
	CHECK_INT(h.category, CAT_DYNAMIC_DNS);
	CHECK_STR(h.feed, "ddns");
	CHECK(intel_match_host(s, "both.example.org", &h));
	CHECK_INT(h.category, CAT_MALICIOUS_HOST);
	CHECK_STR(h.feed, "bad");
	intel_free(s);
}

TEST(intel, url_normalise)
{
	char out[INTEL_URL_MAX];

	CHECK_INT(intel_url_normalize(out, sizeof(out), "HTTP://User:pw@Bad.Example:80", 29), 0);
	CHECK_STR(out, "http://bad.example/");
	CHECK_INT(
	    intel_url_normalize(out, sizeof(out), "https://Bad.Example.:443/A/b?x=Y#frag", 37), 0);
	CHECK_STR(out, "https://bad.example/A/b?x=Y");
	CHECK_INT(intel_url_normalize(out, sizeof(out), "https://bad.example:8443?q", 26), 0);
	CHECK_STR(out, "https://bad.example:8443/?q");
	CHECK_INT(intel_url_normalize(out, sizeof(out), "ftp://[2001:DB8::1]:21/x", 24), 0);
	CHECK_STR(out, "ftp://[2001:db8::1]/x");
	CHECK_INT(intel_url_normalize(out, sizeof(out), "stratum+tcp://Pool.Example:3333", 31), 0);
	CHECK_STR(out, "stratum+tcp://pool.example:3333/");
	CHECK_INT(intel_url_normalize(out, sizeof(out), "bad.example/x", 13), DR_EFORMAT);
	CHECK_INT(intel_url_normalize(out, sizeof(out), "http://:80/x", 12), DR_EFORMAT);
	CHECK_INT(intel_url_normalize(out, sizeof(out), "http://a.example:99999/", 23), DR_EFORMAT);
	CHECK_INT(intel_url_normalize(out, 16, "http://a.example/long/path", 26), DR_ELIMIT);
	err_clear();
}

TEST(intel, url_and_hash_feeds)
{
	struct intel_set *s = intel_new_empty();
	struct intel_hit h;
	const char *hex = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

	CHECK(!intel_has_hashes(s));
	CHECK_INT(load(s, "urls", CAT_MALICIOUS_HOST,
	               "http://Dl.Example.NET:80/payload.sh\nhttps://x.example.net/a?b=1\n"),
	          0);
	CHECK(intel_match_url(s, "HTTP://dl.example.net/payload.sh#top", &h));
	CHECK_INT(h.line, 1);
	CHECK(intel_match_url(s, "https://x.example.net:443/a?b=1", &h));
	CHECK(!intel_match_url(s, "https://x.example.net/a?b=2", &h));
	CHECK(!intel_match_url(s, "http://dl.example.net/payload.sh2", &h));
	CHECK(!intel_match_host(s, "dl.example.net", &h)); /* a URL lists no host */
	CHECK_INT(
	    load(s, "hashes", CAT_CRYPTOMINER,
	         "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  test.bin\n"
	         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"),
	    0);
	CHECK(intel_has_hashes(s));
	CHECK(intel_match_sha256(s, hex, &h));
	CHECK_INT(h.category, CAT_CRYPTOMINER);
	CHECK_INT(h.line, 1);
	CHECK(!intel_match_sha256(s, "00", &h));
	CHECK(!intel_match_sha256(
	    s, "0000000000000000000000000000000000000000000000000000000000000000", &h));
	intel_free(s);
}

TEST(intel, bad_lines_fail_loudly)
{
	struct intel_set *s = intel_new_empty();
	char longline[INTEL_LINE_MAX + 20];

	CHECK_INT(load(s, "f1", CAT_MALICIOUS_HOST, "ok.example.org\nnot a host\n"), DR_EFORMAT);
	CHECK(strstr(err_msg(), "'f1' line 2") != NULL);
	CHECK_INT(load(s, "f2", CAT_MALICIOUS_HOST, "a.example\n1.2.3\n"), DR_EFORMAT);
	CHECK(strstr(err_msg(), "'f2' line 2") != NULL);
	CHECK_INT(load(s, "f3", CAT_MALICIOUS_HOST, "10.0.0.0/33\n"), DR_EFORMAT);
	CHECK_INT(load(s, "f4", CAT_MALICIOUS_HOST, "0.0.0.0 bad!host\n"), DR_EFORMAT);
	CHECK_INT(load(s, "f5", CAT_MALICIOUS_HOST, "http://x.example/ extra\n"), DR_EFORMAT);
	CHECK_INT(load(s, "f6", -1, "bad.example.org\n"), DR_EFORMAT);
	CHECK(strstr(err_msg(), "no category") != NULL);
	CHECK_INT(load(s, "f7", -1, "# category: phishing\nbad.example.org\n"), DR_EFORMAT);
	CHECK(strstr(err_msg(), "'f7' line 1") != NULL);
	CHECK_INT(load(s, "f8", CAT_SECRET, "bad.example.org\n"), DR_EUSAGE);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	CHECK_INT(load(s, "f9", CAT_MALICIOUS_HOST, longline), DR_ELIMIT);
	/* comments, CRLF, a BOM and trailing comments are fine */
	CHECK_INT(load(s, "ok", -1,
	               "\xef\xbb\xbf# category: hacktool\r\n\r\n  # indented comment\r\n"
	               "tools.example.org ; from a list\r\n203.0.113.9 # inline\r\n"),
	          0);
	CHECK(intel_match_host(s, "tools.example.org", NULL));
	CHECK(ip_hit(s, "203.0.113.9", NULL));
	intel_free(s);
	err_clear();
}

TEST(intel, load_file_spec)
{
	char path[] = "/tmp/dredge-intel-XXXXXX";
	int fd = mkstemp(path);
	struct intel_set *s = intel_new_empty();
	char spec[128];
	struct intel_hit h;
	const char body[] = "# category: dynamic-dns\nhome.example.org\n";

	CHECK(fd >= 0);
	CHECK_INT(write(fd, body, sizeof(body) - 1), (long)sizeof(body) - 1);
	close(fd);
	CHECK_INT(intel_load_file(s, path), 0);
	CHECK(intel_match_host(s, "x.home.example.org", &h));
	CHECK_INT(h.category, CAT_DYNAMIC_DNS);
	CHECK_STR(h.feed, path);
	snprintf(spec, sizeof(spec), "malicious-host=%s", path);
	CHECK_INT(intel_load_file(s, spec), 0);
	CHECK(intel_match_host(s, "home.example.org", &h));
	CHECK_INT(h.category, CAT_MALICIOUS_HOST);
	snprintf(spec, sizeof(spec), "secret=%s", path);
	CHECK_INT(intel_load_file(s, spec), DR_EUSAGE);
	snprintf(spec, sizeof(spec), "nonsense=%s", path);
	CHECK_INT(intel_load_file(s, spec), DR_EUSAGE);
	CHECK_INT(intel_load_file(s, "/nonexistent/feed.txt"), DR_ENOTFOUND);
	unlink(path);
	intel_free(s);
	err_clear();
}

TEST(intel, builtin_lists)
{
	struct intel_set *s = NULL;
	struct intel_hit h;

	CHECK_INT(intel_new(&s), 0);
	CHECK(intel_match_host(s, "myhome.duckdns.org", &h));
	CHECK_INT(h.category, CAT_DYNAMIC_DNS);
	CHECK(h.builtin);
	CHECK_STR(h.feed, "data/dynamic-dns.txt");
	CHECK(intel_match_host(s, "abc123.ngrok-free.app", &h));
	CHECK_INT(h.category, CAT_PROXY_TUNNEL);
	CHECK(intel_match_host(s, "xyz.trycloudflare.com", &h));
	CHECK_INT(h.category, CAT_PROXY_TUNNEL);
	CHECK(intel_match_host(s, "pool.supportxmr.com", &h));
	CHECK_INT(h.category, CAT_CRYPTOMINER);
	CHECK(!intel_match_host(s, "deb.debian.org", &h));
	CHECK(!intel_match_host(s, "github.com", &h));
	CHECK(!intel_match_host(s, "pypi.org", &h));
	CHECK(!intel_has_hashes(s));
	intel_free(s);
}
