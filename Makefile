# SPDX-License-Identifier: GPL-2.0
#
# mmb: `make` builds lib/ and every benches/*.c into build/bin/mmb-<name>.
# Adding a bench is adding a file; nothing here names one.

KSRC    ?=
PYTHON  ?= /usr/bin/python3

# Cross build for arm64: make ARCH=arm64 [CROSS_COMPILE=aarch64-linux-gnu-]
# Everything lands in build/arm64/, linked statically against Debian's arm64
# libraries unpacked into a private sysroot (scripts/arm64-sysroot.sh), so
# the binaries run in any arm64 initramfs and under qemu-aarch64-static.
ifeq ($(ARCH),arm64)
CROSS_COMPILE ?= aarch64-linux-gnu-
BUILD   ?= build/arm64
CC      := $(CROSS_COMPILE)gcc
AR      := $(CROSS_COMPILE)ar
SYSROOT := $(BUILD)/sysroot
ARCH_CFLAGS  := -isystem $(SYSROOT)/usr/include
ARCH_LDFLAGS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
ARCH_DEPS    := $(SYSROOT)/.complete
else ifneq ($(filter-out x86_64 x86,$(ARCH)),)
$(error ARCH=$(ARCH): mmb builds for the host or ARCH=arm64)
else ifeq ($(SANITIZE),1)
# make SANITIZE=1: AddressSanitizer and UndefinedBehaviorSanitizer, in
# build/asan/ (libperf, not ours to check, is the plain build's)
BUILD   ?= build/asan
CC      ?= gcc
AR      ?= ar
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	     -fno-omit-frame-pointer
LIBPERF := build/libperf
else
BUILD   ?= build
CC      ?= gcc
AR      ?= ar
endif

LIBPERF ?= $(BUILD)/libperf
CFLAGS  ?= -O2 -g
CFLAGS  += $(SAN_FLAGS) $(EXTRA_CFLAGS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow \
	   -D_GNU_SOURCE -Ilib -Ikmod-helper -I$(LIBPERF)/include -pthread $(ARCH_CFLAGS)
LDFLAGS += $(ARCH_LDFLAGS) $(SAN_FLAGS)
LDLIBS  := $(LIBPERF)/lib/libperf.a $(LIBPERF)/lib/libapi.a \
	   -lpfm -lnuma -ljansson -lgsl -lgslcblas -lz -lm -pthread

# likwid is optional and dlopen()ed (lib/likwid.c says why): topology and
# the Marker API come from it when present, sysfs is the fallback.
# Not in the static arm64 build: dlopen() there would need the build's
# own glibc at run time.
ifneq ($(ARCH),arm64)
HAVE_LIKWID := $(shell printf '\#include <likwid.h>\n' | \
	$(CC) -E -x c - >/dev/null 2>&1 && echo 1)
endif
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
HELPER_TEST := $(BUILD)/libexec/mmb-helper-test $(BUILD)/libexec/mmb-helper-fuzz
STRESS      := $(BUILD)/libexec/mmb-stress
# does GLOBAL_EXPEDITED reach a thread that ran in from a lazy mm (a guest
# check of scripts/kernel/patches/6.12/membarrier: tests/kernel/README.md)
MB_LAZY     := $(BUILD)/libexec/mmb-membarrier-lazy
# benches that exist for the tests only (tests/benches/): not installed
TESTBENCH   := $(patsubst tests/benches/%.c,$(BUILD)/testbench/mmb-%,$(wildcard tests/benches/*.c))

# The helper module, against the running kernel's build tree or Debian's
# 6.12 headers (installed by make check); KDIR= names another tree.  For
# arm64, the cross-built guest kernel of the matrix (build-kernel.sh).
ifeq ($(ARCH),arm64)
KDIR ?= $(firstword $(wildcard \
	$(shell MMB_ARCH=arm64 MMB_KERNEL_PRINT_DIR=1 scripts/build-kernel.sh refcount@debian 2>/dev/null)/obj \
	$(shell MMB_ARCH=arm64 MMB_KERNEL_PRINT_DIR=1 scripts/build-kernel.sh refcount 2>/dev/null)/obj))
else
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build \
	/usr/src/linux-headers-$(shell cat scripts/kernel/debian-abi)-$(shell dpkg --print-architecture 2>/dev/null)))
endif

.PHONY: all deps deps-check run check check-matrix check-big check-lava check-lava-server harness-cost clean kmod kmod-if-tree tests arm64 kernels install uninstall sanitize fuzz clang-check
.SECONDARY:

all: $(BINS) $(TOOLS) $(EXEC_TARGET) $(HELPER_TEST) $(STRESS) $(MB_LAZY)

tests: $(TESTS) $(TESTBENCH)

# the arm64 cross build, its unit tests and (with its kernel tree) the
# module, as make check builds them
arm64:
	@scripts/install-deps.sh arm64
	$(MAKE) ARCH=arm64 all tests kmod-if-tree

deps:
	@scripts/install-deps.sh build

deps-check:
	@scripts/install-deps.sh check

$(LIBPERF)/lib/libperf.a: $(ARCH_DEPS)
	@$(if $(CROSS_COMPILE),ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE)) scripts/build-libperf.sh $(LIBPERF) $(KSRC)

$(BUILD)/sysroot/.complete: scripts/arm64-sysroot.sh
	@scripts/arm64-sysroot.sh $(BUILD)/sysroot

$(BUILD)/obj/%.o: %.c lib/mmb.h lib/internal.h kmod-helper/mmb_helper.h $(LIBPERF)/lib/libperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libmmb.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/bin/mmb-%: $(BUILD)/obj/benches/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/testbench/mmb-%: $(BUILD)/obj/tests/benches/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The program fork-exec runs: static, no libc, so the op is exec itself and
# not the dynamic loader.
$(EXEC_TARGET): lib/exec-target.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -nostdlib -fno-stack-protector -fno-pie \
		-o $@ $<

# The helper module's checks and its concurrent ioctl fuzzer, run as root
# in the debug guest (tests/integration/helper.sh): they load and unload
# the module themselves, so no libmmb.
$(BUILD)/libexec/mmb-%: tests/kmod/%.c kmod-helper/mmb_helper.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(MB_LAZY): tests/kernel/membarrier-lazy.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The debug guest's stress plan (tests/integration/stress.sh boots it).
$(STRESS): tests/kmod/stress.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libmmb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The main job: all benches with short defaults on this machine, one
# summary table, results in results/<host>-<kernel>-<timestamp>/.
run: deps all
	@scripts/mmb run

# Every guest kernel the tests boot, built (or found in the cache) before
# any test runs, with progress: no test's time limit covers a build.
kernels: deps-check
	@scripts/install-deps.sh arm64
	@scripts/kernels.sh

# The arm64 build's unit tests run under qemu-aarch64-static (tests/run.sh).
# kernels before arm64: make arm64 builds the module against its tree.
# sanitize: the same sources under ASan and UBSan, whose unit tests and
# benches tests/run.sh runs too.
check: deps deps-check all $(TESTS) $(TESTBENCH) kernels arm64 sanitize fuzz clang-check
	@tests/run.sh

# The whole strategy matrix, which a cold make check no longer builds (45
# minutes on the slowest CI machine do not hold five kernel builds): the
# four x86 strategies and arm64's refcount, built by us from the 6.12
# base, booted and compared mechanism by mechanism (integration/matrix
# and integration/arm64 with MMB_MATRIX=full).
check-matrix: deps deps-check all
	@scripts/install-deps.sh arm64
	@scripts/kernels.sh --matrix
	@$(MAKE) --no-print-directory arm64
	@MMB_MATRIX=full tests/run.sh integration/matrix integration/arm64

# A LAVA job run here by LAVA's own dispatcher (lava-run, qemu under TCG),
# alone: make check runs it too
check-lava: deps deps-check all
	@scripts/install-deps.sh lava
	@scripts/kernels.sh
	@tests/run.sh integration/lava-run

# A single-machine LAVA lab (lava-server, PostgreSQL, a worker, a qemu
# device): the matrix submitted with lavacli and fetched through the API,
# on Debian's 6.12 and each x86 strategy kernel @7.2 already in the cache.
# 431 s with the packages purged and five kernels (up 122 s).
check-lava-server: deps deps-check all
	@scripts/install-deps.sh lava-server
	@scripts/kernels.sh refcount@debian
	@MMB_LAVA_SERVER=1 tests/run.sh integration/lava-server

# The 64-vCPU, 8-node guest with the scaling shapes at --initiators all
# (make check runs the short plan): minutes a line under TCG
check-big: deps deps-check all
	@scripts/kernels.sh
	@MMB_BIG=full tests/run.sh integration/bigguest

# What the harness costs a sample, 2 to 1024 CPUs (guests of 64, 128 and
# 254 vCPUs under TCG, made-up /proc/interrupts of 512 and 1024): a
# benchmark that prints figures (README, Scaling)
harness-cost: deps deps-check all
	@scripts/harness-cost.sh

# The same sources under clang with -Werror, into build/clang: user space
# stays warning-free with -Wall -Wextra under both compilers.
clang-check:
	$(MAKE) --no-print-directory CC=clang BUILD=build/clang LIBPERF=build/libperf \
		EXTRA_CFLAGS=-Werror all tests

sanitize:
	$(MAKE) --no-print-directory SANITIZE=1 all tests

# make fuzz: libFuzzer targets (tests/fuzz/*.c: the /proc/interrupts
# parser, CPU lists, the result and bundle loader) built by clang with
# ASan and UBSan into build/fuzz/bin; tests/integration/fuzz.sh runs a
# seeded slice of each, scripts/fuzz.sh runs them for as long as you like.
FUZZ_CC     := clang
FUZZ_FLAGS  := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	       -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -Ilib -Ikmod-helper \
	       -Ibuild/libperf/include -pthread
FUZZ_OBJ    := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
FUZZERS     := $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(wildcard tests/fuzz/*.c))

fuzz: $(FUZZERS)

build/fuzz/obj/%.o: %.c lib/mmb.h lib/internal.h build/libperf/lib/libperf.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libmmb.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

build/fuzz/bin/%: build/fuzz/obj/tests/fuzz/%.o build/fuzz/libmmb.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ \
		build/libperf/lib/libperf.a build/libperf/lib/libapi.a \
		-lpfm -lnuma -ljansson -lgsl -lgslcblas -lz -lm -pthread

kmod:
	@if [ -z "$(KDIR)" ]; then \
		echo "kmod: no kernel build tree: install linux-headers-\$$(uname -r) or pass KDIR=$(if $(CROSS_COMPILE), (arm64: MMB_ARCH=arm64 scripts/build-kernel.sh refcount))" >&2; \
		exit 1; fi
ifeq ($(ARCH),arm64)
	@# in a copy: the host's module builds in kmod-helper/ itself
	@mkdir -p $(BUILD)/kmod && cp kmod-helper/*.[ch] kmod-helper/Kbuild kmod-helper/Makefile $(BUILD)/kmod/
	$(MAKE) -C $(BUILD)/kmod KDIR=$(KDIR) ARCH=arm64 CROSS_COMPILE=$(CROSS_COMPILE)
else
	$(MAKE) -C kmod-helper KDIR=$(KDIR)
endif

# the module too, when its kernel tree is there (make arm64)
kmod-if-tree:
	@if [ -n "$(KDIR)" ]; then $(MAKE) --no-print-directory ARCH=$(ARCH) kmod; \
	else echo "kmod: no $(if $(CROSS_COMPILE),arm64 )kernel tree yet: module not built$(if $(CROSS_COMPILE), (MMB_ARCH=arm64 scripts/build-kernel.sh refcount))"; fi

# make install [PREFIX=/usr/local] [DESTDIR=...]: the benches, tools and
# the mmb driver in bin/ (the driver finds them beside itself), the exec
# target in libexec/, the schema and the bench list in share/mmb/, a man
# page per program (help2man, from its --help), and the helper module's
# source with a dkms.conf in src/mmb-helper-VERSION/ for DKMS.
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define MMB_VERSION "\(.*\)"/\1/p' lib/mmb.h)
I_BIN   := $(DESTDIR)$(PREFIX)/bin
I_LIBEX := $(DESTDIR)$(PREFIX)/libexec
I_SHARE := $(DESTDIR)$(PREFIX)/share/mmb
I_MAN   := $(DESTDIR)$(PREFIX)/share/man/man1
I_SRC   := $(DESTDIR)$(PREFIX)/src/mmb-helper-$(VERSION)
PROGS   := $(notdir $(BINS) $(TOOLS)) mmb

install: all
	install -d $(I_BIN) $(I_LIBEX) $(I_SHARE)/schema $(I_MAN) $(I_SRC)
	install -m 755 $(BINS) $(TOOLS) $(I_BIN)/
	install -m 755 scripts/mmb $(I_BIN)/mmb
	install -m 755 $(EXEC_TARGET) $(I_LIBEX)/
	install -m 644 schema/*.json $(I_SHARE)/schema/
	printf '%s\n' $(BENCHES) > $(I_SHARE)/benches
	install -m 644 kmod-helper/*.c kmod-helper/*.h kmod-helper/Kbuild kmod-helper/Makefile $(I_SRC)/
	printf '%s\n' 'PACKAGE_NAME="mmb-helper"' 'PACKAGE_VERSION="$(VERSION)"' \
		'BUILT_MODULE_NAME[0]="mmb_helper"' 'DEST_MODULE_LOCATION[0]="/extra"' \
		'MAKE[0]="make -C $${kernel_source_dir} M=$${dkms_tree}/$${PACKAGE_NAME}/$${PACKAGE_VERSION}/build modules"' \
		'CLEAN="make -C $${kernel_source_dir} M=$${dkms_tree}/$${PACKAGE_NAME}/$${PACKAGE_VERSION}/build clean"' \
		'AUTOINSTALL="no"' > $(I_SRC)/dkms.conf
	@command -v help2man >/dev/null || { echo "install: no help2man: man pages left out (scripts/install-deps.sh build installs it)"; exit 0; }; \
	for p in $(PROGS); do \
		help2man --no-info --version-string=$(VERSION) \
			--name="$$p, part of mmb (mm-switch and TLB-shootdown microbenchmarks)" \
			--output=$(I_MAN)/$$p.1 $(I_BIN)/$$p || exit 1; \
	done
	@echo "mmb $(VERSION) installed in $(DESTDIR)$(PREFIX): $(words $(PROGS)) programs and man pages"

uninstall:
	rm -f $(addprefix $(I_BIN)/,$(PROGS)) $(addprefix $(I_MAN)/,$(PROGS:=.1))
	rm -f $(I_LIBEX)/mmb-exec-target
	rm -rf $(I_SHARE) $(I_SRC)

clean:
	-$(MAKE) -C kmod-helper clean KDIR=$(KDIR) >/dev/null 2>&1
	rm -rf $(BUILD)/obj $(BUILD)/bin $(BUILD)/libexec $(BUILD)/tests $(BUILD)/libmmb.a
