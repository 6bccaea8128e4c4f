#!/usr/bin/env bash
# Installs and starts what netviz's tests need, when it is missing:
# Docker's daemon (Debian's docker.io), busybox-static (the test image is
# made from it locally: no registry is needed), Graphviz (native dot for PNG),
# iproute2, iptables and nftables (nft: doctor's native-table test),
# Chromium (the HTML viewer's browser test), and the programs of --explain's
# commands.
# Needs root; without it, it says what is missing and the integration tests
# skip (or fail under CI=true).
set -euo pipefail

log() { printf 'test-deps: %s\n' "$*" >&2; }

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v dot >/dev/null || need+=(graphviz)
command -v ip >/dev/null || need+=(iproute2)
command -v nsenter >/dev/null || need+=(util-linux)
command -v iptables >/dev/null || need+=(iptables)
command -v nft >/dev/null || need+=(nftables)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || need+=(docker-compose) # 1.29 on bookworm: the compose-project tests
# What netviz docker --explain's commands run (ethtool and brctl are optional
# there; installed so that their test runs them too).
command -v sysctl >/dev/null || need+=(procps)
command -v ethtool >/dev/null || need+=(ethtool)
command -v brctl >/dev/null || need+=(bridge-utils)

if [ "$(id -u)" != 0 ]; then
	[ ${#need[@]} -eq 0 ] || log "not root: cannot install ${need[*]}"
	exit 0
fi

if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
	if [ -n "${DOCKER_HOST:-}" ]; then
		log "DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local daemon"
		exit 0
	fi
	# containerd runs on its own first, with no deadline: after an unclean
	# stop, containerd cleans up one dead shim per container before it
	# answers (about 35 ms each), and dockerd gives the containerd it starts
	# itself only 15 s; a host left with 500 containers missed that.
	sock=/run/containerd/containerd.sock
	if ! ctr --address "$sock" version >/dev/null 2>&1; then
		log "starting containerd (log: /tmp/netviz-containerd.log)"
		nohup containerd >/tmp/netviz-containerd.log 2>&1 &
		for _ in $(seq 1 600); do
			ctr --address "$sock" version >/dev/null 2>&1 && break
			sleep 0.5
		done
		ctr --address "$sock" version >/dev/null 2>&1 || { log "containerd did not start; see /tmp/netviz-containerd.log"; tail -20 /tmp/netviz-containerd.log >&2; exit 1; }
	fi
	log "starting dockerd (log: /tmp/netviz-dockerd.log)"
	nohup dockerd --containerd="$sock" >/tmp/netviz-dockerd.log 2>&1 &
	for _ in $(seq 1 600); do
		docker info >/dev/null 2>&1 && break
		sleep 0.5
	done
	docker info >/dev/null 2>&1 || { log "dockerd did not start; see /tmp/netviz-dockerd.log"; tail -20 /tmp/netviz-dockerd.log >&2; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
