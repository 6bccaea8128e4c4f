#!/usr/bin/env bash
# Extra Docker engines for the integration tests, each in a network namespace
# of its own, beside the host's daemon (Debian's docker.io 20.10).
#
#   engines.sh fetch [NAME…] builds or downloads the engines (all by default)
#                            and runc into the
#                            cache (NETVIZ_ENGINES_CACHE, /var/cache/netviz-engines);
#                            a second run costs seconds
#   engines.sh start NAME    starts engine NAME (28, 29 or 29-iptables) in
#                            namespace netviz-eNAME
#   engines.sh stop NAME     removes its containers one at a time, stops it,
#                            unmounts what it left, deletes its namespace
#   engines.sh env NAME      prints NETNS, DOCKER_HOST and NETVIZ_ENGINE for a
#                            test run (shell assignments)
#   engines.sh version NAME  prints the engine's full version
#
# 28 is Debian forky's docker.io 28.5.2 (unpacked, not installed); 29 is moby
# v2's dockerd 29.8.0 built from source, run with --firewall-backend=nftables;
# 29-iptables is the same dockerd with its default, iptables, backend.
# Both run with runc 1.5.3 first on their PATH (bookworm's 1.1.5 fails with
# them) and a containerd of their own started inside their namespace.
#
# Why nsenter and not `ip netns exec`: the latter remounts /sys, and dockerd
# then finds no cgroups. Why a containerd of its own: dockerd uses the
# system's containerd whenever /run/containerd/containerd.sock exists, and
# host-network containers would then land in the namespace of that
# containerd (the host's), not the engine's.
set -euo pipefail

cache=${NETVIZ_ENGINES_CACHE:-/var/cache/netviz-engines}
run=${NETVIZ_ENGINES_RUN:-/run/netviz-engines}
export PATH="$PATH:/usr/local/go/bin"

runc_version=v1.5.3
moby_module=github.com/moby/moby/v2
moby_version=v2.0.0-beta.24
v29=29.8.0
v28=28.5.2

log() { printf 'engines: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

version() {
	case $1 in
	28) echo "$v28" ;;
	29 | 29-iptables) echo "$v29" ;;
	*) die "unknown engine $1 (known: 28, 29, 29-iptables)" ;;
	esac
}

fetch_runc() {
	local dir=$cache/runc-$runc_version
	[ -x "$dir/runc" ] && return
	if ! dpkg -s libseccomp-dev >/dev/null 2>&1 || ! command -v pkg-config >/dev/null; then
		log "installing libseccomp-dev (runc is built with seccomp)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config >/dev/null
	fi
	log "building runc $runc_version"
	mkdir -p "$dir.tmp"
	GOBIN=$dir.tmp go install -tags seccomp "github.com/opencontainers/runc@$runc_version"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

fetch_29() {
	local dir=$cache/docker-$v29
	[ -x "$dir/dockerd" ] && [ -x "$dir/docker-proxy" ] && return
	log "building dockerd $v29 ($moby_module $moby_version; about 5 minutes cold)"
	mkdir -p "$dir.tmp"
	GOBIN=$dir.tmp CGO_ENABLED=0 go install -ldflags "-X $moby_module/dockerversion.Version=$v29" \
		"$moby_module/cmd/dockerd@$moby_version" "$moby_module/cmd/docker-proxy@$moby_version"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

# Debian forky's docker.io, downloaded with an apt state of its own so the
# host's sources and package lists are left alone, then unpacked.
fetch_28() {
	local dir=$cache/docker-$v28
	[ -x "$dir/dockerd" ] && [ -x "$dir/docker-proxy" ] && return
	local apt=$cache/apt mirror
	mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]*debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | head -1 | awk '{print $2}' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$apt/prefs"
	echo "deb $mirror forky main" >"$apt/sources.list"
	local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/parts"
		-o "Dir::Etc::Preferences=$apt/prefs/none" -o "Dir::Etc::PreferencesParts=$apt/prefs"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
	log "downloading docker.io $v28 from $mirror forky"
	apt-get "${opts[@]}" update -qq
	local ver
	ver=$(apt-cache "${opts[@]}" madison docker.io | awk -v v="$v28" '$3 ~ "^(5:)?"v {print $3; exit}')
	[ -n "$ver" ] || die "forky has no docker.io $v28 any more (it has: $(apt-cache "${opts[@]}" madison docker.io | awk '{print $3}' | tr '\n' ' '))"
	local tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get "${opts[@]}" download -qq "docker.io=$ver")
	dpkg-deb -x "$tmp"/docker.io_*.deb "$tmp/root"
	mkdir -p "$dir.tmp"
	for f in dockerd docker-proxy; do
		local p
		p=$(find "$tmp/root" -type f -name "$f" | head -1)
		[ -n "$p" ] || die "docker.io $ver has no $f"
		cp "$p" "$dir.tmp/$f"
	done
	rm -rf "$tmp" "$dir" && mv "$dir.tmp" "$dir"
}

fetch() {
	mkdir -p "$cache"
	fetch_runc
	local e
	for e in "${@:-28 29}"; do
		for e in $e; do
			version "$e" >/dev/null
			"fetch_${e%-iptables}"
		done
	done
	log "cache: $(du -sh "$cache" | cut -f1) in $cache"
}

ns_of() { echo "netviz-e$1"; }

# A /30 in 100.64.0.0/10 (shared address space) that overlaps no address or
# route of the host (any table) and no other engine's uplink: another
# project may hold any fixed one.
free_uplink() {
	local used=() p
	# Every IPv4 prefix or address the host has or routes to, as "first last".
	while read -r p; do
		local a=${p%/*} len=32
		[[ $p == */* ]] && len=${p#*/}
		local IFS=.
		# shellcheck disable=SC2086
		set -- $a
		unset IFS
		local n=$((($1 << 24) | ($2 << 16) | ($3 << 8) | $4)) size=$((1 << (32 - len)))
		used+=("$((n & ~(size - 1) & 0xffffffff)) $(((n & ~(size - 1) & 0xffffffff) + size - 1))")
	done < <({ ip -4 -o addr show; ip -4 route show table all; } | grep -oE '\b[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(/[0-9]+)?\b' | sort -u)
	for _ in $(seq 1 64); do
		local first=$(((100 << 24) | ((64 + RANDOM % 64) << 16) | ((RANDOM % 256) << 8) | (RANDOM % 64 * 4))) ok=1 u
		for u in "${used[@]}"; do
			local lo=${u% *} hi=${u#* }
			# 0.0.0.0/0 (a default route's "0.0.0.0") covers everything: skip it.
			[ "$lo" = 0 ] && [ "$hi" -ge 4294967295 ] && continue
			if [ "$first" -le "$hi" ] && [ $((first + 3)) -ge "$lo" ]; then ok=0; break; fi
		done
		if [ $ok = 1 ]; then
			echo "$((first >> 24 & 255)).$((first >> 16 & 255)).$((first >> 8 & 255)).$((first & 255))"
			return
		fi
	done
	die "no free /30 in 100.64.0.0/10 after 64 tries"
}

start() {
	local name=$1 ver ns dir bin
	ver=$(version "$name")
	ns=$(ns_of "$name") dir=$run/$name
	bin=$cache/docker-$ver
	[ -x "$bin/dockerd" ] && [ -x "$cache/runc-$runc_version/runc" ] || die "engine $name is not built: run scripts/engines.sh fetch"
	stop "$name" 2>/dev/null || true
	log "starting Docker $ver in namespace $ns (logs: $dir/*.log)"
	mkdir -p "$dir"
	ip netns add "$ns"
	# Linux allows 15 characters: nve29i-<pid> for 29-iptables.
	local base up=nve${name/-iptables/i}-$$
	base=$(free_uplink)
	local outer=${base%.*}.$((${base##*.} + 1)) inner=${base%.*}.$((${base##*.} + 2))
	ip link add "$up" type veth peer name eth0 netns "$ns"
	echo "$up" >"$dir/uplink"
	ip addr add "$outer/30" dev "$up"
	ip link set "$up" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$inner/30" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$outer"
	local s
	for s in net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1; do
		nsenter --net="/run/netns/$ns" sysctl -qw "$s"
	done
	local path=$cache/runc-$runc_version:$bin:$PATH
	cat >"$dir/containerd.toml" <<-TOML
		version = 2
		root = "$dir/containerd/root"
		state = "$dir/containerd/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$dir/containerd.sock"
		[ttrpc]
		  address = "$dir/containerd.sock.ttrpc"
		[debug]
		  address = ""
	TOML
	echo '{}' >"$dir/daemon.json"
	PATH=$path nsenter --net="/run/netns/$ns" containerd -c "$dir/containerd.toml" >"$dir/containerd.log" 2>&1 &
	echo $! >"$dir/containerd.pid"
	local args=(--config-file "$dir/daemon.json" --containerd "$dir/containerd.sock" --containerd-namespace "netviz-e$name"
		--containerd-plugins-namespace "netviz-e$name-plugins"
		--data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" -H "unix://$dir/docker.sock")
	[ "$name" = 29 ] && args+=(--firewall-backend=nftables)
	for _ in $(seq 1 100); do
		[ -S "$dir/containerd.sock" ] && break
		sleep 0.2
	done
	PATH=$path nsenter --net="/run/netns/$ns" "$bin/dockerd" "${args[@]}" >"$dir/dockerd.log" 2>&1 &
	for _ in $(seq 1 150); do
		DOCKER_HOST=unix://$dir/docker.sock docker version >/dev/null 2>&1 && break
		sleep 0.2
	done
	DOCKER_HOST=unix://$dir/docker.sock docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
		{ tail -20 "$dir/dockerd.log" >&2; die "Docker $ver did not start; see $dir/dockerd.log"; }
	log "Docker $(DOCKER_HOST=unix://$dir/docker.sock docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') in $ns, uplink $up $outer <-> eth0 $inner"
}

# stop is idempotent and also cleans what a crashed run left.
stop() {
	local name=$1 ns dir
	version "$name" >/dev/null
	ns=$(ns_of "$name") dir=$run/$name
	local sock=unix://$dir/docker.sock
	if [ -S "$dir/docker.sock" ] && DOCKER_HOST=$sock timeout 10 docker version >/dev/null 2>&1; then
		for c in $(DOCKER_HOST=$sock docker ps -aq); do
			DOCKER_HOST=$sock timeout 60 docker rm -f "$c" >/dev/null 2>&1 || log "could not remove container $c of $name"
		done
	fi
	local f pid
	for f in docker.pid containerd.pid; do
		[ -f "$dir/$f" ] || continue
		pid=$(cat "$dir/$f")
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		fi
		rm -f "$dir/$f"
	done
	# The shims of its containers, if any outlived containerd.
	for pid in $(pgrep -f "containerd-shim.*-address $dir/containerd.sock" || true); do
		kill -9 "$pid" 2>/dev/null || true
	done
	if [ -d "$dir" ]; then
		# nsfs mounts (exec/netns/*), overlay mounts and the like, deepest first.
		awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" || true
		done
		[ -f "$dir/uplink" ] && ip link del "$(cat "$dir/uplink")" 2>/dev/null || true
		rm -rf "$dir"
	fi
	ip netns del "$ns" 2>/dev/null || true
}

envof() {
	local name=$1
	printf 'NETVIZ_NETNS_PATH=%s\nDOCKER_HOST=unix://%s/docker.sock\nNETVIZ_ENGINE=%s\n' "/run/netns/$(ns_of "$name")" "$run/$name" "$(version "$name")"
}

case ${1:-} in
fetch) shift; fetch "$@" ;;
start) start "${2:?engine}" ;;
stop) stop "${2:?engine}" ;;
env) envof "${2:?engine}" ;;
version) version "${2:?engine}" ;;
"") ;; # sourced
*) die "usage: $0 fetch | start NAME | stop NAME | env NAME | version NAME" ;;
esac
