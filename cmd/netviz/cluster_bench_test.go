package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

// BenchmarkClusterRender600 is `netviz render n1.json n2.json n3.json -o
// cluster.svg` with 200 containers on each node, grouped: read, merge,
// doctor on every node and across, draw (issue 10: ≤ 2 s).
func BenchmarkClusterRender600(b *testing.B) {
	for _, kind := range []string{"dot", "svg"} {
		b.Run(kind, func(b *testing.B) {
			dir := b.TempDir()
			args := []string{"render"}
			for _, n := range clustertest.Three(200) {
				p := filepath.Join(dir, n.Snapshot.Host.Hostname+".json")
				f, err := os.Create(p)
				if err != nil {
					b.Fatal(err)
				}
				topo.Encode(f, n.Snapshot)
				f.Close()
				args = append(args, p)
			}
			args = append(args, "-o", filepath.Join(dir, "cluster."+kind))
			d := liveDeps()
			d.stdout, d.stderr = discard{}, discard{}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code := run(context.Background(), args, d); code != exitOK {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
