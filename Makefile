# The commands a person types. A newcomer needs two: `make synth` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# node_modules/.bin holds the pinned CDK CLI and Node.js 24, which jsii then uses too
# (the machine's Node 20 is end-of-life).
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# Go packages of this module; `./...` would also walk the Go templates inside node_modules.
PKGS := . ./config/... ./constructs/... ./stacks/... ./guard/... ./cmd/... ./test/...
GO_SOURCES := main.go config constructs stacks guard cmd test
# ENV=staging limits synth and diff to one environment (and its account stage).
ENV ?=
CDK_ENV := $(if $(ENV),-c env=$(ENV))
# BASE is what `make guard` compares the app with: a cloud assembly, <stage>/<stack>.json files,
# or git:<ref>, the golden templates committed where this branch left <ref> (they stand for what
# <ref> deploys). The PR workflow passes a synth of the base branch instead.
BASE ?= git:main

# Every environment of config/, in deployment order (make rehearse-all).
ENVS := develop staging production

.PHONY: help deps synth test unit py-test lint guard diff bench clean rehearse rehearse-all rehearse-test

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

deps: node_modules/.installed ## install the pinned CDK CLI and Node.js, and download Go modules
	go mod download

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

synth: deps ## synthesize every environment (ENV=name for one) into cdk.out/, with CloudFormation validation
	cdk synth --quiet $(CDK_ENV)

test: deps lint unit py-test ## everything CI checks: formatting, vet, the Go suite (the guard runs in it) and the DAGs' tests

unit: deps ## the Go test suite (snapshots, assertions, cdk-nag, cfn-lint, config validation)
	go test -count=1 $(PKGS)

guard: deps ## fail if staging or production would lose a stateful resource (BASE=dir or git:ref, default git:main)
	cdk synth --quiet
	go run ./cmd/guard -base $(BASE) -head cdk.out

py-test: ## the DAGs' Python tests (unittest + moto, no Airflow needed) and a compile of every DAG file
	python3 -m unittest discover -s dags -p 'test_*.py'
	python3 -m py_compile dags/*.py

lint: ## gofmt, go vet, actionlint (with shellcheck) on the workflows, shellcheck on CI scripts
	@unformatted=$$(gofmt -l $(GO_SOURCES)); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet $(PKGS)
	@command -v shellcheck >/dev/null || { echo "shellcheck is not installed: apt-get install shellcheck"; exit 1; }
	go tool actionlint
	shellcheck .ci/run .github/scripts/*.sh

diff: deps ## cdk diff against the deployed stacks of ENV (needs AWS credentials)
	@test -n "$(ENV)" || { echo "usage: make diff ENV=develop|staging|production"; exit 2; }
	cdk diff $(CDK_ENV) '$(ENV)/*'

bench: deps ## time a synth of every environment (go test -bench)
	go test ./test -run '^$$' -bench . -benchtime 5x -count 1

rehearse: synth ## deploy ENV (default develop) of the synthesized assembly into a local AWS emulator (moto) with the CDK CLI, verify, destroy
	python3 -m rehearsal --assembly cdk.out $(or $(ENV),develop)

rehearse-all: synth ## rehearse $(ENVS) from one synth, one after the other, each on a fresh emulator
	python3 -m rehearsal --assembly cdk.out $(ENVS)

rehearse-test: ## the rehearsal's own tests, including one that deploys a deliberately broken template
	python3 -m unittest rehearsal.test_emulator rehearsal.test_resolve rehearsal.test_verify rehearsal.test_failure

clean: ## remove cdk.out
	rm -rf cdk.out
