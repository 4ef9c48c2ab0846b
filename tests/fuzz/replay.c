/* Runs a libFuzzer target over every file of a corpus directory without
 * libFuzzer, so that `make test` replays the seed corpus (and any crash
 * files added to it) under the sanitizers. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **names = NULL;
		int n = scandir(argv[i], &names, NULL, alphasort);

		if (n < 0) {
			if (run_file(argv[i])) {
				fprintf(stderr, "replay: cannot read '%s'\n", argv[i]);
				return 1;
			}
			count++;
			continue;
		}
		for (int k = 0; k < n; k++) {
			char path[4096];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
			if (names[k]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode)) {
				if (run_file(path)) {
					fprintf(stderr, "replay: cannot read '%s'\n", path);
					return 1;
				}
				count++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("replay %s: %d inputs ok\n", argv[0], count);
	return 0;
}
