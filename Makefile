# netviz — make test runs everything CI runs. Run as root: the tests read
# network namespaces and talk to a real dockerd, which test-deps starts.

GO      ?= go
BIN     ?= bin/netviz
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
N       ?= 200
# The Docker engines the integration tests run against: 20.10 is the host's
# daemon (Debian's docker.io); 28, 29 (nftables firewall backend) and
# 29-iptables are built or fetched once into /var/cache/netviz-engines and
# started each in a namespace of its own (scripts/engines.sh).
# make test ENGINES=20.10 runs only the host's.
ENGINES ?= 20.10 28 29 29-iptables

.PHONY: all build test test-deps unit vet bench bench-clean docs clean engines static image install-plugin share man completions release

all: build

# netviz, and beside it netviz-graphviz, the embedded Graphviz netviz starts
# to draw SVG when dot is not installed.
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/netviz
	$(GO) build -o $(dir $(BIN))netviz-graphviz ./cmd/netviz-graphviz

# Installs and starts dockerd, busybox-static, graphviz, chromium when missing (root).
test-deps:
	@bash scripts/test-deps.sh

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }

test: test-deps vet
	@ENGINES="$(ENGINES)" bash scripts/test.sh

# Builds or downloads the extra engines into their cache (a second run costs seconds).
engines:
	@bash scripts/engines.sh fetch $(filter-out 20.10 host,$(ENGINES))

# Unit tests only: no root, no daemon.
unit:
	$(GO) test -count=1 -short ./...

# Creates (or reuses, by label) N containers and measures netviz against docker inspect.
bench: test-deps build
	@bash scripts/bench.sh $(N)

# Regenerates docs/gallery from the checked-in example snapshots.
docs: build
	@bash scripts/docs.sh

clean:
	rm -rf bin $(DIST) .test.log .test-*.log .testreport .bench

# Removes the bench containers and networks, one at a time.
bench-clean:
	@for c in $$(docker ps -aq --filter label=dev.netviz.bench); do docker rm -f $$c >/dev/null; done
	@for n in a b c d; do docker network rm nvbench-$$n >/dev/null 2>&1 || true; done

# Shipping (docs/install.md). Everything built goes under DIST.
DIST          ?= dist
ARCH          ?= $(shell $(GO) env GOARCH)
IMAGE         ?= netviz
RELEASE_ARCHES ?= amd64 arm64
PLUGIN_DIR    ?= $(or $(DOCKER_CONFIG),$(HOME)/.docker)/cli-plugins

# Static linux/ARCH binaries: no cgo (so FROM scratch runs them), no build
# paths, the version stamped as in build.
static:
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(DIST)/linux_$(ARCH)/netviz ./cmd/netviz
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -trimpath -ldflags "-s -w" -o $(DIST)/linux_$(ARCH)/netviz-graphviz ./cmd/netviz-graphviz

# The image IMAGE:VERSION (and IMAGE:latest) with the local daemon, for its
# architecture: the classic builder needs no registry for FROM scratch
# (BuildKit would want the buildx plugin).
image:
	@a=$$(docker version --format '{{.Server.Arch}}') || exit 1; [ "$$a" = "$(ARCH)" ] || \
		{ echo "make image: ARCH=$(ARCH) but the daemon is $$a: the classic builder makes images for the daemon's own architecture" >&2; exit 2; }
	@$(MAKE) --no-print-directory static
	DOCKER_BUILDKIT=0 docker build -q --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) -f build/Dockerfile $(DIST)/linux_$(ARCH)
	docker tag $(IMAGE):$(VERSION) $(IMAGE):latest
	@echo "built $(IMAGE):$(VERSION); run it as docs/install.md shows"

# docker netviz: the binary as ~/.docker/cli-plugins/docker-netviz (or
# under DOCKER_CONFIG), netviz-graphviz beside it (docker only takes
# docker-* files there for plugins).
install-plugin: build
	install -d $(PLUGIN_DIR)
	install -m 0755 $(BIN) $(PLUGIN_DIR)/docker-netviz
	install -m 0755 $(dir $(BIN))netviz-graphviz $(PLUGIN_DIR)/netviz-graphviz

# Man pages and bash/zsh/fish completions, in a share/ layout.
share: build
	rm -rf $(DIST)/share
	$(abspath $(BIN)) gen-docs $(DIST)/share
man completions: share
	@:

# netviz_VERSION_linux_ARCH.tar.gz for each of RELEASE_ARCHES, and SHA256SUMS.
release: share
	@GO="$(GO)" VERSION="$(VERSION)" DIST="$(DIST)" ARCHES="$(RELEASE_ARCHES)" bash scripts/release.sh
