# Thin wrapper over CMake. `make run` and `make test` install what they need on
# Debian 12 when run as root.

BUILD_DIR ?= build
DATA_DIR ?= var
LISTEN ?= 0.0.0.0:8080
PYTHON := /usr/bin/python3

BUILD_DEPS := build-essential cmake pkg-config libmicrohttpd-dev libjson-c-dev libsqlite3-dev \
              libpq-dev libssl-dev libsodium-dev libinih-dev libcurl4-openssl-dev
TEST_DEPS := libcmocka-dev python3-pytest python3-requests wrk curl \
             swupdate cpio rauc squashfs-tools openssl postgresql haproxy nginx gnuplot-nox awscli
BENCH_DEPS := python3-requests nginx wrk gnuplot-nox curl postgresql
# `make bench BENCH_ARGS=--quick` (or --smoke --out DIR, --only P1,P4)
BENCH_ARGS ?=

.PHONY: all build run test unit e2e clients bench deps test-deps bench-deps s3-deps clean format

all: build

deps:
	@scripts/ensure-packages.sh $(BUILD_DEPS)

test-deps: deps s3-deps
	@scripts/ensure-packages.sh $(TEST_DEPS)

bench-deps: deps
	@scripts/ensure-packages.sh $(BENCH_DEPS)

# The S3 tests run s3rver from npm, pinned by tests/s3/package-lock.json. Node and npm
# come from Debian unless some node is already installed.
s3-deps:
	@command -v npm >/dev/null || scripts/ensure-packages.sh nodejs npm
	@[ -x tests/s3/node_modules/.bin/s3rver ] || npm ci --prefix tests/s3 --no-audit --no-fund

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

# The end-to-end suite runs three times: on SQLite, on a throwaway PostgreSQL, and with
# every server three processes on PostgreSQL behind haproxy; the artifact and download
# tests twice more with the artifacts in S3 (s3rver), on one server and on three.
S3_E2E := tests/e2e/test_artifacts.py tests/e2e/test_ddi_deployment.py

e2e: build
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_DB=postgres FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_CLUSTER=3 FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_BLOB=s3 FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q $(S3_E2E)
	FALCONET_E2E_CLUSTER=3 FALCONET_E2E_BLOB=s3 FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q $(S3_E2E)

clients: test-deps build
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/clients

test: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_DB=postgres FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_CLUSTER=3 FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/e2e
	FALCONET_E2E_BLOB=s3 FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q $(S3_E2E)
	FALCONET_E2E_CLUSTER=3 FALCONET_E2E_BLOB=s3 FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q $(S3_E2E)
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) -m pytest -q tests/clients

# Measures P1-P9 against same-run references and writes docs/benchmarks.md (see bench/README.md).
bench: bench-deps build
	FALCONET_BIN=$(CURDIR)/$(BUILD_DIR)/falconet $(PYTHON) bench/run.py $(BENCH_ARGS)

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'sim/*.c' 'sim/*.h' 'tests/*.c')

clean:
	rm -rf $(BUILD_DIR)
