#!/usr/bin/env bash
# A busy host for the test suite to live beside: another project's world on
# the same daemon, holding what a careless test would reach for.
#
#   noise.sh up     50 containers of "othercorp" (label dev.netviz.noise),
#                   host ports 8080/tcp, 18080/tcp and 18053/udp taken,
#                   networks holding 10.231.0.0/16 and fd00:5e::/32, and a
#                   named network namespace; then records what it made
#   noise.sh check  fails if anything of it changed: a container gone,
#                   restarted or stopped, a network or the namespace gone
#   noise.sh down   removes it, one container at a time
#
# CI runs the suite between up and check (.ci/run). Needs root and a daemon.
set -euo pipefail

label=dev.netviz.noise
project=othercorp
ns=othercorp-ns
state=${NOISE_STATE:-/tmp/netviz-noise.state}
count=${NOISE_CONTAINERS:-50}
image=netviz-busybox:test

log() { printf 'noise: %s\n' "$*" >&2; }

# What the noise world is now: each container's ID, name, state and start
# time, each network's ID and subnets, the namespace, and who holds the ports.
describe() {
	docker ps -aq --filter "label=$label" | sort | while read -r id; do
		docker inspect -f '{{.Id}} {{.Name}} {{.State.Status}} {{.State.StartedAt}}' "$id"
	done
	docker network ls -q --filter "label=$label" | sort | while read -r id; do
		docker network inspect -f '{{.Id}} {{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{end}}' "$id"
	done
	if ip netns list | grep -qw "^$ns"; then echo "netns $ns"; fi
}

image() {
	# The suite's own image, made by its helper; made here the same way when
	# the suite has not run yet.
	docker image inspect "$image" >/dev/null 2>&1 && return
	go test -count=1 -run '^TestImage$' ./internal/dockertest >/dev/null
}

up() {
	down >/dev/null 2>&1 || true
	image
	docker network create --label "$label" --subnet 10.231.0.0/16 "$project-v4" >/dev/null
	docker network create --label "$label" --ipv6 --subnet fd00:5e::/32 "$project-v6" >/dev/null
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	local ports=(-p 8080:80 -p 18080:8080 -p 18053:53/udp)
	for i in $(seq 1 "$count"); do
		local net=bridge args=()
		case $((i % 3)) in
		1) net="$project-v4" ;;
		2) net="$project-v6" ;;
		esac
		if [ "$i" = 1 ]; then
			args=("${ports[@]}")
		fi
		if ! docker run -d --label "$label" --name "$project-$i" --network "$net" "${args[@]}" "$image" sleep 1d >/dev/null 2>/tmp/netviz-noise.err; then
			if [ "$i" = 1 ]; then
				# Something else holds one of the ports: it is taken
				# either way, which is the point.
				log "ports taken already ($(tr -d '\n' </tmp/netviz-noise.err)); running without them"
				docker rm -f "$project-$i" >/dev/null 2>&1 || true
				docker run -d --label "$label" --name "$project-$i" --network "$net" "$image" sleep 1d >/dev/null
			else
				cat /tmp/netviz-noise.err >&2
				exit 1
			fi
		fi
	done
	describe >"$state"
	log "up: $(grep -c ' /' "$state") containers, networks 10.231.0.0/16 and fd00:5e::/32, netns $ns"
}

check() {
	[ -f "$state" ] || { log "no recorded state ($state): run noise.sh up first"; exit 1; }
	if ! diff <(cat "$state") <(describe) >/tmp/netviz-noise.diff; then
		log "the suite changed another project's world (< before, > after):"
		cat /tmp/netviz-noise.diff >&2
		exit 1
	fi
	log "untouched: $(grep -c ' /' "$state") containers, 2 networks, netns $ns"
}

down() {
	for id in $(docker ps -aq --filter "label=$label"); do
		docker rm -f "$id" >/dev/null
	done
	for id in $(docker network ls -q --filter "label=$label"); do
		docker network rm "$id" >/dev/null
	done
	ip netns del "$ns" 2>/dev/null || true
	rm -f "$state"
}

cd "$(dirname "$0")/.."
case "${1:-}" in
up) up ;;
check) check ;;
down) down ;;
*)
	echo "usage: $0 up|check|down" >&2
	exit 2
	;;
esac
