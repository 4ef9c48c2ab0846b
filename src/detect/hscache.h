/* Compiled Hyperscan databases kept on disk.
 *
 * Compiling the rule packs into Hyperscan databases takes most of a scan's
 * start-up (~0.15 s here), and the result depends only on the patterns with
 * their flags and ids, the mode, the Hyperscan version and the CPU it was
 * compiled for. A database is stored under the cache directory by the sha256
 * of all of those and loaded instead of compiled when it is there and whole
 * (its own sha256 checks out).
 *
 * Loading a file marks it used (its mtime); storing one prunes the cache
 * to HSCACHE_MAX_BYTES, least recently used files first, so that rule sets
 * tried once do not pile up.
 *
 * The cache is an optimisation only: a directory that is missing, not
 * ours, writable by others, or a file that is short, corrupt or from another
 * Hyperscan, means the database is compiled (and the file rewritten when
 * possible), never an error. */
#ifndef DREDGE_HSCACHE_H
#define DREDGE_HSCACHE_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stdint.h>

#define HSCACHE_MAX_BYTES (64u << 20) /* the cache directory's databases, pruned to this */

/* Like hs_compile_multi; dir NULL: no cache. *loaded says whether the
 * database came from the cache. */
hs_error_t hscache_compile_multi(const char *dir, const char *const *expr, const unsigned *flags,
                                 const unsigned *ids, unsigned n, unsigned mode, hs_database_t **db,
                                 hs_compile_error_t **err, bool *loaded);

/* Removes the least recently used databases of dir (its private hs-*.db
 * files) until they take at most max_bytes, never keep (a path, may be
 * NULL), and writers' temporary files older than an hour. */
void hscache_prune(const char *dir, uint64_t max_bytes, const char *keep);

/* The directory the command line uses: $DREDGE_CACHE_DIR, else
 * $XDG_CACHE_HOME/dredge, else $HOME/.cache/dredge; NULL when
 * DREDGE_CACHE_DIR is "off" or no home is known. Malloc'd. */
char *hscache_default_dir(void);

#endif
