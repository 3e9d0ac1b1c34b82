# otter — `make run` builds and starts otter, `make test` runs every test.
# Both install missing Debian packages first (scripts/deps.sh).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go
BIN := bin/otter
FUZZTIME ?= 10s
PKG := ./...

.PHONY: all build run test vet fuzz bench stress deps clean

all: build

deps:
	@bash scripts/deps.sh run

build: deps
	$(GO) build -trimpath -o $(BIN) ./cmd/otter

run: build
	./$(BIN) $(ARGS)

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test:
	@bash scripts/deps.sh test
	$(MAKE) --no-print-directory vet
	$(GO) build -trimpath -o $(BIN) ./cmd/otter
	OTTER_TEST_BINARY=$(CURDIR)/$(BIN) scripts/with-keyring.sh $(GO) test -race -count=1 -timeout 15m $(PKG)
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

# fuzz runs every Fuzz target for FUZZTIME each.
fuzz:
	@bash scripts/fuzz.sh $(FUZZTIME)

bench:
	@bash scripts/deps.sh bench
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bash bench/code.sh

clean:
	rm -rf bin
