# Assay — every target is listed by `make help`.
GO       ?= go
# Build with the toolchain go.mod names (a security patch release of Go 1.26): the go
# command fetches it once from the module proxy when the installed Go is older. A
# GOTOOLCHAIN set in the environment wins.
export GOTOOLCHAIN ?= auto
BIN      ?= bin/assay
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/assayhq/assay/app/cli.Version=$(VERSION)
PKGS     := ./...
FUZZTIME ?= 100000x
# Pinned supply-chain inputs: the vulnerability database as a module (version and h1: content
# hash), the advisories left out of it, and the security linter. govulncheck is a go.mod tool.
VULNDB      ?= golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018
VULNDB_SUM  ?= h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=
VULN_IGNORE ?= .ci/vuln-ignore
GOSEC       ?= github.com/securego/gosec/v2/cmd/gosec@v2.30.0

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: build ## Start web (:8080), API (:8787) and workers on embedded defaults
	exec ./$(BIN) dev

.PHONY: build
build: ## Build the static binary into bin/assay
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./app/cmd/assay

.PHONY: test
test: ## Format and vet checks, then every test (Postgres/Redis/Chromium parts when available)
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet $(PKGS)
	@[ -n "$$TEST_POSTGRES_URL" ] || echo "skipping: PostgreSQL parts of the tests (set TEST_POSTGRES_URL)"
	@[ -n "$$TEST_REDIS_URL" ] || echo "skipping: real-Redis parts of the tests (set TEST_REDIS_URL)"
	@command -v $${CHROMIUM_PATH:-chromium} >/dev/null 2>&1 || echo "skipping: browser test (no chromium on the PATH)"
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

.PHONY: lint
lint: ## Security lint (gosec); false positives carry a "#nosec Gnnn -- reason" at the line
	@# G104 (unchecked errors) is off: it flags only best-effort cleanup (Close, Rollback,
	@# Remove after an earlier error) and writes to hashes, which cannot fail.
	$(GO) run $(GOSEC) -quiet -color=false -exclude-generated -exclude=G104 \
	  -nosec-require-rules -nosec-require-justification $(PKGS)

.PHONY: vuln
vuln: ## Scan for known vulnerabilities against the pinned offline Go vulnerability database
	@db="$$(mktemp -d)"; trap 'rm -rf "$$db"' EXIT; \
	$(GO) run ./app/cmd/vulndb -module $(VULNDB) -sum $(VULNDB_SUM) -ignore $(VULN_IGNORE) -out "$$db" && \
	$(GO) tool govulncheck -db "file://$$db" $(PKGS)

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 100000x: a count, not a duration); a failing input fails
	@set -e; n=0; for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
	  for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
	    echo "fuzz: $$fn in $$(dirname "$$file") for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) "$$(dirname "$$file")"; \
	    n=$$((n + 1)); \
	  done; \
	done; \
	test "$$n" -gt 0 || { echo 'fuzz: no fuzz targets found'; exit 1; }; \
	echo "fuzz: $$n targets passed"

.PHONY: bench
bench: ## Run the benchmarks (figures go to docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 30m ./app/report/ ./app/bench/
	$(GO) test -run '^$$' -bench WakeLatency -benchtime 10x -count 1 ./jobs/

.PHONY: generate
generate: ## Regenerate Ent code (must leave no diff)
	$(GO) generate ./...

.PHONY: migrate-diff
migrate-diff: ## Write new migrations for schema changes: make migrate-diff name=add_x
	@test -n "$(name)" || { echo 'usage: make migrate-diff name=<change>'; exit 2; }
	$(GO) run ./app/cmd/migrate-diff -name $(name)

.PHONY: migrate
migrate: ## Apply pending migrations to both databases
	$(GO) run ./app/cmd/assay migrate up

.PHONY: fmt
fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

.PHONY: clean
clean: ## Remove build output and local data
	rm -rf bin data
