/* Progress on the terminal (stderr) for long pulls and walks: one line
 * redrawn in place. Nothing is drawn when stderr is not a terminal. */
#ifndef DREDGE_CLI_PROGRESS_H
#define DREDGE_CLI_PROGRESS_H

#include "image/walk.h"

struct progress_state {
	const char *label;
	double started;
	bool drawn;
};

/* A walk_opts.progress callback; ctx is a struct progress_state. */
void progress_walk(void *ctx, const struct walk_progress *p);
/* Erases the line if one was drawn. */
void progress_clear(struct progress_state *s);

#endif
