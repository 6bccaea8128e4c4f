package html

import (
	"testing"

	"github.com/netviz/netviz/internal/graphviztest"
)

// Some tests draw with the embedded Graphviz, which runs as netviz-graphviz.
func TestMain(m *testing.M) { graphviztest.Main(m) }
