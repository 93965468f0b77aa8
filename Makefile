# rtsnap — see README.md. Lab targets need root (they start real runtimes).
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# The build date is the commit's (reproducible: the same commit builds the same binary).
BUILD_DATE ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/rtsnap/rtsnap/internal/version.Version=$(VERSION) -X github.com/rtsnap/rtsnap/internal/version.Commit=$(COMMIT) -X github.com/rtsnap/rtsnap/internal/version.BuildDate=$(BUILD_DATE)
STATICCHECK_VERSION := v0.8.2
GOBIN_DIR := $(CURDIR)/bin

.PHONY: all build build-cross build-analyze-cross docs man image image-import lab-up lab-down lab-status demo test test-unit test-integration lint bench fuzz

all: build

build:
	go build -ldflags "$(LDFLAGS)" -o bin/rtsnap ./cmd/rtsnap
	CGO_ENABLED=0 go build -ldflags "$(LDFLAGS)" -o bin/rtsnap-analyze ./cmd/rtsnap-analyze

# The collector must build without cgo for every node it runs on (journals
# are read by a pure-Go reader; -tags sdjournal with cgo adds libsystemd's).
build-cross:
	@for arch in amd64 arm64; do \
	  echo "rtsnap linux/$$arch (CGO_ENABLED=0)"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch go build -ldflags "$(LDFLAGS)" -o bin/rtsnap-linux-$$arch ./cmd/rtsnap || exit 1; \
	done

# The collector's image (OCI layout tar, no Docker needed): the static
# binaries of build-cross and nothing else. IMAGE names it; image-import
# loads it into the containerd at SOCK (default: the node's) for Kubernetes.
IMAGE ?= rtsnap.local/rtsnap:$(VERSION)
SOCK ?= /run/containerd/containerd.sock
image: build-cross
	rm -f bin/rtsnap-image.tar
	go run ./cmd/rtsnap-image --out bin/rtsnap-image.tar --name "$(IMAGE)" --version "$(VERSION)" --revision "$(COMMIT)" \
	  --binary linux/amd64=bin/rtsnap-linux-amd64 --binary linux/arm64=bin/rtsnap-linux-arm64

image-import: image
	bash deploy/import-image.sh bin/rtsnap-image.tar "$(SOCK)" $(CTR)

# The analyzer must build without cgo for every platform a support engineer uses.
build-analyze-cross:
	@for os in linux darwin windows; do \
	  echo "rtsnap-analyze $$os/amd64"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=amd64 go build -ldflags "$(LDFLAGS)" -o bin/rtsnap-analyze-$$os-amd64 ./cmd/rtsnap-analyze || exit 1; \
	done

# docs/cli.md is generated from the commands (cobra/doc); the tests
# TestCLIDocUpToDate fail when it is stale, -update rewrites it.
docs:
	go test -count=1 -run '^TestCLIDocUpToDate$$' ./cmd/rtsnap ./cmd/rtsnap-analyze -args -update

# Man pages (section 1) for every command, from the same command trees.
man:
	go test -count=1 -run '^TestManPages$$' ./cmd/rtsnap ./cmd/rtsnap-analyze -args -man-dir=$(CURDIR)/bin/man
	@echo "man pages in bin/man (man -l bin/man/rtsnap-collect.1)"

lab-up:
	bash lab/lab.sh up

lab-down:
	bash lab/lab.sh down

lab-status:
	bash lab/lab.sh status

# The main job: install, build, start the lab, collect from it (healthy, then
# with a frozen task) and show the analysis: inspect, diff, findings, reports.
demo: lab-up build
	bash lab/demo.sh

# All tests: starts the lab (root), lints, then unit and integration tests
# against it. Test packages run in parallel; lab tests share the lab through a
# lock (internal/lab), and a fault test takes it alone.
test: lab-up lint
	CI=$${CI:-true} go test -count=1 -timeout 40m ./...

# Benchmarks (root; not part of make test): the scale lab (100 pods x 5
# containers on containerd 1.7, 50 Docker containers), rtsnap against the
# command-line way and sosreport, the load on the runtime, the analyzer's
# throughput, then 2,000 containers on a containerd 2.x of their own
# (bench/scale2.sh, started and stopped by benchlab), then the Go benchmarks.
# Figures: /dev/shm/rtsnap-bench and docs/benchmarks.md. BENCH_FLAGS passes
# flags to bench/benchlab (--runs, --fleet, --load-for, --steps);
# BENCH_KEEP_SCALE=1 leaves the scale pods and the scale lab running.
# crictl for the command-line way (bench/cli-baseline.sh), cached like the lab's binaries.
CRICTL ?= /var/cache/rtsnap-lab/crictl-1.37.0/crictl
bench: lab-up build
	@dpkg -s sosreport >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sosreport >/dev/null
	@test -x $(CRICTL) || CGO_ENABLED=0 GOBIN=$(dir $(CRICTL)) go install sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0
	bash lab/lab.sh fault scale on
	go run ./bench/benchlab --repo . --crictl $(CRICTL) --scale-endpoint /run/rtsnap-lab/scale2/containerd.sock $(if $(BENCH_KEEP_SCALE),--keep-scale) $(BENCH_FLAGS)
	go test -short -run '^$$' -bench . -benchmem -count 5 ./redact/ ./bundle/ ./analyze/... | tee /dev/shm/rtsnap-bench/go-bench.txt
	go run ./redact/internal/benchfigures < /dev/shm/rtsnap-bench/go-bench.txt | tail -4
	@[ -n "$(BENCH_KEEP_SCALE)" ] || bash lab/lab.sh fault scale off

# Unit tests only: no root, no lab.
test-unit:
	go test -short -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	@test -x $(GOBIN_DIR)/staticcheck || GOBIN=$(GOBIN_DIR) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN_DIR)/staticcheck ./...

# The corpus through rtsnap's redactor and gitleaks' default rules
# (docs/redaction.md, "Corpus"); regenerate the corpus with
# go run ./redact/corpus/gen > redact/testdata/corpus.jsonl
# The redactor's three figures of issue #13 (text, JSON lines, the slowest
# adversarial 1 MiB line), medians of BENCH_COUNT runs; no lab needed.
BENCH_COUNT ?= 5
.PHONY: bench-redact
bench-redact:
	go test -short -run '^$$' -bench '^Benchmark(RedactLogText|RedactJSONLines|AdversarialLines)$$' -count $(BENCH_COUNT) ./redact/ | go run ./redact/internal/benchfigures

.PHONY: hostile
# The crafted-bundle suites with every command line of every subcommand
# (make test runs one line of each; internal/hostile, docs/analyzer.md).
hostile:
	RTSNAP_HOSTILE_EVERY_LINE=1 go test -count=1 -timeout 60m ./internal/hostile

.PHONY: redact-compare
redact-compare:
	go run ./redact/corpus/compare

# Every fuzz target, FUZZTIME each (default 10s): the bundle reader, the
# analyzer's parsers, the diff, the output sanitizer, the journal file
# reader and the redactor. A new Fuzz function belongs in this list.
FUZZTIME ?= 10s
FUZZ_TARGETS := ./bundle:FuzzRead ./analyze/facts:FuzzFacts ./analyze/facts:FuzzJSONShape ./analyze/diff:FuzzTextDiff \
	./analyze/logrec:FuzzParse ./analyze/jsonptr:FuzzExtract ./analyze/podstatus:FuzzParseLine ./analyze/podstatus:FuzzParseLineRoundTrip \
	./analyze/timeline:FuzzKlogTime ./internal/safetext:FuzzWriter ./internal/safetext:FuzzMarkdown ./collect/journal/jfile:FuzzFile \
	./redact:FuzzJSONParser ./redact:FuzzRedact ./redact:FuzzUserinfoWindows ./redact:FuzzHandMatchers \
	./redact:FuzzRedactYAML ./redact:FuzzRedactTOML \
	./internal/hostile:FuzzInspectMember ./internal/hostile:FuzzInspectArchive \
	./analyze/catalog:FuzzClassifyLine ./analyze/catalog:FuzzLiteralSetMatchesContains ./analyze/catalog:FuzzPrefilterKeepsMatches \
	./analyze/clitools:FuzzCRILog ./analyze/clitools:FuzzNodeRoundTrip \
	./analyze/facts:FuzzDecodeMatchesEncodingJSON ./analyze/facts:FuzzJSONShapeMatchesByteLoop \
	./redact:FuzzQuietRecord ./redact:FuzzWriteJSON
fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	  go test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done
