#include "unit.h"

#include <stdlib.h>

static struct unit_test *unit_head;

void unit_register(struct unit_test *t)
{
	t->next = unit_head;
	unit_head = t;
}

int main(int argc, char **argv)
{
	struct unit_test *list = NULL;
	int passed = 0, failed = 0;

	/* constructors register in reverse; restore file order */
	while (unit_head) {
		struct unit_test *t = unit_head;

		unit_head = t->next;
		t->next = list;
		list = t;
	}
	for (struct unit_test *t = list; t; t = t->next) {
		int f = 0;

		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		t->fn(&f);
		if (f) {
			fprintf(stderr, "FAIL %s\n", t->name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
