package main

import (
	"strings"
	"testing"
)

func TestRuntimeIsPickedByName(t *testing.T) {
	if _, ok := runtimes[defaultRuntime]; !ok || defaultRuntime != "docker" {
		t.Fatalf("default runtime %q has no constructor", defaultRuntime)
	}
	_, err := inspectLive(t.Context(), liveOptions{runtime: "rkt"}, nil)
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), `"rkt"`) {
		t.Errorf("unknown runtime: %v (exit %d), want a usage error naming it", err, exitCode(err))
	}
}
