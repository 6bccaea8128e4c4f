#!/usr/bin/env bash
# Runs every test (unit, golden, privileged kernel tests and integration tests
# against a real dockerd) with the race detector, then the integration tests
# again against each extra engine in ENGINES.
#
#   ENGINES="20.10 28 29 29-iptables" (the default): 20.10 is the host's
#   daemon (Debian's docker.io, or whatever DOCKER_HOST names), which runs
#   the whole suite; 28, 29 (nftables) and 29-iptables are started by
#   scripts/engines.sh, each in a network namespace of its own, and run the
#   packages whose tests use internal/dockertest inside that namespace, so
#   that netviz's "host" is the engine's.
#
# The verbose logs go to .test.log (.test-28.log, ...); the terminal gets each
# package's result, the whole output of every failing test (its own lines,
# not its neighbours'), the skipped tests with their reasons and a closing
# count, each line naming its engine. Under CI=true a skipped test is a
# failure, unless it says its feature does not exist on that engine
# (testenv.NotApplicable): the integration tests must have run.
set -uo pipefail
cd "$(dirname "$0")/.."
engines=${ENGINES:-20.10 28 29 29-iptables}
go build -o .testreport ./scripts/testreport || exit 1
ci=()
[ "${CI:-}" = true ] && ci=(-ci)
rc=0
started=()
bins=$(mktemp -d)
cleanup() {
	for e in "${started[@]}"; do [ -n "$e" ] && bash scripts/engines.sh stop "$e"; done
	rm -rf "$bins" .testreport
}
trap cleanup EXIT

# Packages whose tests talk to a daemon through internal/dockertest.
docker_pkgs() {
	go list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
		awk '$1 ~ /\/internal\/dockertest$/ || / github.com\/netviz\/netviz\/internal\/dockertest( |$)/ {print $1}'
}

# TestIntegrationDaemonNamespace needs a dockerd in another namespace than
# its own: it runs once per extra engine, in the host namespace with -H at
# that engine (below), and is left out of the other runs. With no extra
# engine it runs with the host's suite and says it cannot (a failure under CI).
daemonns=TestIntegrationDaemonNamespace
# The swarm tests (TestIntegrationSwarm*, internal/swarmtest) build their own
# nodes of Docker 28.5.2 whatever the engine under test: once is enough.
# The image (make image, with each engine's classic builder) and the Docker
# CLI plugin run on every engine: ~15 s each.
hostonly='TestIntegrationSwarm.*'
skip_host=()
for e in $engines; do case $e in 20.10 | host) ;; *) skip_host=(-skip "^$daemonns\$") ;; esac; done

# The swarm tests run with the host's suite, on nodes of Docker 28.5.2 from
# the engines' cache: built (or found, in seconds) before it.
case " $engines " in
*" 20.10 "* | *" host "*)
	bash scripts/engines.sh fetch 28 || { echo "FAIL [engine 28] could not be built or downloaded: the swarm tests will fail"; rc=1; } ;;
esac

for e in $engines; do
	case $e in
	20.10 | host)
		label="docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '(no daemon)') (host)"
		echo "=== $label: every package"
		t0=$SECONDS
		go test -race -count=1 -timeout 45m -json "${skip_host[@]}" ./... 2>&1 | ./.testreport -log .test.log -engine "$label" -tally "$bins/tally" "${ci[@]}" || rc=1
		echo "[$label] took $((SECONDS - t0))s"
		;;
	*)
		# An engine that cannot be had fails the run but not the others.
		t0=$SECONDS
		if ! bash scripts/engines.sh fetch "$e"; then
			echo "FAIL [engine $e] could not be built or downloaded (see above)"
			rc=1
			continue
		fi
		echo "engines: $e ready in $((SECONDS - t0))s"
		pkgs=$(docker_pkgs)
		for p in $pkgs; do
			bin=$bins/$(echo "$p" | tr / _).test
			[ -x "$bin" ] || go test -race -c -o "$bin" "$p" || { rc=1; continue 2; }
		done
		# Stopped on the way out even when it starts only half way.
		started+=("$e")
		bash scripts/engines.sh start "$e" || { echo "FAIL [engine $e] did not start"; rc=1; continue; }
		eval "$(bash scripts/engines.sh env "$e" | sed 's/^/local_/')"
		label="docker $(DOCKER_HOST=$local_DOCKER_HOST docker version --format '{{.Server.Version}}') (netns $(basename "$local_NETVIZ_NETNS_PATH"))"
		echo "=== $label: $(echo $pkgs | wc -w) packages with integration tests"
		# Packages run side by side, each into a file of its own (two writers
		# on one pipe could interleave a long line), then are reported together.
		out=$bins/$e
		mkdir -p "$out"
		for p in $pkgs; do
			dir=$(go list -f '{{.Dir}}' "$p")
			(cd "$dir" && nsenter --net="$local_NETVIZ_NETNS_PATH" env DOCKER_HOST="$local_DOCKER_HOST" NETVIZ_ENGINE="$local_NETVIZ_ENGINE" \
				go tool test2json -t -p "$p" "$bins/$(echo "$p" | tr / _).test" -test.v=test2json -test.count=1 -test.timeout=30m -test.skip="^($daemonns|$hostonly)\$" \
				>"$out/$(echo "$p" | tr / _).json" 2>&1) &
		done
		wait
		cat "$out"/*.json | ./.testreport -log ".test-$e.log" -engine "$label" -tally "$bins/tally" "${ci[@]}" || rc=1
		# The daemon's own namespace: netviz in the host namespace, -H at this
		# engine, must see what it sees from inside (docs/architecture.md).
		p=github.com/netviz/netviz/cmd/netviz
		(cd "$(go list -f '{{.Dir}}' $p)" && env NETVIZ_OTHER_NS_DOCKER_HOST="$local_DOCKER_HOST" NETVIZ_OTHER_NS_PATH="$local_NETVIZ_NETNS_PATH" \
			go tool test2json -t -p "$p" "$bins/$(echo "$p" | tr / _).test" -test.v=test2json -test.count=1 -test.timeout=10m -test.run="^$daemonns\$" 2>&1) |
			./.testreport -log ".test-$e-hostns.log" -engine "$label, netviz in the host namespace" -tally "$bins/tally" "${ci[@]}" || rc=1
		bash scripts/engines.sh stop "$e"
		started=()
		echo "[$label] took $((SECONDS - t0))s, fetch, start and stop included"
		;;
	esac
done
# One count for the whole run, every engine added up.
read -r p f s 2>/dev/null <"$bins/tally" || { p=0 f=0 s=0; }
echo "total: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] || rc=1
exit $rc
