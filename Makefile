# Everything here needs only Go; `make test` also installs the Debian
# packages the tests use (python3 for an independent plist reader,
# util-linux for setpriv/flock/unshare, curl, man-db and mandoc for the
# man page check, libarchive-tools (bsdtar) and cpio to read the packages
# back) when run as root with apt.
GO      ?= go
BIN     ?= bin
# The version every binary reports (docs/contract.md §12), the rule cmd/mkdist uses:
# the latest vX.Y.Z tag reachable from HEAD, else 0.0.0-dev+<commit>.
VERSION ?= $(shell t=$$(git tag --merged HEAD --sort=-v:refname --list 'v[0-9]*.[0-9]*.[0-9]*' 2>/dev/null | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$$' | head -n 1); \
  if [ -n "$$t" ]; then echo "$${t#v}"; else c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && echo "0.0.0-dev+$$c" || echo 0.0.0-dev; fi)
LDFLAGS := -X github.com/macfleet/installer/cmd/installer/app.Version=$(VERSION) -X main.Version=$(VERSION)
DIST    ?= dist
PKGS    := ./...

.PHONY: all build dist version test deps demo bench fuzz fmt lint clean docs mutate

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# The macOS distribution of docs/contract.md §12, in pure Go (no macOS tools): universal
# installer and vmnetd, the tool package, the uninstall package, SHA256SUMS.
# SOURCE_DATE_EPOCH (default: the commit's time) fixes every timestamp;
# SIGN_P12=FILE and SIGN_P12_PASSWORD_FILE=FILE sign both packages.
dist:
	VERSION='$(VERSION)' $(GO) run ./cmd/mkdist -out $(DIST)

version:
	@echo '$(VERSION)'

# Test tools from Debian: installed only when missing, only as root.
TEST_TOOLS := python3:python3 setpriv:util-linux flock:util-linux unshare:util-linux curl:curl getent:libc-bin zsh:zsh fish:fish shellcheck:shellcheck man:man-db mandoc:mandoc bsdtar:libarchive-tools cpio:cpio openssl:openssl
deps:
	@missing=""; for t in $(TEST_TOOLS); do \
	  command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: missing test tools ($$missing); the tests that need them skip"; \
	  fi; \
	fi

# Under -race every process sleeps a second at exit (atexit_sleep_ms);
# the tests start a few thousand (the stories, the crash tests), so they
# exit after 10ms. The packages that start children set it too, for a
# plain `go test -race`.
test: deps lint
	GORACE='atexit_sleep_ms=10 $(GORACE)' $(GO) test -race -count=1 -timeout 40m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)

# docs/installer.8 and docs/commands.md are generated from the CLI;
# TestReferenceDocs fails when they are stale.
docs:
	UPDATE_GOLDEN=1 $(GO) test -count=1 -run TestReferenceDocs ./cmd/installer/app/

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./hostsfile/
	$(GO) test -run '^$$' -bench '^BenchmarkProcess$$' -benchtime 20x ./cmd/installer/app/
	$(GO) test -run '^$$' -bench '^BenchmarkProcessHosts$$' -benchtime 10x ./cmd/installer/app/

# Each fuzz target for FUZZTIME; crashers land in the package's
# testdata/fuzz/<Target>/ and stay there as regression tests.
FUZZTIME ?= 30s
FUZZ := ./hostsfile:FuzzRoundTrip ./hostsfile/block:FuzzEnsure ./helper:FuzzReadRequest ./helper:FuzzReadHello \
	./install/profile:FuzzDecode ./install:FuzzTextBlock ./install:FuzzCurrentContext \
	./install/appsettings:FuzzEditRestore ./install/users:FuzzOfflineDSLocal ./mdm:FuzzDecodeDict
fuzz:
	@for f in $(FUZZ); do \
	  echo "== $${f#*:} ($${f%%:*}, $(FUZZTIME))"; \
	  $(GO) test -list "^$${f#*:}$$" $${f%%:*} | grep -qx "$${f#*:}" || { echo "no fuzz target $${f#*:} in $${f%%:*}"; exit 1; }; \
	  $(GO) test -run '^$$' -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) $${f%%:*} || exit 1; \
	done

# Mutation testing (docs/testing.md): gremlins, pinned, installed into
# $(TOOLS) on first use, run over each package with that package's own
# tests, one package at a time; then testdata/mutate/report.py runs the
# switch-case mutants gremlins cannot map and prints the table for
# docs/testing.md. Minutes per package; not part of `make test`.
# `make mutate MUTATE_PKGS=symlinks` measures one package.
GREMLINS       := github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
TOOLS          ?= $(CURDIR)/.tools
MUTATE_OUT     ?= $(CURDIR)/.mutate
MUTATE_WORKERS ?= 1
MUTATE_PKGS    ?= symlinks install/product install/appinfo install/plistsafe install/adminsettings \
	install/appsettings install/homeown mdm/flatpkg install/trust helper hostsfile hostsfile/block
# Files in a subdirectory (-E /) belong to another package. In helper only
# the protocol, admission, policy and bind planning are measured (the
# server, client, socket, tracing and logging code is left out).
MUTATE_EXCLUDE_helper := ^(server|client|client_ops|bind|logsum|pidfile|profile|socket|socket_linux|socket_other|peercred_[a-z]+|trace|trace_[a-z]+|uninstall|trust|doc)\.go$$
mutate: deps
	@test -x $(TOOLS)/gremlins-v0.6.0/gremlins || GOBIN=$(TOOLS)/gremlins-v0.6.0 $(GO) install $(GREMLINS)
	@mkdir -p $(MUTATE_OUT)
	@for p in $(MUTATE_PKGS); do \
	  n=$$(echo $$p | tr / _); echo "== $$p (log: $(MUTATE_OUT)/$$n.log)"; \
	  ex='^$$'; [ "$$p" = helper ] && ex='$(MUTATE_EXCLUDE_helper)'; \
	  $(TOOLS)/gremlins-v0.6.0/gremlins unleash --workers $(MUTATE_WORKERS) --timeout-coefficient 20 -E / -E "$$ex" \
	    -o $(MUTATE_OUT)/$$n.json ./$$p > $(MUTATE_OUT)/$$n.log 2>&1 || { tail -5 $(MUTATE_OUT)/$$n.log; exit 1; }; \
	  tail -4 $(MUTATE_OUT)/$$n.log | head -3; \
	done
	python3 testdata/mutate/report.py $(MUTATE_OUT) $(MUTATE_PKGS)

demo: build
	@BIN=$(BIN) sh testdata/demo.sh

clean:
	rm -rf $(BIN) $(DIST) $(MUTATE_OUT)
