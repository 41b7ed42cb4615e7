# The commands a person types. A newcomer needs two: `make synth` and `make test`. Each installs
# what it needs on first use: the CDK CLI and Node.js 24 (npm ci), Go modules, uv, and every
# Python project's locked environment.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Python: one uv project per component (tools/, dags/, rehearsal/, jobs/, unitycatalog/, warehouse/), each with its own
# uv.lock and .venv, because Airflow, moto, Spark and the linters pin different versions of
# shared libraries.
# uv comes from PyPI into .uv/; it uses the machine's Python (.python-version) and never
# downloads one.
UV_VERSION := 0.13.8
UV := $(CURDIR)/.uv/bin/uv
# The stamp of the installed uv version: a new UV_VERSION reinstalls uv.
UV_STAMP := .uv/.version-$(UV_VERSION)
export UV_PYTHON := $(shell cat .python-version)
# Python writes each module's compiled bytecode beside it (the environments' __pycache__), so a
# suite's later processes (each task's, dbt's, moto's) import Airflow, dbt or moto without
# compiling them again. An environment that sets PYTHONDONTWRITEBYTECODE (the development
# machine's does) has each process recompile what it imports: importing Airflow and cosmos took
# 3.3 s of CPU each time, 1.5 s from the cache.
unexport PYTHONDONTWRITEBYTECODE
export UV_PYTHON_DOWNLOADS := never
PY_PROJECTS := tools dags rehearsal jobs unitycatalog warehouse
# The rehearsal's interpreter: it runs moto's server for the rehearsal and the DAG tests.
REHEARSAL_PY := rehearsal/.venv/bin/python

# node_modules/.bin holds the pinned CDK CLI and Node.js 24, which jsii then uses too (the
# machine's Node 20 is end-of-life); tools/bin links to the linters of tools/.venv (cfn-lint,
# shellcheck, ruff) and nothing else, so that the venv's python3 does not shadow the machine's.
TOOLS := cfn-lint shellcheck ruff
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# Go packages of this module; `./...` would also walk the Go templates inside node_modules.
PKGS := . ./config/... ./constructs/... ./stacks/... ./guard/... ./cmd/... ./internal/... ./test/...
GO_SOURCES := main.go config constructs stacks guard cmd test internal
# ENV=staging limits synth and diff to one environment (and its account stage).
ENV ?=
CDK_ENV := $(if $(ENV),-c env=$(ENV))
# BASE is what `make guard` compares the app with: a cloud assembly, <stage>/<stack>.json files,
# or git:<ref>, the golden templates committed where this branch left <ref> (they stand for what
# <ref> deploys). The PR workflow passes a synth of the base branch instead.
BASE ?= git:main

# Every environment of config/, in deployment order (make rehearse-all).
ENVS := develop staging production

.PHONY: help deps py-deps generate synth test unit dag-test jobs-test uc-test pipeline warehouse-test warehouse-config jobs-guards bench-jobs bench-scale bench-speed bundle-config uv lint guard diff smoke bench clean rehearse rehearse-all rehearse-test

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# deps is all `make synth` needs (no Python); the linters come with the targets that use them,
# so the diff and version-check workflows synthesize without setting up Python.
deps: node_modules/.installed ## install the pinned CDK CLI and Node.js, and download Go modules
	go mod download

py-deps: $(PY_PROJECTS:%=%/.venv/.synced) ## install every Python project's locked environment

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

uv: $(UV) ## install the pinned uv into .uv/ (deploy.yml builds the jobs wheel with it)

$(UV): $(UV_STAMP)
$(UV_STAMP):
	rm -rf .uv
	python3 -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	touch $@

# `uv sync --locked` installs exactly the lock, and fails if the lock is out of date with
# pyproject.toml instead of re-resolving.
%/.venv/.synced: %/pyproject.toml %/uv.lock .python-version | $(UV)
	$(UV) sync --quiet --locked --project $*
	touch $@

tools/bin/.linked: tools/.venv/.synced
	mkdir -p tools/bin
	for tool in $(TOOLS); do ln -sf ../.venv/bin/$$tool tools/bin/$$tool; done
	touch $@

synth: deps ## synthesize every environment (ENV=name for one) into cdk.out/, with CloudFormation validation
	cdk synth --quiet $(CDK_ENV)

# The suites, each a target. CI runs each of SUITES in a job of its own (.github/workflows/ci.yml):
# the test suites, then the rehearsal's own tests and the rehearsal of a strict synth, whose
# assembly is the one deploy.yml deploys. test/workflows_test.go fails when a suite is in no job,
# or a job runs a target not listed here.
TEST_SUITES := jobs-test lint unit warehouse-test dag-test uc-test
SUITES := $(TEST_SUITES) rehearse-test rehearse-all
# Each suite's recipe (and the pipeline's) runs under $(SUITE) <its name>: a timeout of twice its
# budget in docs/testing.md's budget table, the one place budgets are written, and a KILL 30 s
# later; it prints "<suite>: N s, C s of CPU", or "<suite>: timed out after N s"
# (test/budget_test.go).
SUITE := $(CURDIR)/.ci/suite
# `make test` runs TEST_SUITES, and ALSO (.ci/run adds the rehearsal's), as one make graph with
# JOBS at a time (the cores of the machine CI measures on): each suite, and what it needs (the
# pipeline, an environment, npm ci), starts when a slot frees. The suites are CPU-bound, so the
# two slots keep both cores busy from the first install to the last suite; docs/testing.md gives
# each one's CPU time. Make starts a ready recipe behind those it queued before, not in the
# list's order, so the longest suite's environment is installed before the graph: the jobs'
# tests, ready only once it was, started after the rehearsal's tests and a synth, 110 s into
# the run.
ALSO ?=
JOBS ?= 2

test: ## everything CI checks: lint, the Go suite (the guard runs in it), the DAGs' tests in real Airflow, the jobs' on local Spark, the whole pipeline with dbt, the Unity Catalog set-up's
	@$(MAKE) --no-print-directory -j$(JOBS) jobs/.venv/.synced deps
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target $(TEST_SUITES) $(ALSO)

# Verbose into a log, so that the counts the suite's walks print (reachability edges, commands
# named in the docs) are shown beside each package's result, and the suite's time; the whole log
# on a failure or a timeout. The sources recipe (test/recipe) runs make generate and the pipeline
# with the jobs' and the warehouse's environments. No vet pass: lint's go vet runs every analyzer
# over the same packages, and go test's own subset of them cost a fifth of the suite's CPU.
unit: deps tools/bin/.linked jobs/.venv/.synced warehouse/.venv/.synced ## the Go test suite (snapshots, assertions, cdk-nag, cfn-lint, config validation)
	log=$$(mktemp) && trap 'rm -f $$log' EXIT && \
	  if $(SUITE) unit go test -count=1 -vet=off -v $(PKGS) >$$log 2>&1; then grep -E '^(ok|FAIL)\s|checked [0-9]+ reachability|flags checked|^unit: ' $$log; \
	  else cat $$log; exit 1; fi

guard: deps ## fail if staging or production would lose a stateful resource (BASE=dir or git:ref, default git:main)
	cdk synth --quiet
	go run ./cmd/guard -base $(BASE) -head cdk.out

# The fixed monthly cost per environment, from the templates: a synth, or the assembly in
# CDK_OUT, priced with internal/cost/prices/<region>.yaml (730 hours a month); the usage prices
# apart. It fails naming any resource whose type or price the table lacks, and rewrites the
# totals of docs/costs-and-limits.md (test/cost_test.go fails when they are stale).
CDK_OUT ?=

cost: deps ## each environment's fixed monthly cost from a synth (CDK_OUT=dir to price that assembly), and docs/costs-and-limits.md's totals
	$(if $(CDK_OUT),,cdk synth --quiet)
	go run ./cmd/cost -cdk-out $(or $(CDK_OUT),cdk.out) -docs docs/costs-and-limits.md

# The gold group's tests run the warehouse's dbt over the pipeline's silver.
dag-test: dags/.venv/.synced rehearsal/.venv/.synced warehouse/.venv/.synced pipeline ## the DAGs' tests in Airflow 3, against moto's server, a Databricks stub, and dbt over the pipeline's silver
	cd dags && MOTO_PYTHON=$(CURDIR)/$(REHEARSAL_PY) WAREHOUSE_PIPELINE=$(PIPELINE) $(SUITE) dag-test .venv/bin/python -m pytest -q

# The wheel is built the way the bundle builds it (databricks.yml's artifact): the tests check
# that every task's entry point is in it. Java 17 runs Spark; the Delta jars come from Maven
# Central at the first session (~/.ivy2).
jobs-test: jobs/.venv/.synced | $(UV) ## the Spark jobs' tests on local Spark with Delta, and the bundle's job definitions
	cd jobs && $(SUITE) jobs-test bash -euc 'rm -rf dist && $(UV) build --quiet --wheel --out-dir dist && .venv/bin/python -m pytest -q'

uc-test: unitycatalog/.venv/.synced ## the Unity Catalog set-up command against a loopback stub of the Databricks REST API
	cd unitycatalog && $(SUITE) uc-test .venv/bin/python -m pytest -q

# The whole pipeline on this machine: bronze in the producers' layouts, the jobs on local
# Spark, dbt on the local target (DuckDB over silver's Delta tables), the gold report. One shell
# (its steps one a line, set -x) so that one timeout bounds them all.
PIPELINE ?= $(CURDIR)/.pipeline
WAREHOUSE_ENV := WAREHOUSE_SILVER=$(PIPELINE)/silver/ WAREHOUSE_DUCKDB=$(PIPELINE)/warehouse.duckdb DBT_PROFILES_DIR=$(CURDIR)/warehouse

pipeline: jobs/.venv/.synced warehouse/.venv/.synced ## the platform's main job, locally and offline: sample sources to bronze, the batch and speed jobs, dbt build, the gold report
	@$(SUITE) pipeline bash -euxc ' \
	  (cd jobs && .venv/bin/python -m pipeline --root $(PIPELINE)); \
	  cd warehouse; export $(WAREHOUSE_ENV); \
	  .venv/bin/dbt build --target local --quiet; cp target/run_results.json $(PIPELINE)/dbt-build.json; \
	  .venv/bin/dbt source freshness --target local --quiet; cp target/sources.json $(PIPELINE)/dbt-freshness.json; \
	  .venv/bin/dbt docs generate --target local --quiet; \
	  .venv/bin/python report.py --root $(PIPELINE)'

# After the pipeline: its gold checked against the sample, and every Athena target compiled
# against moto's Glue and linted in Athena's dialect.
warehouse-test: pipeline rehearsal/.venv/.synced ## the whole pipeline, then the warehouse's tests (gold against the sample, the Athena compile and lint)
	cd warehouse && MOTO_PYTHON=$(CURDIR)/$(REHEARSAL_PY) WAREHOUSE_PIPELINE=$(PIPELINE) $(WAREHOUSE_ENV) \
	  $(SUITE) warehouse-test .venv/bin/python -m pytest -q

# The manifest Airflow renders the warehouse's tasks from (cosmos, LoadMode.DBT_MANIFEST): dbt
# parse needs no connection, and the task graph is the same for every target.
warehouse-config: warehouse/.venv/.synced ## regenerate the warehouse's profiles, sources and config macros from config, its manifest, and the startup script's dbt pins
	go run ./cmd/warehouse
	$(UV) export --project warehouse --frozen --no-default-groups --no-hashes --no-emit-project --no-header --no-annotate --quiet | \
	  python3 -c 'import re, sys; p = "airflow/startup.sh"; s = open(p).read(); pins = sys.stdin.read(); \
	    open(p, "w").write(re.sub(r"(# BEGIN dbt pins\n).*?(# END dbt pins)", lambda m: m[1] + pins + m[2], s, flags=re.S))'
	cd warehouse && tmp=$$(mktemp -d) && DBT_PROFILES_DIR=$(CURDIR)/warehouse .venv/bin/dbt parse --quiet --target local --target-path $$tmp && \
	  .venv/bin/python -c 'import json, sys; json.dump(json.load(open(sys.argv[1])), open("manifest.json", "w"), indent=1, sort_keys=True)' $$tmp/manifest.json && \
	  rm -rf $$tmp

jobs-guards: jobs/.venv/.synced ## remove each guard of the CDC merge and the speed layer in turn and see its test fail (slow)
	cd jobs && .venv/bin/python -m tests.guard_mutations

bench-jobs: jobs/.venv/.synced ## the CDC merge benchmark: times and Delta's operation metrics (docs/jobs.md)
	cd jobs && .venv/bin/python -m benchmarks.merge

bench-scale: jobs/.venv/.synced ## the history's growth benchmark: one day's changes over 10x the days of history (docs/jobs.md)
	cd jobs && .venv/bin/python -m benchmarks.scale

bench-speed: jobs/.venv/.synced ## the speed layer's benchmark: latency to silver and events per second (docs/jobs.md)
	cd jobs && .venv/bin/python -m benchmarks.speed

# Everything derived from config and the source declarations (config/sources/), in dependency
# order: the tables file first (config reads it), then what config generates (the DAGs' files
# after the warehouse's manifest, which the smoke plan reads), then the goldens.
# cmd/tables parses the source database's DDL with PostgreSQL's own parser (pg_query_go, cgo), so
# this target needs a C compiler; config, `make synth` and the deploy read its committed output.
generate: deps warehouse/.venv/.synced ## regenerate everything derived from config/ and config/sources/ (needs a C compiler)
	go run ./cmd/tables
	$(MAKE) --no-print-directory bundle-config warehouse-config config-doc
	go run ./cmd/dags -o dags/api_sources.json -plan dags/smoke_plan.json
	go test -count=1 -vet=off ./test -run '^(TestSnapshots|TestNoOrphanSnapshots)$$' -update

bundle-config: ## regenerate jobs/targets.yml, the bundle's targets and variables, from config
	go run ./cmd/bundle -o jobs/targets.yml

# One shell (its steps one a line, set -x) so that one timeout bounds them all.
lint: deps tools/bin/.linked ## gofmt, go vet, actionlint and shellcheck, ruff, and no large files in git
	@$(SUITE) lint bash -euc ' \
	  unformatted=$$(gofmt -l $(GO_SOURCES)); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi; \
	  set -x; \
	  go vet $(PKGS); \
	  go tool actionlint; \
	  shellcheck .ci/run .ci/suite .ci/large-files .github/scripts/*.sh airflow/startup.sh; \
	  ruff check $(filter-out tools,$(PY_PROJECTS)) airflow/relay; \
	  ruff format --check $(filter-out tools,$(PY_PROJECTS)) airflow/relay; \
	  .ci/large-files'

diff: deps ## cdk diff against the deployed stacks of ENV (needs AWS credentials)
	@test -n "$(ENV)" || { echo "usage: make diff ENV=develop|staging|production"; exit 2; }
	cdk diff $(CDK_ENV) '$(ENV)/*'

# The caller's AWS credentials need airflow:InvokeRestApi on the environment's Airflow role User,
# or, where its webserver is PRIVATE_ONLY, lambda:InvokeFunction on its relay
# (docs/operations.md, "Triggering the smoke run"); SMOKE_TIMEOUT and SMOKE_POLL pass through.
smoke: ## trigger the platform_smoke DAG of ENV in its MWAA environment and wait for its run (needs AWS credentials)
	@test -n "$(ENV)" || { echo "usage: make smoke ENV=develop|staging|production"; exit 2; }
	.github/scripts/smoke.sh '$(ENV)'

bench: deps ## time a synth of every environment (go test -bench)
	go test ./test -run '^$$' -bench . -benchtime 5x -count 1

rehearse: synth rehearsal/.venv/.synced ## deploy ENV (default develop) of the synthesized assembly into a local AWS emulator (moto) with the CDK CLI, verify, destroy
	$(REHEARSAL_PY) -m rehearsal --assembly cdk.out $(or $(ENV),develop)

rehearse-all: synth rehearsal/.venv/.synced ## rehearse $(ENVS) from one synth, one after the other, each on a fresh emulator
	$(SUITE) rehearse-all $(REHEARSAL_PY) -m rehearsal --assembly cdk.out $(ENVS)

# The CDK CLI deploys the tests' own assemblies: no Go.
rehearse-test: node_modules/.installed rehearsal/.venv/.synced ## the rehearsal's own tests, including one that deploys a deliberately broken template
	$(SUITE) rehearse-test $(REHEARSAL_PY) -m pytest -q rehearsal

clean: ## remove cdk.out, the pipeline's output and the Python environments
	rm -rf cdk.out .pipeline .uv tools/bin $(PY_PROJECTS:%=%/.venv)

.PHONY: config-doc
config-doc: ## regenerate docs/configuration.md from config's doc comments and validation rules
	go run ./cmd/configdoc -o docs/configuration.md
