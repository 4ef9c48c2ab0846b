/* Repository metadata in Docker Hub's API form, streamed from JSONL dumps
 * (one repository object per line, gzip allowed, as `dredge hub crawl`
 * writes them) and from the API's paginated pages (`{"count":…,"next":…,
 * "results":[…]}`, one page per line or one pretty-printed page per file).
 *
 * The reader holds one line at a time: millions of repositories stream in
 * constant memory. A line that is not a well-formed repository object (bad
 * JSON, a duplicated key, a field of the wrong type, no namespace or name,
 * an over-long line) is counted, reported through the bad-line callback with
 * its line number, and skipped; the stream goes on. */
#ifndef DREDGE_HUBMETA_H
#define DREDGE_HUBMETA_H

#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One repository. Strings are NUL-terminated UTF-8 or NULL when absent or
 * null; numbers are -1 when absent. */
struct hub_repo {
	const char *namespace_;
	const char *name;
	const char *description;
	const char *full_description;
	const char *date_registered; /* as given, ISO 8601 */
	const char *last_updated;
	int64_t registered; /* date_registered in unix seconds; -1 unknown */
	int64_t pull_count;
	int64_t star_count;
	int64_t status;
	int is_private; /* 1, 0, or -1 unknown */
	const char *repository_type;
	const char **media_types;
	size_t n_media_types;
	const char **content_types;
	size_t n_content_types;
	long tag_count;    /* "tag_count", else the length of "tags"; -1 unknown */
	const char **tags; /* tag names from "tags" (strings or objects' "name") */
	size_t n_tags;
	long line; /* 1-based line of the input where the object is */
};

struct hubmeta;

/* Told about every skipped line: the input's name, its line and why. */
typedef void (*hubmeta_bad_fn)(void *ctx, const char *input, long line, const char *msg);

/* Opens path ("-": standard input); gzip is detected by its magic bytes.
 * DR_ENOTFOUND / DR_EIO when the file cannot be opened. */
int hubmeta_open(struct hubmeta **out, const char *path, hubmeta_bad_fn bad, void *bad_ctx);

/* Reads in-memory bytes (not copied; they must outlive the reader). */
int hubmeta_open_mem(struct hubmeta **out, const char *name, const char *data, size_t len,
                     hubmeta_bad_fn bad, void *bad_ctx);

/* The next repository in *out, borrowed until the next call: 1 when one
 * was read, 0 at the end of the input, DR_EIO / DR_EFORMAT (corrupt gzip)
 * when reading cannot go on. Bad lines are skipped, not returned. */
int hubmeta_next(struct hubmeta *r, const struct hub_repo **out);

/* Lines read, repositories returned and lines skipped as bad so far. */
void hubmeta_counts(const struct hubmeta *r, uint64_t *lines, uint64_t *repos, uint64_t *bad);

void hubmeta_free(struct hubmeta *r);

/* Parses one repository object from len bytes into out; strings point into
 * arena, which must hold at least len + 1 bytes, and the array fields into
 * ptrs (n_ptrs slots). DR_EFORMAT with a message when it is not a valid
 * repository object. Exposed for tests and fuzzing. */
int hubmeta_parse_repo(struct hub_repo *out, const char *data, size_t len, char *arena,
                       const char **ptrs, size_t n_ptrs);

/* Unix seconds of an ISO 8601 UTC time ("2021-03-04T05:06:07.123Z"); -1
 * when it is not one. */
int64_t hubmeta_parse_time(const char *s);

#endif
