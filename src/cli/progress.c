#include "cli/progress.h"
#include "util/mono.h"
#include "util/strutil.h"

#include <stdio.h>

void progress_walk(void *ctx, const struct walk_progress *p)
{
	struct progress_state *s = ctx;
	char a[32], b[32], c[32], rate[32];
	double t = mono_now(), el;

	if (s->started == 0)
		s->started = t;
	el = t - s->started;
	str_human_bytes(p->compressed, a);
	str_human_bytes(p->uncompressed, c);
	str_human_bytes(el > 0.05 ? (uint64_t)((double)p->compressed / el) : 0, rate);
	if (p->compressed_total != (uint64_t)-1)
		str_human_bytes(p->compressed_total, b);
	else
		snprintf(b, sizeof(b), "?");
	fprintf(stderr, "\r\033[K%s layer %zu/%zu  %s / %s  %s/s  %s inflated  %llu entries",
	        s->label ? s->label : "", p->layer + 1, p->n_layers, a, b, rate, c,
	        (unsigned long long)p->entries);
	fflush(stderr);
	s->drawn = true;
	if (p->done)
		s->started = 0;
}

void progress_clear(struct progress_state *s)
{
	if (s->drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		s->drawn = false;
	}
}
