/* The registry client's parsers of what servers and helpers answer: a
 * WWW-Authenticate value, a token endpoint's JSON, an errors body and a
 * credential helper's answer, all from the same bytes. */
#include "source/registry_int.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size); /* a header value ends at NUL */
	struct reg_challenge c;
	char *tok = NULL, *user = NULL, *pass = NULL, *summary;
	int rc;

	rc = reg__challenge_parse(&c, text);
	if (rc == 0) {
		if (c.scheme == REG_AUTH_BEARER && !c.realm)
			abort();
		free(reg__token_url(c.realm ? c.realm : "", c.service, c.scope));
		reg__challenge_release(&c);
	} else if (rc != DR_EFORMAT) {
		abort();
	}
	if (reg__token_parse(&tok, (const char *)data, size) == 0) {
		if (!tok || !*tok)
			abort();
		free(tok);
	}
	summary = reg__error_summary((const char *)data, size);
	free(summary);
	if (reg__cred_helper_parse(&user, &pass, (const char *)data, size, "docker-credential-x") ==
	    0) {
		if (!user || !pass || !*pass)
			abort();
		free(user);
		free(pass);
	} else if (user || pass || !err_msg()[0]) {
		abort();
	}
	free(text);
	return 0;
}
