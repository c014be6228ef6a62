# The verbs of the OTE network hub. `make test` is what CI runs.
GO ?= go

.PHONY: run test generate verify lint bench bench-http bench-writes build secantus ui ui-if-node fuzz attack ops load

## run: build the pages (when Node.js is there) and start the hub on
## :8080 with the embedded store in ./data
run: ui-if-node
	@echo "compiling bin/hub (the first build takes a few minutes; later ones seconds)"
	$(GO) build -o bin/hub ./server
	@echo "starting bin/hub: Ctrl-C stops it"
	exec bin/hub

## ui: bundle the playground, map and dashboard pages (npm ci + esbuild into web/map/dist)
ui:
	cd web/map && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent

# ui-if-node builds the pages when npm is installed and says so otherwise;
# the hub then serves a placeholder page with build instructions.
ui-if-node:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory ui; \
	else echo "npm not found: the map and dashboard pages will show build instructions"; fi

## build: build the pages and the server binary into bin/
build: ui
	$(GO) build -o bin/hub ./server

## test: every test on both backends, race detector on, plus the
## generated-code check. Without MONGODB_URI the MongoDB tests run on a
## SecantusDB server that the tests start (installed into .venv here);
## with MONGODB_URI they use that server.
test: verify secantus ui
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" HUB_PYTHON="$$(scripts/install-pytools.sh)" \
	HUB_CHROMIUM="$$(scripts/install-browser.sh)" $(GO) test -race -count=1 ./...

## secantus: install the MongoDB-compatible test server into .venv
secantus:
	@scripts/install-secantus.sh >/dev/null

## generate: regenerate the GraphQL executor and models
generate:
	$(GO) generate ./...

## image: build the container image (where Docker runs), tagged with
## the version from git
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
image:
	docker build --build-arg VERSION=$(VERSION) -t ote-hub:$(VERSION) .

## lint-docker: lint the Dockerfile with hadolint (installed into .venv);
## no Docker engine needed
lint-docker:
	"$$(scripts/install-hadolint.sh)" Dockerfile

## verify: formatting, vet, the Dockerfile's lint, and generated code
## that matches the schema
verify: lint-docker
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) generate ./...
	@git diff --exit-code -- graph/ bench/floor/ web/examples/manifest.json || { echo "generated code is stale: run make generate and commit"; exit 1; }

## lint: verify plus staticcheck
lint: verify
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## bench: every go test benchmark of the module: queries on the 10k
## network's index, its load and heap, the network algorithms (see
## docs/performance.md; bench-http compares the hub with a floor)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

## bench-http: the hub as a process over HTTP against a stock gqlgen
## floor server, on both backends and the 10k network (a few minutes
## plus loading; see docs/performance.md). For the small CI-sized run:
## make bench-http HTTPBENCH_FLAGS=-short
bench-http: secantus
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" $(GO) run ./bench/httpbench $(HTTPBENCH_FLAGS)

## bench-writes: mutations per second and their latency over HTTP with
## several clients, and the latency of their events to 1, 100 and 1000
## subscribers over WebSocket and server-sent events, on both backends
## and from one hub to another on one SecantusDB (a few minutes; see
## docs/performance.md). For the small CI-sized run:
## make bench-writes WRITEBENCH_FLAGS=-short
bench-writes: secantus
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" $(GO) run ./bench/writebench $(WRITEBENCH_FLAGS)

## fuzz: run every fuzz target for FUZZTIME each (default 30s), keeping
## what it finds under the package's testdata/fuzz (a failing input
## there fails `make test` until fixed). `make test` runs the targets on
## their seeds and that corpus only. One target: make fuzz FUZZ=FuzzQuery
FUZZTIME ?= 30s
FUZZ ?=
FUZZ_PACKAGES ?= . ./dataset ./graph ./storetest
fuzz:
	@set -e; for pkg in $(FUZZ_PACKAGES); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    if [ -n "$(FUZZ)" ] && [ "$$t" != "$(FUZZ)" ]; then continue; fi; \
	    echo "$$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

## attack: the attack suite on both backends, then legitimate clients
## beside attackers for ATTACK_DURATION per phase (default 20s),
## failing when they keep less than ATTACK_MIN_RATIO (default 0.5) of
## their throughput alone (see docs/security.md)
ATTACK_DURATION ?= 20s
ATTACK_MIN_RATIO ?= 0.5
attack: secantus
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" HUB_ATTACK_DURATION=$(ATTACK_DURATION) HUB_ATTACK_MIN_RATIO=$(ATTACK_MIN_RATIO) \
	$(GO) test -count=1 -v -run 'TestAttackSuite|TestDamagedDataFile|TestLegitimateTrafficUnderAttack' ./server

## ops: production shape: three hub processes on one SecantusDB under a
## mixed load, MongoDB faults under load, and the load tool on both
## backends, OPS_DURATION per phase (default 30s; CI runs 5s; see
## docs/operations.md and docs/performance.md)
OPS_DURATION ?= 30s
ops: secantus
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" HUB_OPS_DURATION=$(OPS_DURATION) \
	$(GO) test -count=1 -v -timeout 60m -run '^TestOps' ./server
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" $(GO) run ./bench/loadbench -short -duration $(OPS_DURATION)

## load: the load tool: a mix of dashboard reads, map exports, searches,
## exploration, a trickle of writes and subscriptions against hubs it
## starts on both backends (or -url: running ones); see
## docs/performance.md. For example:
## make load LOAD_FLAGS='-clients 4,16,64 -network 10k'
LOAD_FLAGS ?=
load: secantus
	HUB_SECANTUSD="$$(scripts/install-secantus.sh)" $(GO) run ./bench/loadbench $(LOAD_FLAGS)
