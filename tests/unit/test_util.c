#include "unit.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdlib.h>

TEST(buf, cap_refuses_and_keeps_contents)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK_INT(buf_adds(&b, "12345"), 0);
	CHECK_INT(buf_adds(&b, "6789"), DR_ELIMIT);
	CHECK_STR(buf_cstr(&b), "12345");
	CHECK_INT(buf_addf(&b, "%d", 678), 0);
	CHECK_STR(b.ptr, "12345678");
	buf_release(&b);
}

TEST(buf, json_string_escapes)
{
	struct buf b = BUF_INIT;

	buf_add_json_str(&b, "a\"b\\c\n\x01", 7);
	CHECK_STR(b.ptr, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_release(&b);
}

TEST(err, wrap_prefixes_message)
{
	err_set(DR_EDIGEST, "digest mismatch");
	CHECK_INT(err_wrap(DR_EDIGEST, "cannot read blob '%s'", "sha256:ab"), DR_EDIGEST);
	CHECK_STR(err_msg(), "cannot read blob 'sha256:ab': digest mismatch");
	CHECK_INT(err_exit_code(DR_EDIGEST), 6);
	CHECK_INT(err_exit_code(DR_ELIMIT), 7);
	CHECK_INT(err_exit_code(DR_EUSAGE), 2);
}

TEST(digest, sha256_of_abc)
{
	char d[DIGEST_STR_LEN];

	sha256_digest("abc", 3, d);
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(digest_valid(d));
	CHECK_INT(digest_check(d), 0);
}

TEST(digest, check_rejects_bad_forms)
{
	CHECK_INT(digest_check("sha256:ABC"), DR_EFORMAT);
	CHECK_INT(digest_check("sha256:"), DR_EFORMAT);
	CHECK_INT(digest_check("sha512:aaaa"), DR_EUNSUPPORTED);
	CHECK_INT(digest_check("nonsense"), DR_EFORMAT);
	CHECK_INT(digest_check(
	              "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adx"),
	          DR_EFORMAT);
}

TEST(strutil, sizes_and_numbers)
{
	uint64_t v;

	CHECK_INT(str_to_size("64M", &v), 0);
	CHECK_INT(v, 64ull << 20);
	CHECK_INT(str_to_size("2g", &v), 0);
	CHECK_INT(v, 2ull << 30);
	CHECK_INT(str_to_size("12x", &v), DR_EFORMAT);
	CHECK_INT(str_to_u64("18446744073709551615", &v), 0);
	CHECK_INT(str_to_u64("18446744073709551616", &v), DR_EFORMAT);
	CHECK_INT(str_to_u64("", &v), DR_EFORMAT);
}

TEST(strutil, base64_roundtrip)
{
	unsigned char *out = NULL;
	size_t n = 0;
	char *enc = str_base64_encode((const unsigned char *)"user:pa ss", 10);

	CHECK_STR(enc, "dXNlcjpwYSBzcw==");
	CHECK_INT(str_base64_decode(&out, &n, enc, strlen(enc)), 0);
	CHECK_INT(n, 10);
	CHECK(!memcmp(out, "user:pa ss", 10));
	free(out);
	free(enc);
	CHECK_INT(str_base64_decode(&out, &n, "ab$c", 4), DR_EFORMAT);
}

TEST(strutil, utf8_validation)
{
	CHECK(str_is_utf8("caf\xc3\xa9", 5));
	CHECK(!str_is_utf8("caf\xe9", 4));
	CHECK(!str_is_utf8("\xc0\xaf", 2));        /* overlong */
	CHECK(!str_is_utf8("\xed\xa0\x80", 3));    /* surrogate */
	CHECK(str_is_utf8("\xf0\x9f\x90\xb3", 4)); /* whale */
	CHECK(!str_is_utf8("\xf0\x9f\x90", 3));    /* cut */
}

TEST(limits, set_by_name)
{
	struct limits l;

	limits_default(&l);
	CHECK_INT(l.ratio, DR_MAX_RATIO);
	CHECK_INT(limits_set(&l, "ratio=1000"), 0);
	CHECK_INT(l.ratio, 1000);
	CHECK_INT(limits_set(&l, "total-bytes=1G"), 0);
	CHECK_INT(l.total_bytes, 1ull << 30);
	CHECK_INT(limits_set(&l, "layers"), DR_EUSAGE);
	CHECK_INT(limits_set(&l, "nope=1"), DR_EUSAGE);
	CHECK_STR(err_msg(), "unknown limit 'nope'");
	CHECK_INT(limits_set(&l, "layers=0"), DR_EUSAGE);
}

TEST(jx, depth_and_duplicates)
{
	json_t *j = NULL;

	CHECK_INT(jx_parse(&j, "[[[1]]]", 7, 3, "doc"), 0);
	json_decref(j);
	CHECK_INT(jx_parse(&j, "[[[[1]]]]", 9, 3, "doc"), DR_ELIMIT);
	CHECK_INT(jx_parse(&j, "{\"a\":\"[[[[\"}", 12, 2, "doc"), 0); /* brackets in strings */
	CHECK_STR(jx_str(j, "a"), "[[[[");
	json_decref(j);
	CHECK_INT(jx_parse(&j, "{\"a\":1,\"a\":2}", 13, 8, "doc"), DR_EFORMAT);
	CHECK_INT(jx_parse(&j, "{", 1, 8, "manifest"), DR_EFORMAT);
	CHECK(!strncmp(err_msg(), "manifest: malformed JSON", 24));
}
