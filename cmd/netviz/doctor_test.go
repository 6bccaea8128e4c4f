package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/inspect"
)

func TestCLIDoctor(t *testing.T) {
	dir := t.TempDir()
	broken := loadFixture(t)
	for i := range broken.Interfaces {
		if broken.Interfaces[i].Name == "br-backend" {
			broken.Interfaces[i].Up = false
		}
	}
	brokenPath := writeSnapshot(t, broken)
	unreachable := fmt.Errorf("%w: connection refused", inspect.ErrDaemonUnreachable)
	for _, tc := range []struct {
		name    string
		args    []string
		liveErr error
		code    int
		out     string
	}{
		{"healthy table", []string{"doctor"}, nil, exitOK, "WARNING orphan-veth  vethblue docker0"},
		{"template", []string{"doctor", "--format", "{{.ID}} {{join .Subject \",\"}}"}, nil, exitOK, "orphan-veth vethblue,docker0\n"},
		{"error finding", []string{"doctor", "--from", brokenPath}, nil, exitFailure, "ERROR   bridge-down  br-backend backend"},
		{"bad format", []string{"doctor", "--format", "{{.Nope}}"}, nil, exitUsage, ""},
		{"daemon", []string{"doctor"}, unreachable, exitDaemon, ""},
		{"bad snapshot", []string{"doctor", "--from", filepath.Join(dir, "missing.json")}, nil, exitBadSnapshot, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, out, errb := fakeDeps(t, tc.liveErr)
			code := run(context.Background(), tc.args, d)
			if code != tc.code || !strings.Contains(out.String(), tc.out) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
		})
	}

	d, out, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"doctor", "--from", brokenPath, "--format", "json"}, d); code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	var fs []map[string]any
	if err := json.Unmarshal(out.Bytes(), &fs); err != nil || len(fs) == 0 {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, k := range []string{"id", "severity", "subject", "message", "fix"} {
		if _, ok := fs[0][k]; !ok {
			t.Errorf("json finding without %q: %v", k, fs[0])
		}
	}
	if fs[0]["id"] != diagnose.BridgeDown || fs[0]["severity"] != "error" {
		t.Errorf("first finding %v", fs[0])
	}
}
