#!/usr/bin/env bash
# make bench [N=200]: creates (or reuses, by label) N busybox containers across
# four networks (every tenth on a second network too), then measures, over
# RUNS runs each, the median wall time and peak memory of
#   netviz veth --format json
# with its per-phase timings, against
#   docker inspect $(docker ps -q)
# on the same host in the same run; start-up against docker's own CLI
# (netviz version against docker --version, VERSION_RUNS runs each); and the
# time to draw that host's diagram (SVG, every container drawn with --expand
# and the grouped default; native dot and the embedded engine,
# netviz-graphviz). Containers stay for the next run; `make bench-clean`
# removes them one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
RUNS=${RUNS:-7}
LABEL=dev.netviz.bench
VERSION_RUNS=${VERSION_RUNS:-21}
BIN=${BIN:-bin/netviz} # BIN=/elsewhere/netviz measures another build
IMAGE=netviz-busybox:test

log() { printf 'bench: %s\n' "$*" >&2; }

for b in "$BIN" "$(dirname "$BIN")/netviz-graphviz"; do
	[ -x "$b" ] || { log "$b is missing: make build"; exit 1; }
done

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
	log "importing $IMAGE from busybox-static"
	go test -count=1 -run TestImage ./internal/dockertest >/dev/null
fi
for n in a b c d; do
	docker network inspect "nvbench-$n" >/dev/null 2>&1 ||
		docker network create --label "$LABEL=1" "nvbench-$n" >/dev/null
done
have=$(docker ps -q --filter "label=$LABEL" | wc -l)
if [ "$have" -lt "$N" ]; then
	log "starting $((N - have)) containers (have $have)"
	seq "$have" $((N - 1)) | xargs -P 4 -I{} sh -c '
		i={}; nets="a b c d"; set -- $nets; shift $((i % 4)); net=$1
		name=$(printf "nvbench-%04d" "$i")
		docker rm -f "$name" >/dev/null 2>&1 || true
		docker run -d --name "$name" --label '"$LABEL"'=1 --network "nvbench-$net" '"$IMAGE"' sleep infinity >/dev/null
		if [ $((i % 10)) -eq 0 ]; then docker network connect nvbench-a "$name" 2>/dev/null || true; fi'
fi
total=$(docker ps -q | wc -l)
log "$total running containers ($N with the bench label)"

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "-"; exit} m=(NR+1)/2; if (NR%2) print a[m]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# Wall times come from bash's $EPOCHREALTIME, read in this shell with no
# fork, so a 5 ms command is not timed with a few ms of date and awk.
since_ms() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f\n", (b-a)*1000}'; }

mkdir -p .bench
: >.bench/netviz.txt
: >.bench/docker.txt
for r in $(seq 1 "$RUNS"); do
	t0=$EPOCHREALTIME
	"$BIN" veth --format json --debug >.bench/out.json 2>.bench/err.txt
	took=$(since_ms "$t0")
	pairs=$(grep -c '"hostInterface"' .bench/out.json || true)
	phase() { grep -o "name=$1 took=[^ )]*" .bench/err.txt | sed 's/.*took=//' | sed 's/µs/us/' | awk '
		/ms$/ {sub("ms",""); print $1; next} /us$/ {sub("us",""); print $1/1000; next}
		/s$/ {sub("s",""); print $1*1000; next}'; }
	rss=$(grep -o 'maxRSS=[0-9]*' .bench/err.txt | cut -d= -f2)
	echo "$took $(phase docker) $(phase host) $(phase namespaces) $(phase model) $rss $pairs" >>.bench/netviz.txt
	# A container that exits between ps and inspect (other tests may be
	# running) fails the whole inspect: list again and time the retry.
	for _ in 1 2 3; do
		ids=$(docker ps -q)
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2086
		docker inspect $ids >/dev/null 2>&1 && break
	done
	since_ms "$t0" >>.bench/docker.txt
done

# Start-up: the cost every command pays before it does anything, against
# docker's own CLI, interleaved so both see the same machine.
: >.bench/version.txt
: >.bench/docker-version.txt
for _ in $(seq 1 "$VERSION_RUNS"); do
	t0=$EPOCHREALTIME
	"$BIN" version >/dev/null
	since_ms "$t0" >>.bench/version.txt
	t0=$EPOCHREALTIME
	docker --version >/dev/null
	since_ms "$t0" >>.bench/docker-version.txt
done

col() { awk -v c="$1" '{print $c}' .bench/netviz.txt | median; }
printf '\nnetviz bench: %s running containers, %s veth pairs, median of %s runs\n' "$total" "$(col 7)" "$RUNS"
printf '  %-40s %10s\n' "netviz veth --format json (wall)" "$(col 1) ms"
printf '  %-40s %10s\n' "  phase docker API" "$(col 2) ms"
printf '  %-40s %10s\n' "  phase host netlink" "$(col 3) ms"
printf '  %-40s %10s\n' "  phase namespace reads" "$(col 4) ms"
printf '  %-40s %10s\n' "  phase model" "$(col 5) ms"
printf '  %-40s %10s\n' "  peak memory (max RSS)" "$(( $(col 6 | cut -d. -f1) / 1024 )) MB"
printf '  %-40s %10s\n' 'docker inspect $(docker ps -q) (wall)' "$(median <.bench/docker.txt) ms"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
v=$(median <.bench/version.txt)
dv=$(median <.bench/docker-version.txt)
j=$(col 1)
dj=$(median <.bench/docker.txt)
printf '\nnetviz against docker, wall time, medians (goal: netviz/docker <= 1)\n'
printf '  %-46s %9s %9s %14s\n' "" netviz docker netviz/docker
printf '  %-46s %6s ms %6s ms %14s\n' "version / --version ($VERSION_RUNS runs)" "$v" "$dv" "$(ratio "$v" "$dv")"
printf '  %-46s %6s ms %6s ms %14s\n' "veth --format json / inspect ($RUNS runs)" "$j" "$dj" "$(ratio "$j" "$dj")"

# The troubleshooting commands read the firewall (iptables-save per backend
# and family, nft) on top of what veth reads, then reason over the snapshot.
wall() { # runs, command...
	local runs=$1
	shift
	: >.bench/wall.txt
	for _ in $(seq 1 "$runs"); do
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1 || true # doctor exits 1 on an error-level finding
		since_ms "$t0" >>.bench/wall.txt
	done
	median <.bench/wall.txt
}
first=$(docker ps --filter "label=$LABEL" --format '{{.Names}}' | sort | sed -n 1p)
last=$(docker ps --filter "label=$LABEL" --format '{{.Names}}' | sort | sed -n '$p')
printf '\nwith the firewall, median of %s runs\n' "$RUNS"
printf '  %-40s %10s\n' "netviz docker --format json (wall)" "$(wall "$RUNS" "$BIN" docker --format json) ms"
printf '  %-40s %10s\n' "netviz doctor --format json (wall)" "$(wall "$RUNS" "$BIN" doctor --format json) ms"
printf '  %-40s %10s\n' "netviz path $first $last (wall)" "$(wall "$RUNS" "$BIN" path "$first" "$last") ms"

"$BIN" docker --format json >.bench/host.json
draw() { # engine, extra flags...
	local engine=$1
	shift
	: >.bench/draw.txt
	for _ in $(seq 1 "$DRAW_RUNS"); do
		t0=$EPOCHREALTIME
		"$BIN" render .bench/host.json --engine "$engine" "$@" -o .bench/host.svg
		since_ms "$t0" >>.bench/draw.txt
	done
	median <.bench/draw.txt
}
DRAW_RUNS=${DRAW_RUNS:-5}
printf '\ndiagram of the same host (netviz render host.json -o host.svg), median of %s runs\n' "$DRAW_RUNS"
printf '  %-40s %10s\n' "--expand, native dot" "$(draw dot --expand) ms"
printf '  %-40s %10s\n' "--expand, embedded (netviz-graphviz)" "$(draw embedded --expand) ms"
printf '  %-40s %10s\n' "grouped (default), native dot" "$(draw dot) ms"
printf '  %-40s %10s\n' "grouped (default), embedded (netviz-graphviz)" "$(draw embedded) ms"

# Live views: a watcher (package live) on this host, as watch and serve run
# it: the latency from Docker's start event to the update that shows the
# container (p50/p95 over LIVE_STARTS starts), its CPU over LIVE_IDLE
# seconds on this host (whatever else changes here meanwhile is counted as
# updates) and on a quiet one (nothing changes: the cost of following),
# and its heap over LIVE_CYCLES start/stop cycles.
printf '\nlive watcher on this host (%s running containers)\n' "$(docker ps -q | wc -l)"
NETVIZ_BENCH_STARTS=${LIVE_STARTS:-50} NETVIZ_IDLE_SECONDS=${LIVE_IDLE:-60} NETVIZ_BENCH_CYCLES=${LIVE_CYCLES:-200} \
	go test -count=1 -run '^$' -bench 'BenchmarkLive' -benchtime 1x -timeout 60m ./live |
	awk '/^BenchmarkLive/ {name=$1; sub(/-[0-9]+$/, "", name); line=""; for (i=3; i<NF; i+=2) line=line sprintf(" %s=%s", $(i+1), $i); printf "  %-34s%s\n", name, line}'

# diff: the host's snapshot against itself (every object matched, doctor's
# checks on both sides), median of DIFF_RUNS runs; and Compare of two
# generated 500-container hosts (go test -bench, median of 5).
DIFF_RUNS=${DIFF_RUNS:-7}
: >.bench/diff.txt
for _ in $(seq 1 "$DIFF_RUNS"); do
	t0=$EPOCHREALTIME
	"$BIN" diff .bench/host.json .bench/host.json >/dev/null
	since_ms "$t0" >>.bench/diff.txt
done
printf '\ndiff\n  %-40s %10s\n' "netviz diff host.json host.json" "$(median <.bench/diff.txt) ms"
go test -count=5 -run '^$' -bench 'Compare500' ./diff >.bench/compare.txt
for name in BenchmarkCompare500 BenchmarkCompare500NoFindings; do
	ns=$(awk -v n="$name" '{sub(/-[0-9]+$/, "", $1)} $1 == n {print $3}' .bench/compare.txt | median)
	printf '  %-40s %10s\n' "${name#Benchmark} (go test)" "$(awk -v ns="$ns" 'BEGIN{printf "%.1f ms", ns/1e6}')"
done

# netviz serve: Docker's start event to the event-stream message that adds
# the container (p50/p95 over 50 starts), and its CPU over 60 s with none of
# its own changes (other containers on the host still change).
printf '\nnetviz serve (go test -bench BenchmarkServe ./cmd/netviz)\n'
go test -count=1 -run '^$' -bench 'BenchmarkServeEventLatency$' -benchtime=50x ./cmd/netviz | grep '^Benchmark'
go test -count=1 -run '^$' -bench 'BenchmarkServeIdleCPU$' -benchtime=1x ./cmd/netviz | grep '^Benchmark'
go test -count=1 -run '^$' -bench 'BenchmarkIdleServer$' -benchtime=1x ./serve | grep '^Benchmark'

printf '\na 3-node Swarm on this machine (go test -bench BenchmarkSwarmStart ./internal/swarmtest)\n'
go test -count=1 -run '^$' -bench 'BenchmarkSwarmStart$' -benchtime=1x ./internal/swarmtest | grep '^Benchmark'

# netviz cluster: merging three 200-container nodes, gathering them over
# HTTP against fetching one, and render of the three (600 containers,
# grouped) to DOT and SVG (go test -bench, median of 5).
printf '\nnetviz cluster (go test -bench ./cluster ./cmd/netviz)\n'
go test -count=5 -run '^$' -bench 'Merge200x3|FetchOne|GatherThree' ./cluster >.bench/cluster.txt
go test -count=5 -run '^$' -bench 'ClusterRender600' -benchtime 3x ./cmd/netviz >>.bench/cluster.txt
for name in BenchmarkMerge200x3 BenchmarkFetchOne BenchmarkGatherThree BenchmarkClusterRender600/dot BenchmarkClusterRender600/svg; do
	ns=$(awk -v n="$name" '{sub(/-[0-9]+$/, "", $1)} $1 == n {print $3}' .bench/cluster.txt | median)
	printf '  %-40s %10s\n' "${name#Benchmark}" "$(awk -v ns="$ns" 'BEGIN{printf "%.2f ms", ns/1e6}')"
done
