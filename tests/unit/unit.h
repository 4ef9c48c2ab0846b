/* A small unit-test harness: TEST(module, case) defines test_<module>__<case>
 * and registers it; CHECK* record a failure with file and line and return
 * from the test. `build/unit-tests [filter]` runs them and ends with the
 * line "N passed, N failed". */
#ifndef DREDGE_UNIT_H
#define DREDGE_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(int *failed);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);

#define TEST(module, name)                                                                         \
	static void test_##module##__##name(int *unit_failed);                                     \
	static struct unit_test unit_##module##__##name = {#module "::" #name,                     \
	                                                   test_##module##__##name, NULL};         \
	__attribute__((constructor)) static void unit_reg_##module##__##name(void)                 \
	{                                                                                          \
		unit_register(&unit_##module##__##name);                                           \
	}                                                                                          \
	static void test_##module##__##name(int *unit_failed)

#define UNIT_FAIL(...)                                                                             \
	do {                                                                                       \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                  \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		*unit_failed = 1;                                                                  \
		return;                                                                            \
	} while (0)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			UNIT_FAIL("check failed: %s", #cond);                                      \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long unit_a = (long long)(a), unit_b = (long long)(b);                        \
		if (unit_a != unit_b)                                                              \
			UNIT_FAIL("%s == %lld, expected %s == %lld", #a, unit_a, #b, unit_b);      \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *unit_a = (a), *unit_b = (b);                                           \
		if (!unit_a || !unit_b || strcmp(unit_a, unit_b) != 0)                             \
			UNIT_FAIL("%s == \"%s\", expected \"%s\"", #a, unit_a ? unit_a : "(null)", \
			          unit_b ? unit_b : "(null)");                                     \
	} while (0)

#define CHECK_NULL(a)                                                                              \
	do {                                                                                       \
		if ((a) != NULL)                                                                   \
			UNIT_FAIL("%s is not NULL", #a);                                           \
	} while (0)

#endif
