#!/usr/bin/env bash
# make docs: draws every checked-in example snapshot (docs/examples/*.json)
# into docs/gallery as SVG (embedded Graphviz, works anywhere), PNG (native
# dot), Mermaid and an interactive HTML page. The diagrams depend only on the
# snapshots, so they change only when a snapshot or netviz does.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/netviz}
out=docs/gallery
mkdir -p "$out"
command -v dot >/dev/null || { echo "make docs needs Graphviz's dot for PNG (apt-get install graphviz)" >&2; exit 1; }
for snap in docs/examples/*.json; do
	name=$(basename "$snap" .json)
	for ext in svg png mmd html; do
		"$BIN" render "$snap" --all -o "$out/$name.$ext"
	done
	echo "docs: $out/$name.{svg,png,mmd,html}" >&2
done
