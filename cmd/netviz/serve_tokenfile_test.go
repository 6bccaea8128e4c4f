package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/testenv"
)

// TestServeTokenFileUsage checks that a --token-file serve cannot use is
// refused before it listens, with exit code 2 and one line that does not
// print the file's content.
func TestServeTokenFileUsage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, empty, two := write("good", "s3cret\n"), write("empty", "\n"), write("two", "s3cret\nother\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--token", "x", "--token-file", good}, "--token and --token-file both given"},
		{[]string{"--token-file", filepath.Join(dir, "missing")}, "cannot read --token-file: open " + filepath.Join(dir, "missing")},
		{[]string{"--token-file", empty}, "want one line holding the token, not an empty file"},
		{[]string{"--token-file", two}, "want one line holding the token, not 2 lines"},
	} {
		d, _, errb := fakeDeps(t, nil)
		code := run(context.Background(), append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...), d)
		msg := errb.String()
		if code != exitUsage || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 || strings.Contains(msg, "s3cret") {
			t.Errorf("serve %v: exit %d, stderr %q; want %d and %q, without the token", tc.args, code, msg, exitUsage, tc.want)
		}
	}
}

// TestServeTokenFile serves with the token read from a file (as a Docker
// secret gives it, with its newline) and checks that every request needs
// exactly that token, and that serve does not print it.
func TestServeTokenFile(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireDocker(t)
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("from-the-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, "--token-file", f)
	if strings.Contains(base, "token") {
		t.Errorf("serve printed the token in its address %q", base)
	}
	// serve answers 503 until its first snapshot is read: wait for it.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, base+"api/snapshot", nil)
		req.Header.Set("Authorization", "Bearer from-the-file")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve never read its first snapshot")
		}
	}
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer from-the-file\\n", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer from-the-file", http.StatusOK},
	} {
		for _, path := range []string{"healthz", "api/snapshot"} {
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			if tc.auth != "" {
				req.Header["Authorization"] = []string{tc.auth}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET /%s with Authorization %q: %d, want %d", path, tc.auth, resp.StatusCode, tc.want)
			}
		}
	}
}
