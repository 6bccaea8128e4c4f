package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// composeSnapshot is a host recorded with two compose projects (shop: api
// scaled to 2 and db; blog: api and db) and a plain container, tools.
const composeSnapshot = "../../internal/rendertest/testdata/diagram/compose.json"

// Every command that takes filters takes --project, and shows only that
// project's containers.
func TestCLIProjectFilter(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"docker", "--from", composeSnapshot, "--project", "shop"},
		{"docker", "--from", composeSnapshot, "--project", "shop", "--format", "json"},
		{"veth", "--from", composeSnapshot, "--project", "shop"},
		{"doctor", "--from", composeSnapshot, "--project", "shop"},
		{"render", composeSnapshot, "--project", "shop", "-o", filepath.Join(dir, "shop.dot")},
	} {
		t.Run(strings.Join(args[:1], " "), func(t *testing.T) {
			d, out, errb := fakeDeps(t, nil)
			if code := run(context.Background(), args, d); code != exitOK && !(args[0] == "doctor" && code == exitFailure) {
				t.Fatalf("%v: exit %d: %s", args, code, errb.String())
			}
			text := out.String()
			if args[0] == "render" {
				data, err := os.ReadFile(filepath.Join(dir, "shop.dot"))
				if err != nil {
					t.Fatal(err)
				}
				text = string(data)
			}
			if strings.Contains(text, "blog_") || strings.Contains(text, "tools") {
				t.Errorf("%v shows what is not in project shop:\n%s", args, text)
			}
			if args[0] != "doctor" && !strings.Contains(text, "shop_api_2") {
				t.Errorf("%v does not show shop_api_2:\n%s", args, text)
			}
		})
	}
}

func TestCLIProjectErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"veth", "--from", composeSnapshot, "--project", "nope"}, exitNotFound, `no such compose project: "nope" (known: blog, shop)`},
		{[]string{"doctor", "--from", composeSnapshot, "--project", "nope"}, exitNotFound, `no such compose project: "nope"`},
		{[]string{"render", composeSnapshot, "--project", "nope", "-o", filepath.Join(dir, "x.svg")}, exitNotFound, `no such compose project`},
		{[]string{"veth", "--project", "shop"}, exitNotFound, "nothing here was made by Docker Compose"},
		{[]string{"docker", "--from", composeSnapshot, "--group", "service"}, exitUsage, `invalid --group "service": want none or project`},
		{[]string{"render", composeSnapshot, "--group", "", "-o", filepath.Join(dir, "x.svg")}, exitUsage, "invalid --group"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			d, out, errb := fakeDeps(t, nil)
			if code := run(context.Background(), tc.args, d); code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
			}
			if msg := errb.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.msg) {
				t.Errorf("stderr %q: want one line containing %q", msg, tc.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q on error", out.String())
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed commands left %d files", len(entries))
	}
}

// --group project groups the tree and boxes the diagrams; without it they
// are as before.
func TestCLIGroupByProject(t *testing.T) {
	d, out, errb := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"docker", "--from", composeSnapshot, "--group", "project"}, d); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"├─ project blog  2 containers: 1 api, 1 db", "├─ project shop  3 containers: 2 api, 1 db", "shop_api_2:eth0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("grouped tree lacks %q:\n%s", want, out.String())
		}
	}
	dir := t.TempDir()
	for _, group := range []string{"project", "none"} {
		path := filepath.Join(dir, group+".mmd")
		d, _, errb := fakeDeps(t, nil)
		if code := run(context.Background(), []string{"render", composeSnapshot, "--group", group, "-o", path}, d); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(data), "subgraph cluster_project_shop["); got != (group == "project") {
			t.Errorf("--group %s: project subgraph drawn %v", group, got)
		}
	}
}
