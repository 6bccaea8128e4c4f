package kernel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
)

// FindNamespaces looks for the namespaces whose nsid, as seen from the host,
// is one of nsids: first those named in NetnsDir, then, for the nsids still
// missing, those held by a process (the thread-group leaders in ProcRoot;
// a thread that alone unshared its namespace is not looked at). Each
// distinct namespace is asked its nsid once; only wanted ones are read.
// Processes that exit, and files we may not open, are skipped: they are not
// found. A namespace that is found but cannot be read is left out, and why
// is returned as an error alongside the namespaces that were read.
func (k *Kernel) FindNamespaces(ctx context.Context, nsids []int) ([]inspect.NamespaceFacts, error) {
	want := map[int]bool{}
	for _, id := range nsids {
		if id >= 0 {
			want[id] = true
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	host, err := k.openHost(ctx)
	if err != nil {
		return nil, err
	}
	defer host.close()

	sr := &nsSearch{host: host, want: want, checked: map[inspect.NSRef]bool{host.ns.ref: true}}
	k.searchNamed(ctx, sr)
	if len(sr.want) > 0 && ctx.Err() == nil {
		if err := k.searchProcesses(ctx, sr); err != nil {
			return sr.found, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(sr.found, func(a, b inspect.NamespaceFacts) int { return cmp.Compare(a.NsID, b.NsID) })
	return sr.found, errors.Join(sr.errs...)
}

// nsSearch is FindNamespaces' state: the nsids still wanted, the
// namespaces already asked theirs, and what was found.
type nsSearch struct {
	host    *hostNS
	want    map[int]bool
	checked map[inspect.NSRef]bool
	found   []inspect.NamespaceFacts
	errs    []error
}

// over reports whether the search has nothing left to do.
func (sr *nsSearch) over(ctx context.Context) bool {
	return len(sr.want) == 0 || ctx.Err() != nil
}

// consider reads ns if it is wanted, and closes it.
func (sr *nsSearch) consider(ctx context.Context, ns nsFile, name string) {
	defer ns.close()
	if sr.checked[ns.ref] {
		return
	}
	sr.checked[ns.ref] = true
	id, err := sr.host.nsid(ctx, ns)
	if err != nil || !sr.want[id] {
		return
	}
	delete(sr.want, id) // an nsid names one namespace: found, readable or not
	facts, err := sr.host.read(ctx, ns)
	if err != nil {
		sr.errs = append(sr.errs, fmt.Errorf("read network namespace with nsid %d: %w", id, err))
		return
	}
	facts.Name = name
	sr.found = append(sr.found, facts)
}

// searchNamed considers the namespaces named in NetnsDir.
func (k *Kernel) searchNamed(ctx context.Context, sr *nsSearch) {
	named, _ := os.ReadDir(k.opts.NetnsDir) // none is fine
	for _, e := range named {
		if sr.over(ctx) {
			break
		}
		ns, err := openNS(filepath.Join(k.opts.NetnsDir, e.Name()))
		if err != nil {
			continue
		}
		// A name whose bind mount failed or was undone is an empty file.
		if t, err := unix.IoctlRetInt(ns.fd, unix.NS_GET_NSTYPE); err != nil || t != unix.CLONE_NEWNET {
			ns.close()
			continue
		}
		sr.consider(ctx, ns, e.Name())
	}
}

// searchProcesses considers the namespaces of the processes in ProcRoot.
// Only failing to list them is an error.
func (k *Kernel) searchProcesses(ctx context.Context, sr *nsSearch) error {
	procs, err := os.ReadDir(k.opts.ProcRoot)
	if err != nil {
		return fmt.Errorf("list processes: %w", err)
	}
	for _, e := range procs {
		if sr.over(ctx) {
			break
		}
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		path := filepath.Join(k.opts.ProcRoot, e.Name(), "ns", "net")
		// Stat first: most processes share a namespace already checked,
		// and a stat is cheaper than open, fstat and close.
		var st unix.Stat_t
		if unix.Stat(path, &st) != nil || sr.checked[refOf(&st)] {
			continue
		}
		ns, err := openNS(path)
		if err != nil {
			continue // exited, or not ours to look at
		}
		sr.consider(ctx, ns, "")
	}
	return nil
}
