#include "detect/filecheck.h"
#include "unit.h"
#include "util/err.h"

#include <stdlib.h>
#include <unistd.h>

/* The first line of a command's output. */
static int run_line(char *out, size_t size, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	int ok;

	if (!p)
		return -1;
	ok = fgets(out, (int)size, p) != NULL;
	if (pclose(p) != 0 || !ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int read_first_line(char *out, size_t size, const char *path)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

/* Generates a key of type with ssh-keygen, writes an authorized_keys line
 * (with options prefix when given) and compares our line with ssh-keygen -l. */
static int check_key(const char *dir, const char *type, const char *bits, const char *options,
                     const char *comment, char *ours, char *theirs, size_t size)
{
	char cmd[1024], key[8192], line[8400], path[512], digest[72];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t %s %s -N '' -C '%s' -f %s/k_%s </dev/null",
	         type, bits, comment, dir, type);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/k_%s.pub", dir, type);
	if (read_first_line(key, sizeof(key), path))
		return -1;
	snprintf(line, sizeof(line), "%s%s", options, key);
	snprintf(path, sizeof(path), "%s/authorized_keys_%s", dir, type);
	{
		FILE *f = fopen(path, "w");

		if (!f)
			return -1;
		fprintf(f, "%s\n", line);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "ssh-keygen -lf %s", path);
	if (run_line(theirs, size, cmd))
		return -1;
	return filecheck_ssh_key(ours, size, digest, line, strlen(line));
}

TEST(filecheck, ssh_fingerprint_equals_ssh_keygen)
{
	char dir[] = "/tmp/dredge-unit-keys-XXXXXX", ours[1024], theirs[1024], cmd[600];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(check_key(dir, "ed25519", "", "", "evil@host", ours, theirs, sizeof(ours)), 0);
	CHECK_STR(ours, theirs);
	CHECK_INT(check_key(dir, "rsa", "-b 3072", "command=\"echo a b\",no-pty ", "ops key", ours,
	                    theirs, sizeof(ours)),
	          0);
	CHECK_STR(ours, theirs);
	CHECK_INT(check_key(dir, "ecdsa", "-b 384", "", "x", ours, theirs, sizeof(ours)), 0);
	CHECK_STR(ours, theirs);
	CHECK_INT(
	    check_key(dir, "dsa", "", "from=\"10.0.0.1\" ", "old", ours, theirs, sizeof(ours)), 0);
	CHECK_STR(ours, theirs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
}

TEST(filecheck, ssh_key_rejects)
{
	char out[256], dg[72];
	static const char *const bad[] = {
	    "",
	    "# ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHm9 comment",
	    "ssh-ed25519 !!notbase64!!",
	    /* a blob whose inner type is ssh-rsa labelled as ed25519 */
	    "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x",
	    "no key here at all",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(filecheck_ssh_key(out, sizeof(out), dg, bad[i], strlen(bad[i])),
		          DR_ENOTFOUND);
	/* a real key without a comment */
	{
		const char *k =
		    "ssh-ed25519 "
		    "AAAAC3NzaC1lZDI1NTE5AAAAIGX9W0hA1z6d3y1c5kZ3nC0R8r5kY3y9m5Q2b4d3YyZx";

		CHECK_INT(filecheck_ssh_key(out, sizeof(out), dg, k, strlen(k)), 0);
		CHECK(strstr(out, " no comment (ED25519)") != NULL);
		CHECK(strncmp(out, "256 SHA256:", 11) == 0);
		CHECK(strncmp(dg, "sha256:", 7) == 0);
	}
}
