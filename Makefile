# valet: two commands on a fresh machine.
#   make dev    the whole local stack in the foreground (Ctrl-C stops it)
#   make test   format and vet checks, then every test against real emulators
#   make help   every target with what it does
# Everything else is what those two stand on.

GO       ?= go
# The Go toolchain every target builds and tests with, fetched by the go
# command through the module proxy on first use (about 76 MB, once per
# machine). It is newer than go.mod's `go` line, which stays at the version
# the Cloud Functions runtime builds (terraform var.runtime): the toolchain
# carries the standard library's security fixes that govulncheck asks for
# (`make lint`), go.mod keeps the language version. Override with
# GOTOOLCHAIN=local to use the Go on PATH.
export GOTOOLCHAIN ?= go1.27.3
BIN      := bin
DEV_ARGS ?=
# -race needs cgo; the race runtime is part of the Go toolchain.
TEST_FLAGS ?= -race -count=1 -timeout 8m

.PHONY: dev test help tools fmt-check vet lint unit bench fuzz release deploy clean

## dev: start emulators, gate, issuer, bridge and every function; writes .dev/stack.json
dev: tools $(BIN)/valet-dev
	exec $(BIN)/valet-dev up $(DEV_ARGS)

## test: gofmt check, go vet, staticcheck, govulncheck, go test -race ./... with the emulators running,
##   every exchange of the tests with the functions checked against the OpenAPI document
test: tools fmt-check vet lint $(BIN)/valet-dev
	@rm -rf $(CONTRACT_LOG) && mkdir -p $(CONTRACT_LOG)
	VALET_CONTRACT_LOG=$(CURDIR)/$(CONTRACT_LOG) $(BIN)/valet-dev exec -- $(GO) test $(TEST_FLAGS) ./...
	@scripts/contract.sh $(CONTRACT_LOG)

# Where the local stacks of make test write the exchanges that do not match
# shared/openapi/openapi.json (emulators/stack, EnvContractLog).
CONTRACT_LOG := .test/contract

## help: list the targets with their one-line descriptions (the "## target:" lines of this file)
help:
	@awk '/^## [a-z-]+: / { t = $$2; sub(/:$$/, "", t); d = $$0; sub(/^## [a-z-]+: /, "", d); printf "  make %-7s %s\n", t, d }' $(firstword $(MAKEFILE_LIST))

## tools: check the toolchain and emulators; install what can be installed
tools:
	@scripts/tools.sh

$(BIN)/valet-dev: FORCE
	@$(GO) build -o $@ ./cmd/valet-dev

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck at a pinned version, fetched through the Go module proxy.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

## lint: staticcheck and govulncheck (offline database) over the module; go.mod and go.sum are tidy
lint:
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff
	@GO=$(GO) scripts/vulncheck.sh

## unit: the tests that need no emulator (emulator-backed ones skip)
unit:
	$(GO) test -count=1 ./...

## bench: every benchmark against the emulators; writes .bench/report.md
## (figures as ratios to one Firestore write measured in the same run)
bench:
	@scripts/bench.sh

## fuzz: run every fuzz target briefly (FUZZTIME=10s each) against the emulators
## (the handler targets reach the stores)
FUZZTIME ?= 10s
fuzz: tools $(BIN)/valet-dev
	$(BIN)/valet-dev exec -- scripts/fuzz.sh $(FUZZTIME)

## release: the source archive of HEAD with its version and SHA-256, reproducibly
##   (printed, and written beside the archive in RELEASE_DIR; docs/operations.md)
RELEASE_DIR ?= .release
release:
	@scripts/release.sh "$(RELEASE_DIR)"

## deploy: build the source archive and terraform apply to Google Cloud
##   make deploy PROJECT=my-project [TFVARS=terraform/my-project.tfvars]
##   (terraform/README.md walks a new project through it)
PROJECT ?=
TFVARS  ?= terraform/$(PROJECT).tfvars
deploy:
	@scripts/deploy.sh "$(PROJECT)" "$(TFVARS)"

clean:
	rm -rf $(BIN) .dev .deploy .release

FORCE:
