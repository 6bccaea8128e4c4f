package docker

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
)

// The list carries what an inspect does, for every recorded container:
// summaryInfo on a list entry equals containerInfo on its inspect.
func TestSummaryInfoMatchesInspect(t *testing.T) {
	for _, dir := range []string{api141, "testdata/api151"} {
		f := loadFake(t, dir)
		for _, raw := range f.list {
			var sum container.Summary
			if err := json.Unmarshal(raw, &sum); err != nil {
				t.Fatal(err)
			}
			var ins container.InspectResponse
			if err := json.Unmarshal(f.inspects[sum.ID], &ins); err != nil {
				t.Fatal(err)
			}
			want, err := containerInfo(ins)
			if err != nil {
				t.Fatal(err)
			}
			got := summaryInfo(sum, want.PID)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s:\nfrom list    %+v\nfrom inspect %+v", dir, want.Name, got, want)
			}
		}
	}
}

type mapPIDs map[string]int

func (m mapPIDs) PID(id string) (int, bool) { p, ok := m[id]; return p, ok }

func TestLocalPIDsSkipInspects(t *testing.T) {
	f := loadFake(t, api141)
	plain, _, err := f.start(Options{}).Containers(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	pids := mapPIDs{}
	running := 0
	for _, c := range plain {
		if c.PID > 0 {
			pids[c.ID] = c.PID
			running++
		}
	}
	f = loadFake(t, api141)
	s := f.start(Options{})
	s.pids = pids
	fast, _, err := s.Containers(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, plain) {
		t.Errorf("local PIDs change the result:\nfast  %+v\nplain %+v", fast, plain)
	}
	if n := f.inspected.Load(); n != 0 {
		t.Errorf("%d inspects with every PID known, want 0", n)
	}
	// A container whose PID is not found is inspected.
	delete(pids, plain[len(plain)-1].ID)
	f = loadFake(t, api141)
	s = f.start(Options{})
	s.pids = pids
	if _, _, err := s.Containers(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if running > 0 && f.inspected.Load() > 1 {
		t.Errorf("%d inspects, want at most the one unknown PID", f.inspected.Load())
	}
}

func TestRuntimePIDsTrustsOnlyAMatchingCgroup(t *testing.T) {
	root := t.TempDir()
	proc, tasks := filepath.Join(root, "proc"), filepath.Join(root, "tasks")
	id := strings.Repeat("ab", 32)
	other := strings.Repeat("cd", 32)
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(tasks, id, "init.pid"), "4242\n")
	write(filepath.Join(proc, "4242", "cgroup"), "0::/system.slice/docker-"+id+".scope\n")
	write(filepath.Join(tasks, other, "init.pid"), "4343")
	write(filepath.Join(proc, "4343", "cgroup"), "0::/user.slice/session-1.scope\n") // PID reused by someone else
	r := RuntimePIDs{ProcRoot: proc, TaskDirs: []string{filepath.Join(root, "missing"), tasks}}
	if pid, ok := r.PID(id); !ok || pid != 4242 {
		t.Errorf("PID(%s) = %d, %v", id, pid, ok)
	}
	for _, bad := range []string{other, strings.Repeat("ef", 32), "../../etc", id[:12]} {
		if pid, ok := r.PID(bad); ok {
			t.Errorf("PID(%q) = %d, want not found", bad, pid)
		}
	}
	_ = strconv.Itoa
}
