#!/usr/bin/env bash
# make release: for each architecture in ARCHES, netviz_VERSION_linux_ARCH.tar.gz
# in DIST, holding
#
#   netviz_VERSION_linux_ARCH/bin/netviz, bin/netviz-graphviz   (static)
#   netviz_VERSION_linux_ARCH/share/man/man1/*.1, share/{bash-completion,zsh,fish}/…
#   netviz_VERSION_linux_ARCH/README.md, docs/install.md
#
# so that `tar -xzf … --strip-components=1 -C /usr/local` installs it; then
# DIST/SHA256SUMS, checked before the script ends. The archives are
# reproducible: sorted names, owner 0, the last commit's time, gzip -n.
# DIST/share (man pages, completions) must exist: make release builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${GO:=go}" "${VERSION:?}" "${DIST:=dist}" "${ARCHES:=amd64 arm64}"
[ -d "$DIST/share/man/man1" ] || { echo "release: $DIST/share is missing (make share)" >&2; exit 1; }
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
host_arch=$($GO env GOARCH)
archives=()
for arch in $ARCHES; do
	make --no-print-directory static ARCH="$arch" DIST="$DIST" VERSION="$VERSION" GO="$GO" >/dev/null
	name="netviz_${VERSION}_linux_${arch}"
	stage="$DIST/stage/$name"
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/docs"
	cp "$DIST/linux_$arch/netviz" "$DIST/linux_$arch/netviz-graphviz" "$stage/bin/"
	cp -R "$DIST/share" "$stage/share"
	cp README.md "$stage/"
	cp docs/install.md "$stage/docs/"
	[ -f LICENSE ] && cp LICENSE "$stage/"
	if [ "$arch" = "$host_arch" ]; then
		# The binary that ships says the version the archive is named for.
		got=$("$stage/bin/netviz" version)
		case $got in "netviz $VERSION "*) ;; *) echo "release: $name says \"$got\", not $VERSION" >&2; exit 1 ;; esac
	fi
	tar -C "$DIST/stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -cf - "$name" | gzip -n -9 >"$DIST/$name.tar.gz"
	archives+=("$name.tar.gz")
	# What a user unpacks must hold the two programs and the man page.
	members=$(tar -tzf "$DIST/$name.tar.gz")
	for f in bin/netviz bin/netviz-graphviz share/man/man1/netviz.1 share/bash-completion/completions/netviz README.md; do
		grep -qx "$name/$f" <<<"$members" || { echo "release: $name.tar.gz lacks $f" >&2; exit 1; }
	done
done
rm -rf "$DIST/stage"
(cd "$DIST" && sha256sum "${archives[@]}" >SHA256SUMS && sha256sum -c SHA256SUMS)
