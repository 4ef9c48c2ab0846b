/* Unsafe libc calls are banned at compile time (every file includes this
 * header through -include). Use buf_addf, snprintf, str_copy, strtok_r or
 * str_to_u64 instead. scripts/lint checks the same list in the sources. */
#ifndef DREDGE_BANNED_H
#define DREDGE_BANNED_H

/* The system headers that declare them come first, so that their own
 * (inline) definitions are not rewritten by the macros below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)

#endif
