#!/usr/bin/env bash
# make docs: draws every checked-in example snapshot (docs/examples/*.json)
# into docs/gallery as SVG (native dot here; netviz-graphviz where dot is missing), PNG (native
# dot) and Mermaid, and the interactive HTML page with a screenshot of it in
# headless Chromium (NAME-html.png). The diagrams depend only on the
# snapshots, so they change only when a snapshot or netviz does.
#
# The HTML pages are not checked in: each carries the whole page script
# (render/diagram/html/page.js) and would repeat it in the repository; the
# screenshot shows what they look like, and make docs writes them here.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/netviz}
out=docs/gallery
mkdir -p "$out"
command -v dot >/dev/null || { echo "make docs needs Graphviz's dot for PNG (apt-get install graphviz)" >&2; exit 1; }
command -v chromium >/dev/null || { echo "make docs needs chromium for the HTML screenshots (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for snap in docs/examples/*.json; do
	name=$(basename "$snap" .json)
	# NAME.flags, when there is one, holds render flags for that example
	# (compose.flags: --group project).
	flags=()
	[ -f "${snap%.json}.flags" ] && read -r -a flags <"${snap%.json}.flags"
	for ext in svg png mmd html; do
		"$BIN" render "$snap" --all "${flags[@]}" -o "$out/$name.$ext"
	done
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --window-size=1400,900 \
		--screenshot="$PWD/$out/$name-html.png" "file://$PWD/$out/$name.html" >/dev/null 2>&1
	echo "docs: $out/$name.{svg,png,mmd,html} $out/$name-html.png" >&2
done
# docs/explain.md: the details panel of web1's eth0 with its commands.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --hide-scrollbars --window-size=1300,1180 \
	--screenshot="$PWD/$out/explain-panel.png" "file://$PWD/$out/host.html#select=if_ns_4026532257_eth0" >/dev/null 2>&1
echo "docs: $out/explain-panel.png" >&2
