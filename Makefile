# Thin wrapper over CMake. `make run` and `make test` install what they need on
# Debian 12 when run as root.

BUILD_DIR ?= build
DATA_DIR ?= var
LISTEN ?= 0.0.0.0:8080
PYTHON := /usr/bin/python3

BUILD_DEPS := build-essential cmake pkg-config libmicrohttpd-dev libjson-c-dev libsqlite3-dev \
              libpq-dev libssl-dev libsodium-dev libinih-dev
TEST_DEPS := libcmocka-dev python3-pytest python3-requests wrk curl \
             swupdate cpio rauc squashfs-tools openssl postgresql haproxy nginx gnuplot-nox
BENCH_DEPS := python3-requests nginx wrk gnuplot-nox curl
# `make bench BENCH_ARGS=--quick` (or --smoke --out DIR, --only P1,P4)
BENCH_ARGS ?=

.PHONY: all build run test unit e2e clients bench deps test-deps bench-deps clean format

all: build

deps:
	@scripts/ensure-packages.sh $(BUILD_DEPS)

test-deps: deps
	@scripts/ensure-packages.sh $(TEST_DEPS)

bench-deps: deps
	@scripts/ensure-packages.sh $(BENCH_DEPS)

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j$$(nproc)

run: build
	@mkdir -p $(DATA_DIR)
	@if [ ! -s $(DATA_DIR)/admin-password ]; then \
	    (umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > $(DATA_DIR)/admin-password); \
	fi
	@echo "Falconet: http://$$(echo $(LISTEN) | sed 's/0.0.0.0/localhost/')/rest/v1"
	@echo "Management API user: admin  password: $$(cat $(DATA_DIR)/admin-password)"
	FALCONET_ADMIN_PASSWORD="$$(cat $(DATA_DIR)/admin-password)" \
	    $(BUILD_DIR)/falconet serve --listen $(LISTEN) --data-dir $(DATA_DIR)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure

# The end-to-end suite runs twice: on SQLite, then on a throwaway PostgreSQL.
e2e: build
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_DB=postgres FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e

clients: test-deps build
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/clients

test: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_DB=postgres FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/clients

# Measures P1-P9 against same-run references and writes docs/benchmarks.md (see bench/README.md).
bench: bench-deps build
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) bench/run.py $(BENCH_ARGS)

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'sim/*.c' 'sim/*.h' 'tests/*.c')

clean:
	rm -rf $(BUILD_DIR)
