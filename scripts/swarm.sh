#!/usr/bin/env bash
# A Docker Swarm of N nodes on this one machine, to try overlay networking
# and netviz on it by hand: the same build as the tests' (internal/swarmtest,
# docs/swarm.md). Needs root and scripts/engines.sh fetch 28.
#
#   swarm.sh up [N]        starts N nodes (3 by default) of Docker 28.5.2, each
#                          in a network and UTS namespace of its own, their
#                          uplinks on a bridge in a namespace of its own; node 0
#                          inits the swarm, the others join as workers. Prints
#                          the swarm's NAME and how to reach each node.
#   swarm.sh env NAME I    prints DOCKER_HOST, NETVIZ_NETNS_PATH and NETVIZ_UTS_PATH
#                          (its hostname) for node I, shell assignments
#   swarm.sh down NAME     removes services and containers, leaves the swarm,
#                          stops the daemons, unmounts what they left,
#                          deletes the namespaces
#
# Nothing is created in the host's namespace, and every name starts with
# NAME ("nvh" and a random suffix), so several swarms and the tests' can run
# side by side.
set -euo pipefail

cache=${NETVIZ_ENGINES_CACHE:-/var/cache/netviz-engines}
rundir=/run/netviz-swarm
bin=$cache/docker-28.5.2
runc=$cache/runc-v1.5.3

log() { printf 'swarm: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# A /24 in 100.64.0.0/10 that overlaps no address or route of the host
# (engines.sh's free_uplink, for a /24).
free24() {
	local used=() p
	while read -r p; do
		local a=${p%/*} len=32
		[[ $p == */* ]] && len=${p#*/}
		[ "$len" = 0 ] && continue # a default route covers everything
		local IFS=.
		# shellcheck disable=SC2086
		set -- $a
		unset IFS
		local n=$((($1 << 24) | ($2 << 16) | ($3 << 8) | $4)) size=$((1 << (32 - len)))
		local lo=$((n & ~(size - 1) & 0xffffffff))
		used+=("$lo $((lo + size - 1))")
	done < <({ ip -4 -o addr show; ip -4 route show table all; } | grep -oE '\b[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(/[0-9]+)?\b' | sort -u)
	for _ in $(seq 1 64); do
		local b=$((64 + RANDOM % 64)) c=$((RANDOM % 256)) ok=1 u
		local first=$(((100 << 24) | (b << 16) | (c << 8)))
		for u in "${used[@]}"; do
			if [ "$first" -le "${u#* }" ] && [ $((first + 255)) -ge "${u% *}" ]; then ok=0; break; fi
		done
		[ $ok = 1 ] && { echo "100.$b.$c"; return; }
	done
	die "no free /24 in 100.64.0.0/10 after 64 tries"
}

# spawn NODE-DIR HOSTNAME NETNS LOG PROG ARGS...: PROG under unshare --uts
# with HOSTNAME, in NETNS (nsenter --net: ip netns exec would remount /sys
# and dockerd would find no cgroups), first runc 1.5.3 and Docker 28 on PATH.
spawn() {
	local dir=$1 host=$2 ns=$3 logf=$4
	shift 4
	PATH=$runc:$bin:$PATH setsid unshare --uts sh -c 'hostname "$1" && ns=$2 && shift 2 && exec nsenter --net="$ns" "$@"' \
		sh "$host" "/run/netns/$ns" "$@" >"$dir/$logf.log" 2>&1 </dev/null &
	echo $! >"$dir/$logf.pid"
}

start_node() {
	local name=$1 i=$2 net=$3 dir=$rundir/$1/$1n$2 ns=$1-n$2 host=$1n$2
	mkdir -p "$dir"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$name-br" link add "n$i" type veth peer name eth0 netns "$ns"
	ip -n "$name-br" link set "n$i" master br0 up
	ip -n "$ns" addr add "$net.$((i + 2))/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$net.1"
	local s
	for s in net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1; do
		nsenter --net="/run/netns/$ns" sysctl -qw "$s"
	done
	# A containerd of its own: dockerd uses the system's whenever its socket
	# exists, and host-network containers would land in the host's namespace.
	printf 'version = 2\nroot = "%s"\nstate = "%s"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s"\n[ttrpc]\n  address = "%s"\n[debug]\n  address = ""\n' \
		"$dir/containerd/root" "$dir/containerd/state" "$dir/containerd.sock" "$dir/containerd.sock.ttrpc" >"$dir/containerd.toml"
	echo '{}' >"$dir/daemon.json"
	spawn "$dir" "$host" "$ns" containerd containerd -c "$dir/containerd.toml"
	for _ in $(seq 1 100); do [ -S "$dir/containerd.sock" ] && break; sleep 0.2; done
	spawn "$dir" "$host" "$ns" dockerd "$bin/dockerd" --config-file "$dir/daemon.json" --containerd "$dir/containerd.sock" \
		--containerd-namespace "$host" --containerd-plugins-namespace "$host-plugins" --data-root "$dir/root" \
		--exec-root "$dir/exec" --pidfile "$dir/docker.pid" -H "unix://$dir/docker.sock"
	for _ in $(seq 1 300); do docker -H "unix://$dir/docker.sock" version >/dev/null 2>&1 && return; sleep 0.2; done
	tail -20 "$dir/dockerd.log" >&2
	die "node $i did not start; see $dir/dockerd.log"
}

up() {
	local n=${1:-3} name net t0=$SECONDS
	[ -x "$bin/dockerd" ] && [ -x "$runc/runc" ] || die "Docker 28.5.2 is not built: run scripts/engines.sh fetch 28"
	name=nvh$(printf '%04x' $((RANDOM % 65536)))
	[ -e "/run/netns/$name-br" ] && die "$name is taken; run again"
	net=$(free24)
	mkdir -p "$rundir/$name"
	echo "$n" >"$rundir/$name/nodes"
	trap 'log "failed; taking $name down"; down "$name"' ERR
	ip netns add "$name-br"
	ip -n "$name-br" link set lo up
	ip -n "$name-br" link add br0 type bridge
	ip -n "$name-br" addr add "$net.1/24" dev br0
	ip -n "$name-br" link set br0 up
	local i pids=() p
	for i in $(seq 0 $((n - 1))); do start_node "$name" "$i" "$net" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p"; done
	local d0="unix://$rundir/$name/${name}n0/docker.sock" token
	docker -H "$d0" swarm init --advertise-addr "$net.2" --listen-addr "$net.2:2377" >/dev/null
	token=$(docker -H "$d0" swarm join-token -q worker)
	for i in $(seq 1 $((n - 1))); do
		docker -H "unix://$rundir/$name/${name}n$i/docker.sock" swarm join --token "$token" \
			--advertise-addr "$net.$((i + 2))" --listen-addr "$net.$((i + 2)):2377" "$net.2:2377" >/dev/null
	done
	for _ in $(seq 1 450); do
		[ "$(docker -H "$d0" node ls --format '{{.Status}}' | grep -c Ready)" = "$n" ] && break
		sleep 0.2
	done
	trap - ERR
	log "swarm $name: $n nodes on $net.0/24, Ready in $((SECONDS - t0))s"
	docker -H "$d0" node ls
	cat <<-EOF

		Node I's daemon:      docker -H unix://$rundir/$name/${name}nI/docker.sock ...
		netviz on node I:     nsenter --net=/run/netns/$name-nI --uts=/proc/\$(cat $rundir/$name/${name}nI/docker.pid)/ns/uts \\
		                        env DOCKER_HOST=unix://$rundir/$name/${name}nI/docker.sock netviz docker
		From the nodes' LAN:  nsenter --net=/run/netns/$name-br curl http://$net.2:7800/
		Take it down:         $0 down $name
	EOF
}

envof() {
	local name=$1 i=$2
	local dir=$rundir/$name/${name}n$i
	printf 'DOCKER_HOST=unix://%s/docker.sock\nNETVIZ_NETNS_PATH=/run/netns/%s-n%s\nNETVIZ_UTS_PATH=/proc/%s/ns/uts\n' "$dir" "$name" "$i" "$(cat "$dir/docker.pid")"
}

stop_node() {
	local dir=$1 sock=unix://$1/docker.sock f pid c
	if docker -H "$sock" version >/dev/null 2>&1; then
		for c in $(docker -H "$sock" ps -aq); do docker -H "$sock" rm -f "$c" >/dev/null || log "could not remove $c"; done
	fi
	for f in docker dockerd containerd; do
		pid=$(cat "$dir/$f.pid" 2>/dev/null || true)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
		kill "$pid"
		for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	done
	# Shims that outlived containerd: they name its socket, which is ours alone.
	for pid in $(grep -l -s -F "$dir/containerd.sock" /proc/[0-9]*/cmdline | cut -d/ -f3); do kill -9 "$pid" 2>/dev/null || true; done
	# Docker's namespaces (exec/netns/*: ingress_sbox, 1-<id>, lb_<id>) are
	# nsfs bind mounts; overlay2 mounts too. Deepest first.
	awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
}

down() {
	local name=$1 dir=$rundir/$1 n i
	[[ $name == nvh* ]] || die "$name is not a swarm of this script (nvh...)"
	n=$(cat "$dir/nodes" 2>/dev/null || echo 0)
	local d0="unix://$dir/${name}n0/docker.sock"
	for s in $(docker -H "$d0" service ls -q 2>/dev/null); do docker -H "$d0" service rm "$s" >/dev/null || true; done
	for i in $(seq $((n - 1)) -1 0); do
		docker -H "unix://$dir/${name}n$i/docker.sock" swarm leave --force >/dev/null 2>&1 || true
	done
	for i in $(seq 0 $((n - 1))); do stop_node "$dir/${name}n$i" & done
	wait
	for i in $(seq 0 $((n - 1))); do ip netns del "$name-n$i" 2>/dev/null || true; done
	ip netns del "$name-br" 2>/dev/null || true
	rm -rf "$dir"
	log "swarm $name removed"
}

case ${1:-} in
up) up "${2:-3}" ;;
env) envof "${2:?name}" "${3:?node index}" ;;
down) down "${2:?name}" ;;
*) die "usage: $0 up [N] | env NAME I | down NAME" ;;
esac
