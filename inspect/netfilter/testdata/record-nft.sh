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

# The shape of Docker 29's nftables backend (firewall-backend=nftables),
# after moby's integration/network/bridge/nftablesdoc, for docker0 and a
# network br-nvtest (10.99.0.0/24) with a container publishing 8080:80.
cat >"$tmp/docker29.nft" <<'NFT'
table ip docker-bridges {
	map filter-forward-in-jumps {
		type ifname : verdict
		elements = { "docker0" : jump filter-forward-in__docker0, "br-nvtest" : jump filter-forward-in__br-nvtest }
	}
	map filter-forward-out-jumps {
		type ifname : verdict
		elements = { "docker0" : jump filter-forward-out__docker0, "br-nvtest" : jump filter-forward-out__br-nvtest }
	}
	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
		oifname vmap @filter-forward-in-jumps
		iifname vmap @filter-forward-out-jumps
	}
	chain nat-PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-OUTPUT {
		type nat hook output priority -100; policy accept;
		ip daddr != 127.0.0.0/8 fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		oifname != "br-nvtest" ip saddr 10.99.0.0/24 counter masquerade
		oifname != "docker0" ip saddr 172.17.0.0/16 counter masquerade
	}
	chain nat-prerouting-and-output {
		iifname != "br-nvtest" tcp dport 8080 counter dnat to 10.99.0.2:80 comment "DNAT"
	}
	chain raw-PREROUTING {
		type filter hook prerouting priority raw; policy accept;
		ip daddr 10.99.0.2 iifname != "br-nvtest" counter drop
	}
	chain filter-forward-in__docker0 {
		ct state established,related counter accept
		iifname "docker0" counter accept
		counter drop
	}
	chain filter-forward-out__docker0 {
		ct state established,related counter accept
		counter accept
	}
	chain filter-forward-in__br-nvtest {
		ct state established,related counter accept
		iifname "br-nvtest" counter accept
		ip daddr 10.99.0.2 tcp dport 80 counter accept
		counter drop
	}
	chain filter-forward-out__br-nvtest {
		ct state established,related counter accept
		counter accept
	}
}
table ip6 docker-bridges {
	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
	}
}
NFT
record nft-docker29.json "$tmp/docker29.nft"
