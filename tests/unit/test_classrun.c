#include "detect/classrun.h"
#include "unit.h"

#include <stdint.h>

/* A fixed pseudo-random sequence (xorshift), so that failures repeat. */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void set_class(bool in[256], const char *chars)
{
	memset(in, 0, 256 * sizeof(bool));
	for (const char *q = chars; *q; q++)
		in[(unsigned char)*q] = true;
}

TEST(classrun, step_follows_the_run_length)
{
	bool in[256];
	struct classrun c;

	set_class(in, "abc");
	classrun_init(&c, in, 15);
	CHECK_INT(c.step, 8);
	classrun_init(&c, in, 23);
	CHECK_INT(c.step, 16);
	classrun_init(&c, in, 40);
	CHECK_INT(c.step, 32);
	classrun_init(&c, in, 93);
	CHECK_INT(c.step, 80);
}

/* Buffers of runs of class bytes of random length (up to twice the
 * minimum) between a few other bytes: from every start offset, the block
 * found is the first one a byte-by-byte search finds, and every run at least
 * the minimum long holds a block the search finds. */
TEST(classrun, blocks_found_and_every_long_run_holds_one)
{
	static const size_t mins[] = {15, 16, 40, 93};
	static const char *classes[] = {
	    "0123456789abcdefABCDEF", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"};
	unsigned char buf[1500];
	uint32_t x = 2463534242u;
	size_t long_runs = 0;

	for (size_t ci = 0; ci < 2; ci++) {
		bool in[256];
		unsigned char members[64], others[256];
		size_t n_members = 0, n_others = 0;

		set_class(in, classes[ci]);
		for (unsigned b = 0; b < 256; b++) {
			if (in[b])
				members[n_members++] = (unsigned char)b;
			else
				others[n_others++] = (unsigned char)b;
		}
		for (size_t mi = 0; mi < sizeof(mins) / sizeof(*mins); mi++) {
			for (int round = 0; round < 40; round++) {
				struct classrun c;
				size_t len = 1 + next_rand(&x) % sizeof(buf), n = 0;

				while (n < len) {
					size_t run = next_rand(&x) % (2 * mins[mi] + 1);
					size_t gap = 1 + next_rand(&x) % 4;

					for (size_t k = 0; k < run && n < len; k++)
						buf[n++] = members[next_rand(&x) % n_members];
					for (size_t k = 0; k < gap && n < len; k++)
						buf[n++] = others[next_rand(&x) % n_others];
				}
				classrun_init(&c, in, mins[mi]);
				for (size_t from = 0; from <= len; from++) {
					size_t want = len;

					for (size_t k = (from + c.step - 1) / c.step * c.step;
					     want == len && k + 8 <= len; k += c.step) {
						size_t i = 0;

						while (i < 8 && in[buf[k + i]])
							i++;
						if (i == 8)
							want = k;
					}
					CHECK_INT(classrun_next_block(&c, buf, from, len), want);
				}
				for (size_t a = 0; a < len;) {
					size_t b = a, k;

					while (b < len && in[buf[b]])
						b++;
					if (b - a >= mins[mi]) {
						k = classrun_next_block(&c, buf, a, len);
						CHECK(k >= a && k + 8 <= b);
						long_runs++;
					}
					a = b + 1;
				}
			}
		}
	}
	CHECK(long_runs > 500);
}
