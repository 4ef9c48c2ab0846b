/* The hashfeed analyzer (registered in analyzer.h): when the scan's feeds
 * list file hashes (intel_has_hashes), every regular file is hashed with
 * sha256 as it streams, and a file whose hash a feed lists is a finding
 * `intel-file-hash` (category from the feed, critical, strong) with the
 * file's digest as evidence and fingerprint. Without a hash feed the
 * analyzer does nothing and costs nothing. */
#include "detect/analyzer.h"
#include "intel/intel.h"
#include "util/digest.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hashfeed_an {
	struct scan_ctx *sc;
	const struct intel_set *intel;
	bool active;
	struct sha256 h;
};

static int hf_init(void **out, struct scan_ctx *sc)
{
	const struct intel_set *intel = scan_intel(sc);
	struct hashfeed_an *hf;

	*out = NULL;
	if (!intel || !intel_has_hashes(intel))
		return 0;
	hf = xcalloc(1, sizeof(*hf));
	hf->sc = sc;
	hf->intel = intel;
	*out = hf;
	return 0;
}

static int hf_file(void *st, const struct file_event *ev, bool *want)
{
	struct hashfeed_an *hf = st;

	if (!hf)
		return 0;
	hf->active = ev->type == FT_REG && !ev->whiteout && !ev->opaque;
	if (hf->active) {
		*want = true;
		sha256_init(&hf->h);
	}
	return 0;
}

static int hf_content(void *st, const struct file_event *ev, const void *data, size_t len)
{
	struct hashfeed_an *hf = st;

	if (hf && hf->active)
		sha256_update(&hf->h, data, len);
	return 0;
}

static int hf_file_end(void *st, const struct file_event *ev)
{
	struct hashfeed_an *hf = st;
	char digest[DIGEST_STR_LEN], title[256];
	struct intel_hit hit;
	struct finding f;
	const char *feed;

	if (!hf || !hf->active)
		return 0;
	hf->active = false;
	sha256_final(&hf->h, digest);
	if (!intel_match_sha256(hf->intel, digest_hex(digest), &hit))
		return 0;
	feed = strrchr(hit.feed, '/') ? strrchr(hit.feed, '/') + 1 : hit.feed;
	snprintf(title, sizeof(title), "File listed by hash in threat feed '%s' line %ld (%s)",
	         feed, hit.line, category_name(hit.category));
	finding_init(&f, "intel-file-hash", hit.category, SEV_CRITICAL, title);
	f.strong = true;
	finding_add_location(&f, LOC_FILE, ev->layer_digest, (long)ev->layer_index, ev->path, 0,
	                     NULL);
	finding_set_evidence(&f, digest, strlen(digest));
	memcpy(f.fingerprint, digest, sizeof(f.fingerprint));
	scan_report(hf->sc, &f);
	return 0;
}

static void hf_free(void *st)
{
	struct hashfeed_an *hf = st;

	if (!hf)
		return;
	if (hf->active)
		sha256_release(&hf->h);
	free(hf);
}

const struct analyzer_ops analyzer_hashfeed = {
    .name = "hashfeed",
    .init = hf_init,
    .file = hf_file,
    .content = hf_content,
    .file_end = hf_file_end,
    .free = hf_free,
};
