# otter — `make run` builds and starts otter, `make test` runs every test.
# Both install missing Debian packages first (scripts/deps.sh).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go
# bin/otter is the front (cmd/otter-front: no cgo, answers `otter code X`
# from a running agent, execs the rest); bin/otter-core is the full otter
# it execs. Install the two side by side.
BIN := bin/otter
CORE := bin/otter-core
FUZZTIME ?= 10s
PKG := ./...

.PHONY: all build binaries run test vet crossbuild fuzz bench stress deps clean

all: build

deps:
	@bash scripts/deps.sh run

build: deps
	$(MAKE) --no-print-directory binaries

binaries:
	$(GO) build -trimpath -buildvcs=auto -o $(CORE) ./cmd/otter
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/otter-front

run: build
	./$(BIN) $(ARGS)

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test:
	@bash scripts/deps.sh test
	$(MAKE) --no-print-directory vet
	$(MAKE) --no-print-directory crossbuild
	$(MAKE) --no-print-directory binaries
	OTTER_TEST_BINARY=$(CURDIR)/$(BIN) scripts/with-keyring.sh $(GO) test -race -count=1 -timeout 15m $(PKG)
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

# crossbuild keeps the other platforms buildable: it builds and vets (test
# files included) the whole module without cgo for each of CROSS; the
# FIDO2 code then compiles its !cgo stubs.
CROSS ?= darwin/arm64 windows/amd64 linux/arm64
crossbuild:
	@set -e; for p in $(CROSS); do \
		echo "crossbuild $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build ./...; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) vet ./...; \
	done

# fuzz runs every Fuzz target of the module for FUZZTIME each, FUZZJOBS
# (default 2) at a time; `make test` runs it with 10s, `make fuzz
# FUZZTIME=10m` goes deeper. When a target fails, Go saves the failing input
# as the package's testdata/fuzz/FuzzName/HASH and every later `go test`
# replays it: commit that file with the fix, as the regression test.
fuzz:
	@bash scripts/fuzz.sh $(FUZZTIME)

# stress runs the vault's reliability suites at full size (OTTER_STRESS=1):
# 1 000 SIGKILLs of a saving process, 2 processes × 1 000 updates, a reader
# process during 2 × 500 updates, 10^6 nonces, 1 000 real saves; the same
# tests run smaller in `make test`. -v shows what each suite covered.
STRESS_PKG ?= ./vault/
stress:
	@bash scripts/deps.sh test
	OTTER_STRESS=1 $(GO) test -race -count=1 -timeout 60m -v $(STRESS_PKG) 2>&1 | grep -Ev '^(=== |    --- PASS)'; exit $${PIPESTATUS[0]}

# bench runs the Go benchmarks, then times whole commands against
# oathtool, pass-otp and keepassxc-cli (bench/code.sh) and measures scaling
# from 10 to 100 000 accounts (bench/scale.sh) and what otter sync costs
# (bench/sync.sh); BENCHMARKS.md has results.
bench:
	@bash scripts/deps.sh bench
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bash bench/code.sh
	bash bench/scale.sh
	bash bench/sync.sh

clean:
	rm -rf bin
