# Everything here needs only Go; `make test` also installs the Debian
# packages the tests use (python3 for an independent plist reader,
# util-linux for setpriv/flock/unshare, curl, man-db and mandoc for the
# man page check) when run as root with apt.
GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/macfleet/installer/cmd/installer/app.Version=$(VERSION)
PKGS    := ./...

.PHONY: all build test deps demo bench fuzz fmt lint clean docs

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# Test tools from Debian: installed only when missing, only as root.
TEST_TOOLS := python3:python3 setpriv:util-linux flock:util-linux unshare:util-linux curl:curl getent:libc-bin zsh:zsh fish:fish shellcheck:shellcheck man:man-db mandoc:mandoc
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

test: deps lint
	$(GO) test -race -count=1 $(PKGS)

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
	$(GO) test -run '^$$' -bench BenchmarkProcess -benchtime 20x ./cmd/installer/app/

# Each fuzz target for FUZZTIME; crashers land in the package's
# testdata/fuzz/<Target>/ and stay there as regression tests.
FUZZTIME ?= 30s
FUZZ := ./hostsfile:FuzzRoundTrip ./helper:FuzzReadRequest ./helper:FuzzReadHello \
	./install:FuzzDecodeProfile ./install:FuzzTextBlock ./install/users:FuzzOfflineDSLocal ./mdm:FuzzDecodeDict
fuzz:
	@for f in $(FUZZ); do \
	  echo "== $${f#*:} ($${f%%:*}, $(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) $${f%%:*} || exit 1; \
	done

demo: build
	@BIN=$(BIN) sh testdata/demo.sh

clean:
	rm -rf $(BIN)
