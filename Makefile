# Developer and CI entry points. `make test` is the test command: it starts
# a real Apache Kafka (KRaft) and redis-server on free 127.0.0.1 ports with
# scripts/testenv/run.sh, runs the Go tests against them and stops them.
#
# Extra go test flags:   make test GOTESTFLAGS='-run TestName -v'
# Other packages:        make test PKGS=./internal/testenv/

GO ?= go
GOTESTFLAGS ?=
PKGS ?= ./...

.PHONY: test vet build dev testenv

test: fuzz-short
	scripts/testenv/run.sh $(GO) test -race -count=1 $(GOTESTFLAGS) $(PKGS)

vet:
	$(GO) vet $(PKGS)

build:
	$(GO) build -o bin/arenasync ./cmd/arenasync

dev:
	$(GO) run ./cmd/arenasync dev

# Starts Kafka and Redis, prints their addresses as shell exports (also
# written to an env.sh whose path it prints) and keeps them running in the
# foreground. In another shell, source that env.sh and run go test
# directly. Stop both servers with Ctrl-C, or send SIGTERM to the run.sh
# process that it prints; that also removes their data.
testenv:
	scripts/testenv/run.sh

# Benchmarks against a real Kafka and Redis (scripts/testenv/run.sh) and
# the Arena simulator; BENCHMARKS.md explains the figures. The default sizes
# take 6 to 8 minutes on a shared 2-vCPU machine; pass the full sizes with
# BENCHFLAGS, for example (about 15 minutes):
#   make bench BENCHFLAGS='-drain-events 200000 -steady-duration 10m'
# The results go to docs/bench (results.json, results.md, PNG plots) and
# into the tables under Figures in BENCHMARKS.md.
BENCHFLAGS ?=

.PHONY: bench

bench:
	$(GO) build -o bin/arenasync-bench ./cmd/arenasync-bench
	scripts/testenv/run.sh bin/arenasync-bench -out docs/bench -benchmarks BENCHMARKS.md $(BENCHFLAGS)

# Fuzz the webhook parsers of package adapters, one fuzzer after another.
# `make fuzz` runs each for FUZZTIME (longer by hand: make fuzz FUZZTIME=5m);
# `make test` runs fuzz-short first: a fixed count of inputs per fuzzer, a few
# seconds each. The count matters: with a duration budget, Go 1.26's fuzz
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out on a loaded machine, a false alarm that a count cannot raise.
# A failing input is saved under adapters/testdata/fuzz and then runs in
# every go test.
FUZZTIME ?= 10s
FUZZERS := FuzzGeneric FuzzMoodle FuzzDocebo Fuzz360Learning FuzzXAPI

.PHONY: fuzz fuzz-short

fuzz:
	@for fuzzer in $(FUZZERS); do \
		$(GO) test ./adapters/ -run '^$$' -fuzz "^$$fuzzer$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20000x

# The deployment checks alone: metric catalogue and docs/metrics.md, the
# Grafana dashboard, the alert rules (promtool check and unit tests), the
# Kubernetes manifests (kubernetes-validate), docker-compose.yml and a real
# Prometheus scrape of ingest and worker. make test runs them as well,
# because ./deploy/ is part of ./...
.PHONY: check-deploy
check-deploy:
	scripts/testenv/run.sh $(GO) test -race -count=1 $(GOTESTFLAGS) ./deploy/ ./internal/metricscatalog/
