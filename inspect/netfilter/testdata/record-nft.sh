#!/usr/bin/env bash
# Records the nft-*.json files: each rule set is loaded into a throwaway
# network namespace and listed back with `nft -j list ruleset`, so the JSON
# is what this nft prints (v1.0.6 when recorded). The host is not touched.
# nft-debian-forward-drop.json also holds a copy of the host's iptables-nft
# rules (Docker's), which iptables-nft-save already shows.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
ns=netviz-record-$$
trap 'ip netns del $ns 2>/dev/null || true; rm -rf "$tmp"' EXIT

record() { # name, nft file, [iptables-nft-save output to restore first]
	ip netns add "$ns"
	if [ -n "${3:-}" ]; then ip netns exec "$ns" iptables-nft-restore <"$3"; fi
	ip netns exec "$ns" nft -f "$2"
	ip netns exec "$ns" nft -j list ruleset | python3 -m json.tool --indent 1 >"$1"
	ip netns del "$ns"
}

# Debian's /etc/nftables.conf as shipped: a forward chain with policy drop.
cat >"$tmp/debian.nft" <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority filter;
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter;
	}
}
NFT
iptables-nft-save >"$tmp/host.v4"
record nft-debian-forward-drop.json "$tmp/debian.nft" "$tmp/host.v4"

# The same chain made to let Docker's bridges through, with the kinds of
# rules netviz expands (sets, wildcards, jumps) or cannot model (limit, iif).
cat >"$tmp/accept.nft" <<'NFT'
table inet filter {
	set docker_bridges {
		type ifname
		elements = { "br-nvtest" }
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		tcp dport { 22, 443 } accept
		meta l4proto icmp limit rate 10/second accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state vmap { established : accept, related : accept, invalid : drop }
		iifname "docker0" accept
		oifname "docker0" accept
		iifname @docker_bridges accept
		iifname "br-*" oifname != "br-*" jump docker-out
		ip saddr 192.0.2.0/24 reject with icmp type admin-prohibited
	}
	chain docker-out {
		ip protocol tcp tcp dport 25 drop
		accept
	}
}
NFT
record nft-forward-accepts-docker.json "$tmp/accept.nft"

# Docker 29's nftables backend (firewall-backend=nftables), captured from the
# real engine: scripts/engines.sh starts Docker 29.8.0 in a namespace of its
# own; docker0 and a network br-nvtest (10.99.0.0/24, inside that namespace
# only) with a container publishing 8080:80 at 10.99.0.2, the shape the
# tests' gallery snapshot has. Docker's ip6 table comes with it.
record_docker29() {
	local engines=../../../scripts/engines.sh
	bash "$engines" start 29
	trap 'bash "$engines" stop 29; ip netns del $ns 2>/dev/null || true; rm -rf "$tmp"' EXIT
	eval "$(bash "$engines" env 29)"
	export DOCKER_HOST
	(cd ../../../internal/dockertest && nsenter --net="$NETVIZ_NETNS_PATH" go test -count=1 -run '^TestImage$' . >/dev/null)
	docker network create -o com.docker.network.bridge.name=br-nvtest --subnet 10.99.0.0/24 nvtest >/dev/null
	docker run -d --name web --network nvtest --ip 10.99.0.2 -p 8080:80 netviz-busybox:test sleep 600 >/dev/null
	nsenter --net="$NETVIZ_NETNS_PATH" nft -j list ruleset | python3 -m json.tool --indent 1 >nft-docker29.json
}
record_docker29
