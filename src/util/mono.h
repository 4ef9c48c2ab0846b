/* The monotonic clock, for deadlines and elapsed times. */
#ifndef DREDGE_MONO_H
#define DREDGE_MONO_H

/* Seconds on CLOCK_MONOTONIC: only differences between two calls mean
 * anything. */
double mono_now(void);

#endif
