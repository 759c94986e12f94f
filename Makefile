# SPDX-License-Identifier: GPL-2.0
#
# mmb: `make` builds lib/ and every benches/*.c into build/bin/mmb-<name>.
# Adding a bench is adding a file; nothing here names one.

BUILD   ?= build
CC      ?= gcc
AR      ?= ar
KSRC    ?=
PYTHON  ?= /usr/bin/python3

LIBPERF := $(BUILD)/libperf
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow \
	   -D_GNU_SOURCE -Ilib -Ikmod-helper -I$(LIBPERF)/include -pthread
LDLIBS  := $(LIBPERF)/lib/libperf.a $(LIBPERF)/lib/libapi.a \
	   -lnuma -ljansson -lgsl -lgslcblas -lz -lm -pthread

# likwid is optional and dlopen()ed (lib/likwid.c says why): topology and
# the Marker API come from it when present, sysfs is the fallback.
HAVE_LIKWID := $(shell printf '\#include <likwid.h>\n' | \
	$(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ifeq ($(HAVE_LIKWID),1)
CFLAGS  += -DMMB_HAVE_LIKWID
LDLIBS  += -ldl
endif

LIB_SRC := $(filter-out lib/exec-target.c,$(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
BENCHES := $(patsubst benches/%.c,%,$(wildcard benches/*.c))
BINS    := $(BENCHES:%=$(BUILD)/bin/mmb-%)
TOOLS   := $(patsubst tools/%.c,$(BUILD)/bin/%,$(wildcard tools/*.c))
TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
EXEC_TARGET := $(BUILD)/libexec/mmb-exec-target

# The helper module, against the running kernel's build tree or Debian's
# 6.12 headers (installed by make check); KDIR= names another tree.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build \
	/usr/src/linux-headers-6.12.117+deb12-$(shell dpkg --print-architecture 2>/dev/null)))

.PHONY: all deps deps-check run check clean kmod
.SECONDARY:

all: $(BINS) $(TOOLS) $(EXEC_TARGET)

deps:
	@scripts/install-deps.sh build

deps-check:
	@scripts/install-deps.sh check

$(LIBPERF)/lib/libperf.a:
	@scripts/build-libperf.sh $(LIBPERF) $(KSRC)

$(BUILD)/obj/%.o: %.c lib/mmb.h lib/internal.h kmod-helper/mmb_helper.h $(LIBPERF)/lib/libperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libmmb.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/bin/mmb-%: $(BUILD)/obj/benches/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The program fork-exec runs: static, no libc, so the op is exec itself and
# not the dynamic loader.
$(EXEC_TARGET): lib/exec-target.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -nostdlib -fno-stack-protector -fno-pie -no-pie \
		-o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The main job: all benches with short defaults on this machine, one
# summary table, results in results/<host>-<kernel>-<timestamp>/.
run: deps all
	@scripts/mmb run

check: deps deps-check all $(TESTS)
	@tests/run.sh

kmod:
	@if [ -z "$(KDIR)" ]; then \
		echo "kmod: no kernel build tree: install linux-headers-\$$(uname -r) or pass KDIR=" >&2; \
		exit 1; fi
	$(MAKE) -C kmod-helper KDIR=$(KDIR)

clean:
	-$(MAKE) -C kmod-helper clean KDIR=$(KDIR) >/dev/null 2>&1
	rm -rf $(BUILD)/obj $(BUILD)/bin $(BUILD)/libexec $(BUILD)/tests $(BUILD)/libmmb.a
