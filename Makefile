# dredge build. `make` builds build/dredge; `make test` runs every test (plain
# and sanitizer builds); `make demo` scans the bundled sample images.
# Warnings are errors. V=1 shows commands.

CC      ?= cc
BUILD   ?= build
PKGS     = libisal libzstd libarchive libcurl openssl jansson yaml-0.1 libpsl \
           libhs libpcre2-8 yara md4c gumbo
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wpointer-arith -Wundef -Wno-unused-parameter
OPT     ?= -O2 -g
SAN     ?=
CFLAGS_ALL = -std=gnu11 $(OPT) $(SAN) $(WARN) -D_GNU_SOURCE -Isrc -include util/banned.h $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm

ifeq ($(V),1)
Q =
else
Q = @
endif

LIB_SRC  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embed.o
EMBED    := $(sort $(wildcard rules/*.yaml) $(filter-out data/README.md,$(wildcard data/*)))
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all test unit e2e rules-check fuzz-replay asan asan-test lint format demo bench fuzz clean
all: $(BUILD)/dredge

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# Shipped rule packs and data lists are embedded in the binary.
$(BUILD)/gen/embed.S: scripts/gen-embed $(EMBED) Makefile
	@mkdir -p $(dir $@)
	$(Q)scripts/gen-embed $@ $(EMBED)

$(BUILD)/gen/embed.o: $(BUILD)/gen/embed.S
	$(Q)$(CC) -c $< -o $@

$(BUILD)/libdredge.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/dredge: $(CLI_OBJ) $(BUILD)/libdredge.a
	$(Q)$(CC) $(OPT) $(SAN) -o $@ $(CLI_OBJ) $(BUILD)/libdredge.a $(LDLIBS_ALL)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libdredge.a
	$(Q)$(CC) $(OPT) $(SAN) -o $@ $(UNIT_OBJ) $(BUILD)/libdredge.a $(LDLIBS_ALL)

# Fuzz targets linked with the standalone replay driver (no libFuzzer needed).
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/libdredge.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(OPT) $(SAN) -o $@ $< $(BUILD)/tests/fuzz/replay.o $(BUILD)/libdredge.a $(LDLIBS_ALL)

lint:
	$(Q)scripts/lint

unit: $(BUILD)/unit-tests
	$(Q)$(BUILD)/unit-tests

fuzz-replay: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  $$f tests/fuzz/corpus/$${n#fuzz_} || exit 1; done

rules-check: $(BUILD)/dredge
	$(Q)if ls rules/*.yaml >/dev/null 2>&1; then $(BUILD)/dredge rules check; fi

e2e: $(BUILD)/dredge
	$(Q)DREDGE=$(abspath $(BUILD)/dredge) python3 tests/e2e/run.py $(E2E_ARGS)

# Sanitizer build in its own directory; `make test` runs unit, fuzz replay and
# e2e under it too.
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all $(BUILD_ASAN_EXTRA)

asan-test:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all
	$(Q)for t in unit fuzz-replay e2e; do \
	  ASAN_OPTIONS=detect_stack_use_after_return=1 \
	  $(MAKE) --no-print-directory -j1 BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    E2E_ARGS="--sanitizer $(E2E_ARGS)" $$t || exit 1; done

# Everything, in order: lint, the plain build's unit tests, fuzz corpus
# replay, rule examples and end-to-end suite, then the same under ASan/UBSan.
test: lint
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/unit-tests $(FUZZ_BIN)
	$(Q)$(MAKE) --no-print-directory -j1 unit
	$(Q)$(MAKE) --no-print-directory -j1 fuzz-replay
	$(Q)$(MAKE) --no-print-directory -j1 rules-check
	$(Q)$(MAKE) --no-print-directory -j1 e2e
	$(Q)$(MAKE) --no-print-directory asan-test

# libFuzzer builds (clang): `make fuzz` builds build-fuzz/fuzz_* for real fuzzing.
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g" \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libdredge.a
	$(Q)for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -O1 -g -fsanitize=fuzzer,address,undefined $(CFLAGS_ALL) -o build-fuzz/$$n $$f \
	    build-fuzz/libdredge.a $(LDLIBS_ALL) || exit 1; done

demo: all
	$(Q)scripts/demo

bench: all
	$(Q)bench/run-all

format:
	$(Q)clang-format -i $$(find src tests -name '*.[ch]')

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
