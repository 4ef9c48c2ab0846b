/* Campaigns: repositories grouped by what ties them to one operator.
 *
 * Each added repository is an item; edges join items (union-find):
 * - the same account (namespace);
 * - the same link target: the registrable domain a link ends at after its
 *   redirect chain is unwrapped (public shorteners, whose target is unknown,
 *   by the exact short URL instead; code hosts and the repository's own
 *   domain never);
 * - near-identical text: MinHash (16 one-permutation bins over normalised
 *   word pairs) with LSH bands of 2 bins, joined when at least half the
 *   bins agree;
 * - the same repository name under different accounts;
 * - a creation burst: at least CAMPAIGN_BURST_MIN new accounts of the same
 *   name shape (`word1970`) starting within the same 30 minutes.
 * All but the account edge join only items of the same kind hint
 * (downloader, eBook, SEO, other), so a shared host does not merge two
 * kinds of lure.
 *
 * Memory per item is fixed (about 120 bytes plus its name), and the tables
 * hold at most one entry per distinct key: a million items fit in a few
 * hundred MiB. */
#ifndef DREDGE_CAMPAIGN_H
#define DREDGE_CAMPAIGN_H

#include "detect/imageless.h"
#include "source/hubmeta.h"

#include <stddef.h>
#include <stdint.h>

#define CAMPAIGN_TOP       5    /* top domains and samples kept per campaign */
#define CAMPAIGN_BURST_S   1800 /* creation-burst window */
#define CAMPAIGN_BURST_MIN 3    /* new accounts in one window that make a burst */

enum campaign_type {
	CAMPAIGN_DOWNLOADER,
	CAMPAIGN_EBOOK,
	CAMPAIGN_SEO,
	CAMPAIGN_OTHER,
	CAMPAIGN_TYPE_COUNT
};

struct campaign {
	unsigned id; /* 1-based, by decreasing size */
	enum campaign_type type;
	size_t repos, accounts;
	int64_t first, last; /* creation times (unix s), -1 unknown */
	size_t verdicts[HUB_VERDICT_COUNT];
	const char *top_domains[CAMPAIGN_TOP];
	size_t top_counts[CAMPAIGN_TOP];
	size_t n_top;
	const char *samples[CAMPAIGN_TOP]; /* "namespace/name" */
	size_t n_samples;
};

struct campaigns;

int campaigns_new(struct campaigns **out);
void campaigns_free(struct campaigns *cs);

/* Adds one repository with its classification; returns its item number
 * (0, 1, 2, … in call order). */
uint32_t campaigns_add(struct campaigns *cs, const struct hub_repo *repo,
                       const struct imageless_result *res);

/* Groups the items; groups with fewer than min_size malicious members are
 * not campaigns (clean members attached to them count in `repos` only).
 * Call once, after the last campaigns_add. */
int campaigns_finish(struct campaigns *cs, size_t min_size);

size_t campaigns_count(const struct campaigns *cs);
/* The i-th campaign (0-based, id i + 1); borrowed. */
const struct campaign *campaigns_at(const struct campaigns *cs, size_t i);
/* The campaign id of an item, 0 when it is in none. */
unsigned campaigns_of(const struct campaigns *cs, uint32_t item);

/* "namespace/name" of an item; borrowed, valid until campaigns_free. */
const char *campaigns_item_name(const struct campaigns *cs, uint32_t item);

const char *campaign_type_name(enum campaign_type t);

/* MinHash signature of a text (exposed for tests): 16 values; texts with
 * fewer than two words give all-ones. */
#define CAMPAIGN_SIG 16
void campaign_signature(uint32_t out[CAMPAIGN_SIG], const char *const *texts, size_t n_texts);
/* Bins on which two signatures agree (0..16). */
int campaign_sig_agree(const uint32_t *a, const uint32_t *b);

#endif
