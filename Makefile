# Bonomat: the commands a newcomer runs on a fresh Debian 12 machine.
#
#   make run      install what is missing, build (preset dev) and run the
#                 daemon in the foreground: http://127.0.0.1:8080
#   make test     install what is missing, build with warnings as errors and
#                 ASan+UBSan (preset ci), run every test (ctest --preset ci)
#   make bench    Release build (preset release), then tests/bench/run.sh
#   make mutate   the mutation check: each mutation of tests/mutate/mutations.py
#                 built in build/mutate and run against its tests (MUTATIONS=)
#   make fuzz     clang + libFuzzer (preset fuzz): fuzz every parser for
#                 FUZZ_SECONDS in all, starting from tests/fuzz/corpus/
#   make package  the Debian packages (debian/) in build/package/, checked
#                 with lintian; install: apt install ./build/package/bonomat_*.deb
#   make package-clean  the same build in a clean Debian 12 chroot with only
#                 the build dependencies of debian/control (root)
#   make vm-check the package installed by apt in a Debian 12 virtual
#                 machine (qemu) and checked under a real systemd (root)
#   make format   clang-format -i the C sources (format-check: only check)
#   make clean    remove build/ (var/, the dev database, stays)
#
# The build itself is plain CMake with the presets of CMakePresets.json;
# this file only strings the steps together. Packages are installed by
# scripts/deps.sh, which does nothing when they are all present.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG ?= config/bonomat.conf
FUZZ_SECONDS ?= 60
CTEST_ARGS ?=
# Sub-makes of the CMake build need not announce their directories.
MAKEFLAGS += --no-print-directory
DEPS = sh scripts/deps.sh

# The recipes run one after another and from the top of the tree.
.NOTPARALLEL:
.PHONY: help build run test bench fuzz package package-clean vm-check mutate format format-check \
	clean node-modules

help:
	@sed -n '3,20s/^# \{0,1\}//p' Makefile

# The dev preset builds the tests too, so it needs the test packages.
build:
	@$(DEPS) test
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)

run: build
	mkdir -p var
	exec build/dev/bonomatd -c $(CONFIG)

test:
	@$(DEPS) test
	@$(MAKE) node-modules
	cmake --preset ci
	cmake --build --preset ci -j $(JOBS)
	ctest --preset ci $(CTEST_ARGS)

# The npm packages the tests use, exactly as package-lock.json pins them,
# installed again only when the lock file changed.
NPM_DIRS = tests/encoder tests/browser
node-modules:
	@for d in $(NPM_DIRS); do \
		if [ ! -f $$d/node_modules/.package-lock.json ] || \
		   [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; then \
			echo "bonomat: installing npm packages in $$d (npm ci)"; \
			(cd $$d && npm ci --no-audit --no-fund) || exit 1; \
		fi; \
	done

# One-line mutations of the product code, one at a time on a copy of the
# tree (the working tree is never written), each against the ctest tests
# that cover it; fails unless every one is caught. MUTATIONS="name ..."
# runs only those.
MUTATIONS ?=
mutate:
	@$(DEPS) test
	@$(MAKE) node-modules
	python3 tests/mutate/mutate.py -j $(JOBS) $(MUTATIONS)

bench:
	@if [ ! -f tests/bench/run.sh ]; then \
		echo "bonomat: no benchmarks yet (tests/bench/run.sh is missing)" >&2; \
		exit 1; \
	fi
	@$(DEPS) test bench
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	@if [ -x tests/bench/run.sh ]; then run=tests/bench/run.sh; \
	else run="sh tests/bench/run.sh"; fi; \
	set -x; BONOMAT_BUILD_DIR=$(CURDIR)/build/release \
	BONOMATD=$(CURDIR)/build/release/bonomatd \
	BONOMAT_SOURCE_DIR=$(CURDIR) $$run build/release

fuzz:
	@$(DEPS) fuzz
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	sh scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

package:
	@$(DEPS) package
	sh scripts/package.sh build/package

package-clean:
	@$(DEPS) package-clean
	sh scripts/package-clean.sh build/package-clean

vm-check:
	@$(DEPS) package vm-check
	sh scripts/vm-check.sh build/vm-check

# node_modules may hold C files that are not ours.
FIND_C = find daemon drivers tests -name node_modules -prune -o -type f \
	\( -name '*.c' -o -name '*.h' \) -print

format:
	@$(DEPS) format
	$(FIND_C) | xargs -r clang-format -i

format-check:
	@$(DEPS) format
	$(FIND_C) | xargs -r clang-format --dry-run -Werror

clean:
	rm -rf build
