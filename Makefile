# partnerkit — the commands a new user runs. `make test` and `make demo` install what is missing,
# configure, build with -j2 and run.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
# Configures build directory $(1) with extra arguments $(2). The generator is chosen when the recipe
# runs (after setup installed ninja), and only for a new directory: an existing one keeps its own, so
# `make demo` after `make test` never reconfigures from scratch. CMakeLists.txt picks ccache itself.
COMMA := ,
CONFIGURE = gen=$$( [ -f $(1)/CMakeCache.txt ] || { command -v ninja >/dev/null 2>&1 && echo Ninja || echo 'Unix Makefiles'; }); \
  cmake -S . -B $(1) $${gen:+-G "$$gen"} $(2)

# Debian bookworm packages the build, tests and benchmarks need.
PACKAGES := g++ cmake ninja-build ccache make pkg-config \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev \
  libssl-dev openssl python3 curl googletest libgtest-dev libgmock-dev libbenchmark-dev clang-format \
  libcli11-dev
# The command line's allocator (cmake/PartnerkitHelpers.cmake, partnerkit_fast_allocator).
PACKAGES += libmimalloc-dev
# The PostgreSQL scale-out (pg/): libpq to build, the server for the tests' throwaway clusters.
PACKAGES += postgresql-15 libpq-dev
# The fuzzers (make fuzz, .ci/run): clang and its libFuzzer/sanitizer runtimes.
PACKAGES += clang libclang-rt-14-dev
BENCH_PACKAGES := wrk nginx-light

.PHONY: setup configure build test demo bench soak soak-pg bench-pg sanitize tsan format format-check install clean fuzz

setup:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing $$missing"; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

configure: setup
	$(call CONFIGURE,$(BUILD),-DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS))

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# Every run's output is checked for the secrets it used (scripts/check-leaks.sh, README "Security"):
# ctest keeps each test's full output in Testing/Temporary/LastTest.log.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 600 $(CTEST_ARGS)
	./scripts/check-leaks.sh $(BUILD)/Testing/Temporary/LastTest.log

demo: build
	set -o pipefail; ./scripts/demo.sh $(BUILD) 2>&1 | tee $(BUILD)/demo-output.log
	./scripts/check-leaks.sh $(BUILD)/demo-output.log

bench: build
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	./scripts/bench.sh $(BUILD)

soak: build
	rm -rf $(BUILD)/soak
	set -o pipefail; python3 scripts/soak.py --cli $(BUILD)/tools/partnerkit --items 10000 --kills 3 \
	  --workdir $(BUILD)/soak 2>&1 | tee $(BUILD)/soak-output.log
	./scripts/check-leaks.sh $(BUILD)/soak-output.log $(BUILD)/soak/*.out $(BUILD)/soak/*.err \
	  $(BUILD)/soak/journal.jsonl $(BUILD)/soak/sandbox.log

# The command line's allocator (cmake/PartnerkitHelpers.cmake, partnerkit_fast_allocator).
PACKAGES += libmimalloc-dev
# The PostgreSQL scale-out under faults, kills and a database crash (scripts/soak_pg.py); not in ctest.
soak-pg: build
	rm -rf $(BUILD)/soak-pg
	set -o pipefail; python3 scripts/soak_pg.py --cli $(BUILD)/tools/partnerkit --items 10000 --workers 4 --kills 3 \
	  --restarts 1 --workdir $(BUILD)/soak-pg 2>&1 | tee $(BUILD)/soak-pg-output.log
	./scripts/check-leaks.sh $(BUILD)/soak-pg-output.log $(BUILD)/soak-pg/*.err $(BUILD)/soak-pg/*.out \
	  $(BUILD)/soak-pg/sandbox.log

bench-pg: build
	./scripts/bench-pg.sh $(BUILD)

# ASan + UBSan over the whole test suite.
sanitize: setup
	$(call CONFIGURE,build-asan,-DCMAKE_BUILD_TYPE=Debug -DPARTNERKIT_SANITIZE=address$(COMMA)undefined -DPARTNERKIT_BUILD_BENCH=OFF)
	cmake --build build-asan -j$(JOBS)
	ctest --test-dir build-asan --output-on-failure -j$(JOBS) --timeout 900 $(CTEST_ARGS)

# ThreadSanitizer over the concurrent parts: the client, the batch engine, the transport, the
# sandbox, the integration tests that run them together, and the PostgreSQL queue and worker.
TSAN_LABELS := ^(client|batch|transport|sandbox|integration|pg)$$
tsan: setup
	$(call CONFIGURE,build-tsan,-DCMAKE_BUILD_TYPE=Debug -DPARTNERKIT_SANITIZE=thread -DPARTNERKIT_BUILD_BENCH=OFF)
	cmake --build build-tsan -j$(JOBS)
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j$(JOBS) -L '$(TSAN_LABELS)' --timeout 900

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

# libFuzzer targets (clang; ASan + UBSan) in build-fuzz/: replay the seed corpora, then fuzz each
# target FUZZ_SECONDS (JOBS at a time). `make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=journal` for one.
FUZZ_SECONDS ?= 60
fuzz: setup
	JOBS=$(JOBS) ./scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
