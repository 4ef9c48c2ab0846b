#include "detect/validate.h"
#include "unit.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs validator name on value with ctx as context (value itself when NULL). */
static struct validation run(const char *name, const char *value, const char *ctx)
{
	struct validation v;
	validator_fn fn = validator_find(name);

	memset(&v, 0xff, sizeof(v));
	if (!fn) {
		v.result = (enum validation_result) - 1;
		return v;
	}
	if (!ctx)
		ctx = value;
	fn(&v, value, strlen(value), ctx, strlen(ctx));
	return v;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = xmalloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	p[n] = '\0';
	fclose(f);
	return p;
}

#define CHECK_OK(name, value, ctx)     CHECK_INT(run(name, value, ctx).result, VALIDATION_OK)
#define CHECK_REJECT(name, value, ctx) CHECK_INT(run(name, value, ctx).result, VALIDATION_REJECT)
#define CHECK_WEAK(name, value, ctx, sev, st)                                                      \
	do {                                                                                       \
		struct validation w_ = run(name, value, ctx);                                      \
		CHECK_INT(w_.result, VALIDATION_WEAK);                                             \
		CHECK_INT(w_.severity, sev);                                                       \
		CHECK_INT(w_.status, st);                                                          \
	} while (0)

TEST(validate, registry)
{
	CHECK(validator_find("private-key") != NULL);
	CHECK(validator_find("github-token") != NULL);
	CHECK(validator_find("no-such-validator") == NULL);
	for (size_t i = 0; validator_names[i]; i++)
		CHECK(validator_find(validator_names[i]) != NULL);
}

TEST(validate, crc32_and_base62)
{
	char b[7];

	CHECK_INT(secret_crc32("123456789", 9), 0xCBF43926u);
	secret_base62_crc(b, 0);
	CHECK_STR(b, "000000");
	secret_base62_crc(b, 61);
	CHECK_STR(b, "00000z");
	secret_base62_crc(b, 62);
	CHECK_STR(b, "000010");
}

TEST(validate, github_token_checksum)
{
	CHECK_OK("github-token", "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", NULL);
	CHECK_OK("github-token", "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", NULL);
	CHECK_OK("github-token", "ghs_JXVuLkSIc47WQAmL9xVQ2zg4mZaouq416qWT", NULL);
	CHECK_STR(run("github-token", "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", NULL).reason,
	          "checksum verified");
	/* one character of the random part changed: the checksum fails */
	CHECK_WEAK("github-token", "ghp_Ky9Pf34qY6Nb3wWD25RQ4F5ZR3qa7y3gm1IM", NULL, SEV_LOW,
	           ST_ACTIVE);
	CHECK_WEAK("github-token", "ghp_Ly9Pf34qY6Nb3wWD25RQ4F5ZR3qa7y3gm1IL", NULL, SEV_LOW,
	           ST_ACTIVE);
	CHECK_WEAK("github-token", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL, SEV_INFO,
	           ST_EXAMPLE);
	CHECK_REJECT("github-token", "gha_Ky9Pf34qY6Nb3wWD25RQ4F5ZR3qa7y3gm1IL", NULL);
}

/* A GitHub token: prefix, then body as its random part (30 characters)
 * followed by the checksum of it. */
static void make_github_token(char out[41], const char *prefix, const char *body)
{
	memcpy(out, prefix, 4);
	memcpy(out + 4, body, 30);
	secret_base62_crc(out + 34, secret_crc32(body, 30));
	out[40] = '\0';
}

TEST(validate, words_inside_random_tokens)
{
	static const char alphabet[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	/* a placeholder word that is only a few random letters of the token */
	static const char *const random_parts[] = {
	    "Qm7HeRe2kP9vLx4Tz8Nw3Yb6Jc1Rf5", "k3YoUr9Vb2Mx7Lq4Wz8Tn1Pc6Hd5Gs",
	    "Zx8Rt3fake9Lp2Vn6Bq4Wm7Kc1Hj5D", "Ab3Xd9Kq2Lm7Vp4Rt8Wn1Zc6HyourQ",
	    "Lp2HERE9Vn6Bq4Wm7Kc1Hj5DQm7k3Y", "u2xXxxR9Lp2Vn6Bq4Wm7Kc1Hj5DQm7",
	};
	/* words that stand apart (an edge, a separator, camel case): placeholders */
	static const char *const words[] = {
	    "your_token_here_0123Lp2Vn6Bq4W",
	    "Rt3Lp2Vn6Bq4Wm7Kc1Hj5D_x9_here",
	    "MyFakeToken9Lp2Vn6Bq4Wm7Kc1Hj5",
	    "YOUR9Lp2Vn6Bq4Wm7Kc1Hj5DQm7k3Y",
	};
	char tok[41];
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t demoted = 0, n = 200000;

	for (size_t i = 0; i < sizeof(random_parts) / sizeof(random_parts[0]); i++) {
		make_github_token(tok, "ghp_", random_parts[i]);
		CHECK_OK("github-token", tok, NULL);
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		make_github_token(tok, "ghp_", words[i]);
		CHECK_WEAK("github-token", tok, NULL, SEV_INFO, ST_EXAMPLE);
	}
	/* Random tokens with valid checksums: some hold one of the words by
	 * chance. When a word anywhere was enough, 29 of these 200,000 were
	 * taken for placeholders; now 2 are (camel case, "rYourG"). */
	for (size_t i = 0; i < n; i++) {
		char body[30];

		for (size_t k = 0; k < 30; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			body[k] = alphabet[x % 62];
		}
		make_github_token(tok, "ghp_", body);
		demoted += run("github-token", tok, NULL).result != VALIDATION_OK;
	}
	CHECK(demoted <= n / 50000);
}

TEST(validate, npm_token_checksum)
{
	CHECK_OK("npm-token", "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", NULL);
	CHECK_WEAK("npm-token", "npm_ugM1yTMAd7V3DnI8lFPPwtV5ASPZHu0FecsY", NULL, SEV_LOW,
	           ST_ACTIVE);
	CHECK_WEAK("npm-token", "npm_ugM1yTMAd7V3DnI8lFPPwtV5ASPZHu0Fecs", NULL, SEV_LOW,
	           ST_ACTIVE);
	CHECK_REJECT("npm-token", "pmn_ugM1yTMAd7V3DnI8lFPPwtV5ASPZHu0FecsX", NULL);
}

TEST(validate, aws_key_id)
{
	CHECK_OK("aws-key-id", "AKIAZ5Q4XN7W3BF2XVUP", NULL);
	CHECK_OK("aws-key-id", "ASIAY34FZKBOKMUTVV7A", NULL);
	CHECK_WEAK("aws-key-id", "AKIAIOSFODNN7EXAMPLE", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("aws-key-id", "AKIADEADBEEFDEADBEEF", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("aws-key-id", "AKIAXXXXXXXXXXXXXXXX", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("aws-key-id", "A3T0ABCDEFGHIJKLMNOP", NULL, SEV_INFO, ST_EXAMPLE);
	/* 0, 1, 8, 9 are not base32 */
	CHECK_WEAK("aws-key-id", "AKIAZ5Q4XN7W3BF2XV19", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_REJECT("aws-key-id", "AKIAZ5Q4XN7W3BF2XVU", NULL);
}

TEST(validate, aws_secret_key_pairing)
{
	const char *secret = "Yq3Lk8v0Rz2Tn5Wb7Xc1Pd4Fg6Hj9Km2Ns4Qt6Vw";
	const char *paired = "aws_access_key_id = AKIAZ5Q4XN7W3BF2XVUP\n"
	                     "aws_secret_access_key = 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\n";

	CHECK_OK("aws-secret-key", secret, paired);
	CHECK_WEAK("aws-secret-key", secret,
	           "AWS_SECRET_ACCESS_KEY=Yq3Lk8v0Rz2Tn5Wb7Xc1Pd4Fg6Hj9Km2Ns4Qt6Vw", SEV_HIGH,
	           ST_ACTIVE);
	CHECK_REJECT("aws-secret-key", secret,
	             "client_secret=Yq3Lk8v0Rz2Tn5Wb7Xc1Pd4Fg6Hj9Km2Ns4Qt6Vw");
	CHECK_WEAK("aws-secret-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", paired, SEV_INFO,
	           ST_EXAMPLE);
	CHECK_WEAK("aws-secret-key", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", paired, SEV_INFO,
	           ST_EXAMPLE);
	CHECK_REJECT("aws-secret-key", "Yq3Lk8v0Rz2Tn5Wb7Xc1Pd4Fg6Hj9Km2Ns4Qt6V", paired);
}

TEST(validate, placeholders)
{
	static const char *const yes[] = {
	    "changeme",
	    "password",
	    "<your-api-key>",
	    "xxxxxxxx",
	    "********",
	    "example",
	    "your_api_key_here",
	    "abcdef123",
	    "123456789",
	    "p@ssw0rd",
	    "D1fficultP@ssw0rd",
	    "super$ecret",
	    "aaaaaaaaaaaa",
	    "dummy-token",
	    "[insert key]",
	    "foobar",
	    "sample_secret_value",
	    "REDACTED",
	    "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8NRAL",
	    "X9y8Z7a6B5c4D3e2F1g0H9i8J7k6L5m4N3o2P1q0",
	};
	static const char *const no[] = {
	    "Yq3Lk8v0Rz2Tn5Wb7Xc1",
	    "k9#Vd2!mQz7$",
	    "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",
	    "Pseg2020x",
	    "Zx9vT2wq",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!secret_is_placeholder(yes[i], strlen(yes[i])))
			UNIT_FAIL("'%s' should be a placeholder", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (secret_is_placeholder(no[i], strlen(no[i])))
			UNIT_FAIL("'%s' should not be a placeholder", no[i]);
}

TEST(validate, references)
{
	static const char *const yes[] = {
	    "${DB_PASSWORD}",
	    "$PASSWORD",
	    "{{ .Values.password }}",
	    "%DB_PASS%",
	    "#{datastore['DBPASSWORD']}",
	    "<%= ENV['X'] %>",
	    "os.environ['PW']",
	    "getpass()",
	    "config.password",
	    "request.form[\"password\"]",
	    "$(cat /run/pw)",
	    "+ getMasterUserPassword() +",
	    "rememberMeLabel:",
	    "/en/enterprise-server@3.0/auth",
	    "cms/sites/passwords#update",
	    "arn:aws:iam::aws:policy/IAMUserChangePassword",
	    "https://example.com/login",
	};
	static const char *const no[] = {"hunter2x", "k9#Vd2!mQz7$", "10.0.0.1", "s3cr3t!"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!secret_is_reference(yes[i], strlen(yes[i])))
			UNIT_FAIL("'%s' should be a reference", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (secret_is_reference(no[i], strlen(no[i])))
			UNIT_FAIL("'%s' should not be a reference", no[i]);
}

TEST(validate, password_and_generic)
{
	CHECK_OK("password", "k9#Vd2!mQz7$", NULL);
	CHECK_WEAK("password", "changeme", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("password", "open_sesame", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("password", "whiteduke", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("password", "Xy7", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_REJECT("password", "${DB_PASSWORD}", NULL);
	CHECK_REJECT("password", "\"\"", NULL);
	CHECK_OK("generic-secret", "wsxY2eUG78qKGTyUpAOUbwCDCwc8mZSQ", NULL);
	CHECK_WEAK("generic-secret", "951bc382db9abad29c68634761dd6e19", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("generic-secret", "your_api_key_here", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_REJECT("generic-secret", "abc1", NULL);
	CHECK_REJECT("generic-secret", "process.env.API_KEY", NULL);
}

TEST(validate, credential_url_decoding)
{
	CHECK_OK("credential", "Pseg2020", NULL);
	CHECK_WEAK("credential", "D1fficultP%40ssw0rd", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("credential", "secret", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_REJECT("credential", "$Password", NULL);
}

TEST(validate, url_userinfo)
{
	CHECK_OK("url-userinfo", "app:Xk29vLq8TzPw", NULL);
	CHECK_OK("url-userinfo", "Xk29vLq8TzPw", NULL);
	CHECK_WEAK("url-userinfo", "postgres:postgres", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("url-userinfo", "svc:svc", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_REJECT("url-userinfo", "$USER:$PASS", NULL);
	CHECK_REJECT("url-userinfo", "admin:${ADMIN_PASSWORD}", NULL);
}

TEST(validate, fixture_paths)
{
	CHECK(secret_path_is_fixture("srv/app/.env.example"));
	CHECK(secret_path_is_fixture("etc/app/config.sample.yml"));
	CHECK(!secret_path_is_fixture("srv/app/.env"));
	CHECK(secret_path_is_fixture("/app/tests/data/key.pem"));
	CHECK(secret_path_is_fixture("usr/lib/go/src/crypto/tls/testdata/x.pem"));
	CHECK(secret_path_is_fixture("/src/server_test.go"));
	CHECK(secret_path_is_fixture("/src/test_auth.py"));
	CHECK(secret_path_is_fixture("/srv/app/spec/fixtures/creds.yml"));
	CHECK(secret_path_is_fixture("examples/config.json"));
	CHECK(!secret_path_is_fixture("/root/.aws/credentials"));
	CHECK(!secret_path_is_fixture("/etc/ssl/private/server.key"));
	CHECK(!secret_path_is_fixture("/app/contest/config.py"));
	CHECK(!secret_path_is_fixture(NULL));
}

static void check_key_file(int *unit_failed, const char *path, const char *reason_part)
{
	char *k = slurp(path);
	struct validation v;

	if (!k)
		UNIT_FAIL("cannot read %s (run from the repository root)", path);
	v = run("private-key", k, NULL);
	if (v.result != VALIDATION_OK || !strstr(v.reason, reason_part)) {
		free(k);
		UNIT_FAIL("%s: result %d reason '%s', want OK with '%s'", path, (int)v.result,
		          v.reason, reason_part);
	}
	free(k);
}

TEST(validate, real_keys_parse)
{
	check_key_file(unit_failed, "tests/data/keys/test-only-rsa-pkcs1.pem", "2048-bit RSA");
	check_key_file(unit_failed, "tests/data/keys/test-only-rsa-pkcs8.pem", "2048-bit RSA");
	check_key_file(unit_failed, "tests/data/keys/test-only-ec.pem", "256-bit EC");
	check_key_file(unit_failed, "tests/data/keys/test-only-rsa-encrypted.pem",
	               "encrypted PKCS#8");
	check_key_file(unit_failed, "tests/data/keys/test-only-ed25519", "unencrypted OpenSSH");
	check_key_file(unit_failed, "tests/data/keys/test-only-ed25519-encrypted",
	               "passphrase-protected OpenSSH");
	check_key_file(unit_failed, "tests/data/keys/test-only-pgp.asc", "OpenPGP secret key");
}

TEST(validate, keys_in_code)
{
	char *k = slurp("tests/data/keys/test-only-rsa-pkcs1.pem");
	struct buf b = BUF_INIT;
	struct validation v;

	CHECK(k != NULL);
	/* the key as a JSON/C string with \n escapes */
	buf_addc(&b, '"');
	for (const char *p = k; *p; p++) {
		if (*p == '\n')
			buf_adds(&b, "\\n");
		else
			buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	v = run("private-key", buf_cstr(&b), NULL);
	buf_reset(&b);
	/* the key as Java string concatenation, one quoted line each */
	for (const char *p = k; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		buf_addf(&b, "\"%.*s\" +\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
	CHECK_INT(v.result, VALIDATION_OK);
	v = run("private-key", buf_cstr(&b), NULL);
	CHECK_INT(v.result, VALIDATION_OK);
	buf_release(&b);
	free(k);
}

TEST(validate, broken_keys)
{
	char *k = slurp("tests/data/keys/test-only-rsa-pkcs1.pem");
	char *cut;
	struct validation v;

	CHECK(k != NULL);
	/* truncated in the middle: no END line, DER incomplete */
	cut = xstrndup(k, strlen(k) / 2);
	v = run("private-key", cut, NULL);
	free(cut);
	CHECK_INT(v.result, VALIDATION_WEAK);
	CHECK_INT(v.severity, SEV_LOW);
	CHECK_STR(v.reason, "truncated key");
	free(k);
	CHECK_WEAK("private-key",
	           "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", NULL,
	           SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("private-key",
	           "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA...your key here...\n"
	           "-----END RSA PRIVATE KEY-----",
	           NULL, SEV_INFO, ST_EXAMPLE);
	/* right length, not DER */
	CHECK_WEAK("private-key",
	           "-----BEGIN PRIVATE KEY-----\n"
	           "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\n"
	           "ejAxMjM0NTY3ODlBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWmFiY2RlZmdoaWprbG1u\n"
	           "-----END PRIVATE KEY-----",
	           NULL, SEV_LOW, ST_ACTIVE);
	CHECK_REJECT("private-key", "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----",
	             NULL);
}

TEST(validate, private_key_base64)
{
	char *k = slurp("tests/data/keys/test-only-ec.pem");
	char *b;

	CHECK(k != NULL);
	b = str_base64_encode((const unsigned char *)k, strlen(k));
	CHECK_OK("private-key-base64", b, NULL);
	b[strlen(b) / 2] = '\0';
	CHECK_INT(run("private-key-base64", b, NULL).result, VALIDATION_WEAK);
	free(b);
	free(k);
	CHECK_REJECT("private-key-base64",
	             "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=", NULL);
}

TEST(validate, putty_key)
{
	const char *good =
	    "PuTTY-User-Key-File-3: ssh-ed25519\n"
	    "Encryption: none\n"
	    "Comment: test-only-key\n"
	    "Public-Lines: 2\n"
	    "AAAAC3NzaC1lZDI1NTE5AAAAIBaNFjdH2eHIvDk7VzKfnh9d0v3aWq1M8c\n"
	    "QmVyY2hhcg==\n"
	    "Private-Lines: 1\n"
	    "AAAAIE2xD1Q8aVJdH6tS3kf5G0rY7m9eWq2Nc4Lp6Zt8bV1x\n"
	    "Private-MAC: 1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e1f3a\n";
	const char *cut = "PuTTY-User-Key-File-3: ssh-ed25519\n"
	                  "Encryption: none\n"
	                  "Comment: test-only-key\n"
	                  "Public-Lines: 2\n"
	                  "AAAAC3NzaC1lZDI1NTE5AAAAIBaNFjdH2eHIvDk7VzKfnh9d0v3aWq1M8c\n";

	CHECK_OK("putty-key", good, NULL);
	CHECK_STR(run("putty-key", good, NULL).reason, "unencrypted PuTTY key");
	CHECK_OK("private-key", good, NULL);
	CHECK_WEAK("putty-key", cut, NULL, SEV_LOW, ST_ACTIVE);
	CHECK_REJECT("putty-key", "PuTTY Key File", NULL);
}

TEST(validate, gcp_service_account)
{
	char *k = slurp("tests/data/keys/test-only-rsa-pkcs8.pem");
	struct buf val = BUF_INIT, json = BUF_INIT;

	CHECK(k != NULL);
	for (const char *p = k; *p; p++) {
		if (*p == '\n')
			buf_adds(&val, "\\n");
		else
			buf_addc(&val, *p);
	}
	buf_addf(&json,
	         "{\"type\": \"service_account\", \"project_id\": \"p\", \"private_key\": \"%s\"}",
	         buf_cstr(&val));
	CHECK_OK("gcp-service-account", buf_cstr(&val), buf_cstr(&json));
	CHECK_WEAK("gcp-service-account", buf_cstr(&val), "{\"private_key\": 1}", SEV_HIGH,
	           ST_ACTIVE);
	buf_release(&val);
	buf_release(&json);
	free(k);
}

TEST(validate, azure)
{
	/* 64 bytes of base64: 86 characters and "==" */
	CHECK_OK("azure-storage-key",
	         "oibe7YVjvQOrxhAowvWXCk3HB9LdRHmYuOvgY7bJ621lus2TcfbvIuBdGAkifjdC96xvx6DaTWuB1WKSW"
	         "YiVaA==",
	         NULL);
	CHECK_WEAK("azure-storage-key", "q2Vz7nKp4XbR9tLm3WcY8hFd6JsA1uGe5oPi0QvZ==", NULL, SEV_LOW,
	           ST_ACTIVE);
	CHECK_OK("azure-sas", "lTvnVq7q7QfbR%2F2bq7IpstxT9ornkpEatqc2otT8kkQ%3D",
	         "?sv=2022-11-02&ss=b&srt=o&se=2030-01-01T00:00:00Z&sp=r&sig="
	         "lTvnVq7q7QfbR%2F2bq7IpstxT9ornkpEatqc2otT8kkQ%3D");
	CHECK_REJECT("azure-sas", "lTvnVq7q7QfbR%2F2bq7IpstxT9ornkpEatqc2otT8kkQ%3D",
	             "https://x/?sig=lTvnVq7q7QfbR%2F2bq7IpstxT9ornkpEatqc2otT8kkQ%3D");
}

TEST(validate, stripe_and_tokens)
{
	CHECK_OK("stripe-key", "sk_live_51Hq8RkLm2TzVx9wNb5YcD3p", NULL);
	CHECK_WEAK("stripe-key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("stripe-key", "sk_test_51Hq8RkLm2TzVx9wNb5YcD3p", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_OK("token", "glpat-Rk3vX9qLm2Tz8wNb5YcD", NULL);
	CHECK_WEAK("token", "glpat-xxxxxxxxxxxxxxxxxxxx", NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_WEAK("token", "xoxb-0000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx", NULL,
	           SEV_INFO, ST_EXAMPLE);
	CHECK_OK("telegram-bot-token", "4839574813:AAFD39kkdpWt3ywyRZergyOLMaJhac61qcQ", NULL);
	CHECK_REJECT("telegram-bot-token", "12:AAFD39kkdpWt3ywyRZergyOLMaJhac61qcQ", NULL);
	/* base64("123456789012345678") . ts . hmac */
	CHECK_OK("discord-token",
	         "MTIzNDU2Nzg5MDEyMzQ1Njc4.GqZx1b.Kd8vR3tPq9Lm2Wz7Xc4Yb6Nf1Hj0Ts5Ug8Ve3", NULL);
	CHECK_REJECT("discord-token",
	             "aGVsbG8gd29ybGQgaGVsbG8.GqZx1b.Kd8vR3tPq9Lm2Wz7Xc4Yb6Nf1Hj0Ts5Ug8Ve3", NULL);
	CHECK_OK("wireguard-key", "PJeLIV7qmnmglBCbA+jWeEKNOzH+t3iK1ox5ZaPcJjs=", NULL);
	CHECK_WEAK("wireguard-key", "AsaFot43bfs1fEWjvtty+rGcjh3rP1H6sug1l3u1", NULL, SEV_LOW,
	           ST_ACTIVE);
}

TEST(validate, basic_auth)
{
	/* "deploy:Vx8#kq2Lm9Pz" */
	CHECK_OK("basic-auth", "ZGVwbG95OlZ4OCNrcTJMbTlQeg==", NULL);
	/* RFC 7617's "Aladdin:open sesame" */
	CHECK_WEAK("basic-auth", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", NULL, SEV_INFO, ST_EXAMPLE);
	/* "user:password" */
	CHECK_WEAK("basic-auth", "dXNlcjpwYXNzd29yZA==", NULL, SEV_INFO, ST_EXAMPLE);
	/* "no-colon-here" */
	CHECK_REJECT("basic-auth", "bm8tY29sb24taGVyZQ==", NULL);
}

TEST(validate, jwt)
{
	/* {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890","name":"x","iat":1516239022} */
	CHECK_OK("jwt",
	         "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	         "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IngiLCJpYXQiOjE1MTYyMzkwMjJ9."
	         "pR3xT8kQ2mZ5vN9wL1cY7hB4gF6jD0sA3eU8iO2qW5t",
	         NULL);
	/* {"alg":"none"} */
	CHECK_WEAK("jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.", NULL, SEV_LOW,
	           ST_ACTIVE);
	/* {"alg":"HS256"} . {"exp":1000000000} (2001) */
	CHECK_WEAK("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjEwMDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJl",
	           NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("jwt",
	           "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	           "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
	           "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
	           NULL, SEV_INFO, ST_EXAMPLE);
	/* {"typ": "TCV2"}: no alg */
	CHECK_REJECT("jwt", "eyJ0eXAiOiAiVENWMiJ9.RkNWLXdXS3M1RVBfencxM4A0WmJzdVlCQzFj.OGY1OWRk",
	             NULL);
}

TEST(validate, bech32_age)
{
	CHECK_OK("bech32",
	         "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX",
	         NULL);
	CHECK_WEAK("bech32",
	           "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEQ",
	           NULL, SEV_LOW, ST_ACTIVE);
	CHECK_REJECT("bech32", "AGE-SECRET-KEY-", NULL);
}

TEST(validate, jwt_example_secret)
{
	/* PyJWT's README token: {"some": "payload"} signed with "secret" */
	CHECK_WEAK("jwt",
	           "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9."
	           "4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg",
	           NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_STR(run("jwt",
	              "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9."
	              "4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg",
	              NULL)
	              .reason,
	          "signed with a well-known example secret");
	/* the same token with a signature made with another key */
	CHECK_OK("jwt",
	         "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9."
	         "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5Zg",
	         NULL);
}

TEST(validate, aws_session_token)
{
	char tok[260];

	/* a realistic length (the service returns several hundred characters) */
	memcpy(tok, "IQoJb3JpZ2luX2VjE", 17);
	for (size_t i = 17; i < 259; i++)
		tok[i] = "Kq7Zp2Xv9LmT4wRb8NcY3hGd6FsJ1uEa5oPi0QkV"[(i * 7) % 40];
	tok[259] = '\0';
	CHECK_OK("aws-session-token", tok, NULL);
	CHECK_WEAK("aws-session-token", "FwoGZXIvYXdzEKq7Zp2Xv9Lm", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("aws-session-token", "<session-token-from-sts>", NULL, SEV_INFO, ST_EXAMPLE);
}

TEST(validate, azure_devops_pat)
{
	CHECK_OK(
	    "azure-devops-pat",
	    "t0b9Jm6OGRB7MrYcOfVVFpI1QalQXv953c83dfFMKg7HCb2iQ3KqJQQJ99BFACAAAAAP5FNqAAASAZDOpJ8A",
	    NULL);
	/* the random part is a placeholder sequence */
	CHECK_WEAK(
	    "azure-devops-pat",
	    "aQwErTy123456789AbCdEf0123456789AbCdEf0123456789AbCdEf0123456789AbCdEf012345AZDOabc1",
	    NULL, SEV_INFO, ST_EXAMPLE);
	CHECK_REJECT(
	    "azure-devops-pat",
	    "t0b9Jm6OGRB7MrYcOfVVFpI1QalQXv953c83dfFMKg7HCb2iQ3KqJQQJ99BFACAAAAAP5FNqAAASAZDXpJ8A",
	    NULL);
}

TEST(validate, code_and_prose_values)
{
	/* unquoted names read as code; quoted literals do not */
	CHECK_WEAK("password", "UTF8String", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("generic-secret", "ERRLOG2_BASE", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("password", "no-debconf-config", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("password", "'1.2.840.113549.1.9.7'", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("password", "'Password used to generate key'", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_WEAK("password", "WINHTTP_BASE+185", NULL, SEV_LOW, ST_ACTIVE);
	CHECK_OK("password", "Xk29vLq8TzPw", NULL);
	CHECK_OK("password", "'Ut8String#4'", NULL);
	CHECK_REJECT("password", "std::move(RHS.Pass", NULL);
	CHECK_REJECT("password", "r\x18", NULL);
}

TEST(validate, token_dominated_by_one_character_is_encoded_data)
{
	struct validation v;

	/* base64 of a binary table (zero bytes read "AAAA") */
	v = run("token",
	        "EAAAoBUAACMUAACJEgAAixQAAE0VAADUEQAAzxQAABAYAADJFgAA3BYAAMERAADgFwAAuxQAAHQU"
	        "AAB8FQAA5RQAAAgXAAAfEAAAZRUAAKMUAAAoFQAAAhUAAJkVAAAsEAAAixkAAE8PAADUDgAAahAA",
	        "");
	CHECK_INT(v.result, VALIDATION_WEAK);
	CHECK_INT(v.severity, SEV_LOW);
	CHECK_STR(v.reason, "one character dominates: encoded data");
	/* a fixed leading run is a format, not data */
	v = run("token",
	        "AAAAAAAAAAAAAAAAAAAAAPq7Xk2Lm9Rt4Vw8Yz1Bc5Nd0Gh6Jf3Ks7Qp2Wx9Er4Ty8Ui1Op5As0Df",
	        "");
	CHECK_INT(v.result, VALIDATION_OK);
	v = run("token",
	        "EAACEdEose0cBAXlRqLcPpgte7H9Zs4n1lEXi5EZMlkNz8mDp9cbNvJxlb5sFCGvR5K3YePsegMp", "");
	CHECK_INT(v.result, VALIDATION_OK);
}
