/* Allocation that never returns NULL: out of memory prints and aborts, as
 * recovering from it half-way through a scan would only hide results. */
#ifndef DREDGE_MEM_H
#define DREDGE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *array (of *alloc elements of size elem) to hold at least need. */
void xgrow(void **array, size_t *alloc, size_t need, size_t elem);

#define XGROW(array, alloc, need) xgrow((void **)&(array), &(alloc), (need), sizeof(*(array)))

#endif
