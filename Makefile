# Everyday verbs for pqtun. The real build is CMake (CMakeLists.txt); this
# wrapper only names the common tasks. See README.md and docs/DEVELOPING.md.
#   make            build everything (binary: build/pqtun)
#   make check      install missing packages, build, run the test suite,
#                   then run it again under ASan+UBSan (build-asan/)
#   make demo       run the main job on a built-in default (scripts/demo)
#   make bench      print KEM figures (pqtun bench)
#   make fuzz       run every libFuzzer target FUZZ_SECONDS (default 60) each
#   make check-valgrind  library tests under valgrind memcheck (no errors, no leaks)
#   make soak       100,000 exchanges against a relay: no memory/fd growth
#   make install    install binary, library, headers, man page, pkg-config
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
ifeq ($(CI),true)
CMAKE_ARGS += -DPQTUN_WERROR=ON
endif
CTEST_ARGS ?=
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10

.PHONY: all deps build check check-fast check-asan check-fuzz check-valgrind soak fuzz demo bench install clean

all: build

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The suite as the README gives it: normal build, then sanitizer build.
check: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)
	$(MAKE) check-asan
	$(MAKE) check-fuzz

check-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

check-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPQTUN_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && PQTUN_ASAN=1 ctest --output-on-failure -j$(JOBS) -LE no-asan $(CTEST_ARGS)

# Each fuzz target on its seed corpus plus a short burst (ASan+UBSan).
check-fuzz:
	scripts/fuzz --seconds $(FUZZ_CHECK_SECONDS)

fuzz:
	scripts/fuzz --seconds $(FUZZ_SECONDS)

check-valgrind: build
	PQTUN_BUILD=$(BUILD) tests/test_hardening_valgrind.sh --all

soak: build
	PQTUN=$(BUILD)/pqtun PQTUN_BUILD=$(BUILD) tests/test_load_relay.sh --soak

demo: deps
	$(MAKE) build
	scripts/demo $(BUILD)/pqtun

bench: build
	$(BUILD)/pqtun bench

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
