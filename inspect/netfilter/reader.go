package netfilter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/netviz/netviz/topo"
)

// Runner runs a program and returns its stdout; a failure's error carries
// its stderr.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
	LookPath(name string) (string, error)
}

// ExecRunner runs programs with os/exec.
type ExecRunner struct{}

// LookPath finds name on PATH (and in /usr/sbin and /sbin, which a
// non-root PATH often lacks).
func (ExecRunner) LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found: %w", name, exec.ErrNotFound)
}

// Run runs the program and puts its stderr in the error.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(name), err, msg)
	}
	return stdout.Bytes(), nil
}

// Options tune a Reader.
type Options struct {
	// Runner runs the iptables programs (default ExecRunner).
	Runner Runner
	// Netns, when set, is the path of a network namespace (/run/netns/x,
	// /proc/PID/ns/net) to read instead of the one netviz runs in; the
	// programs then run under nsenter.
	Netns string
	// ProcSys is where sysctls are read in netviz's own namespace
	// (default /proc/sys).
	ProcSys string
	// Timeout bounds each program (default 10s).
	Timeout time.Duration
}

// Reader reads the packet filter and sysctls of one network namespace.
type Reader struct {
	o Options
}

// New returns a Reader.
func New(o Options) *Reader {
	if o.Runner == nil {
		o.Runner = ExecRunner{}
	}
	if o.ProcSys == "" {
		o.ProcSys = "/proc/sys"
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return &Reader{o: o}
}

// backends names, per backend and family, the program that prints its rules.
var backends = []struct {
	backend string
	family  int
	prog    string
}{
	{topo.BackendLegacy, 4, "iptables-legacy-save"},
	{topo.BackendLegacy, 6, "ip6tables-legacy-save"},
	{topo.BackendNft, 4, "iptables-nft-save"},
	{topo.BackendNft, 6, "ip6tables-nft-save"},
}

// Firewall runs iptables-save for each installed backend and family, and
// `nft -j list ruleset` for the native nftables tables. What cannot be read
// is a warning; an error is returned only when ctx ends.
func (r *Reader) Firewall(ctx context.Context) (topo.Firewall, []topo.Warning, error) {
	var (
		fw     topo.Firewall
		warns  []topo.Warning
		found  bool
		denied []string
	)
	fw.Default = r.defaultBackend(ctx)
	for _, b := range backends {
		if _, err := r.o.Runner.LookPath(b.prog); err != nil {
			continue
		}
		found = true
		tables, err := r.save(ctx, b.prog)
		if ctx.Err() != nil {
			return topo.Firewall{}, nil, ctx.Err()
		}
		if err != nil {
			if isDenied(err) {
				denied = append(denied, b.prog)
				continue
			}
			warns = append(warns, topo.Warning{Code: "firewall-unreadable", Subject: b.prog,
				Message: fmt.Sprintf("cannot read the %s IPv%d rules: %v", b.backend, b.family, err)})
			continue
		}
		fw.RuleSets = append(fw.RuleSets, topo.RuleSet{Backend: b.backend, Family: b.family, Tables: tables})
	}
	if !found {
		// An old iptables with only the plain programs: one backend, the default.
		for _, p := range []struct {
			prog   string
			family int
		}{{"iptables-save", 4}, {"ip6tables-save", 6}} {
			if _, err := r.o.Runner.LookPath(p.prog); err != nil {
				continue
			}
			found = true
			backend := fw.Default
			if backend == "" {
				backend = topo.BackendLegacy
			}
			tables, err := r.save(ctx, p.prog)
			if ctx.Err() != nil {
				return topo.Firewall{}, nil, ctx.Err()
			}
			if err != nil && isDenied(err) {
				denied = append(denied, p.prog)
				continue
			}
			if err != nil {
				warns = append(warns, topo.Warning{Code: "firewall-unreadable", Subject: p.prog,
					Message: fmt.Sprintf("cannot read the IPv%d rules: %v", p.family, err)})
				continue
			}
			fw.RuleSets = append(fw.RuleSets, topo.RuleSet{Backend: backend, Family: p.family, Tables: tables})
		}
	}
	if !found {
		warns = append(warns, topo.Warning{Code: "firewall-unreadable",
			Message: "iptables-save is not installed, so netviz cannot read the firewall rules (apt-get install iptables)"})
	}
	nft, warn, err := r.nftables(ctx, &fw)
	if err != nil {
		return topo.Firewall{}, nil, err
	}
	switch {
	case warn != nil && warn.Code == "firewall-denied":
		denied = append(denied, "nft")
	case warn != nil:
		warns = append(warns, *warn)
	}
	fw.Nftables = nft
	if len(denied) > 0 {
		// One warning, not one per program: they all fail for the same reason.
		warns = append(warns, topo.Warning{Code: "firewall-denied", Subject: strings.Join(denied, ","),
			Message: "cannot read the firewall rules (iptables-save and nft need root or CAP_NET_ADMIN): doctor and path cannot check them; run netviz with sudo"})
	}
	for _, rs := range fw.RuleSets {
		if rs.Family == 4 && rs.HasDocker() && fw.DockerBackend == "" {
			fw.DockerBackend = rs.Backend
		}
	}
	// Docker 29 with firewall-backend=nftables; starting so, it deletes
	// most of its iptables chains, so its table decides.
	if _, ok := fw.Nftable("ip", topo.DockerNftTable); ok {
		fw.DockerBackend = topo.BackendNftables
	}
	return fw, warns, nil
}

// nftables reads the native nftables tables with `nft -j list ruleset`,
// leaving out those iptables-nft-save already printed. Without nft there
// is nothing to say: hosts that never installed it rarely have native
// tables. An error is returned only when ctx ends.
func (r *Reader) nftables(ctx context.Context, fw *topo.Firewall) ([]topo.NftTable, *topo.Warning, error) {
	if _, err := r.o.Runner.LookPath("nft"); err != nil {
		return nil, nil, nil
	}
	out, err := r.run(ctx, "nft", "-j", "list", "ruleset")
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	if err != nil && isDenied(err) {
		// Said together with iptables-save's.
		return nil, &topo.Warning{Code: "firewall-denied", Subject: "nft"}, nil
	}
	var tables []topo.NftTable
	if err == nil {
		tables, err = ParseNft(out)
		if err != nil {
			err = fmt.Errorf("nft printed what netviz cannot parse: %w", err)
		}
	}
	if err != nil {
		return nil, &topo.Warning{Code: "firewall-unreadable", Subject: "nft",
			Message: fmt.Sprintf("cannot read the nftables rules: %v", err)}, nil
	}
	_, v4 := fw.RuleSet(topo.BackendNft, 4)
	_, v6 := fw.RuleSet(topo.BackendNft, 6)
	native := tables[:0]
	for _, t := range tables {
		if IptablesNft(t.Family, t.Name) && (t.Family == "ip" && v4 || t.Family == "ip6" && v6) {
			continue
		}
		native = append(native, t)
	}
	return native, nil, nil
}

// isDenied recognises iptables' "you must be root" and EPERM/EACCES.
func isDenied(err error) bool {
	if errors.Is(err, fs.ErrPermission) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "you must be root") || strings.Contains(msg, "Permission denied") ||
		strings.Contains(msg, "Operation not permitted")
}

// defaultBackend asks `iptables -V`: "iptables v1.8.9 (nf_tables)" or "(legacy)";
// versions before 1.8 have only the legacy backend and print neither.
func (r *Reader) defaultBackend(ctx context.Context) string {
	if _, err := r.o.Runner.LookPath("iptables"); err != nil {
		return ""
	}
	out, err := r.run(ctx, "iptables", "-V")
	if err != nil {
		return ""
	}
	return BackendOfVersion(string(out))
}

// BackendOfVersion reads the backend from `iptables -V` output.
func BackendOfVersion(v string) string {
	switch {
	case strings.Contains(v, "nf_tables"):
		return topo.BackendNft
	case strings.Contains(v, "legacy"), strings.HasPrefix(strings.TrimSpace(v), "iptables v"):
		return topo.BackendLegacy
	}
	return ""
}

func (r *Reader) save(ctx context.Context, prog string) ([]topo.Table, error) {
	out, err := r.run(ctx, prog)
	if err != nil {
		return nil, err
	}
	tables, err := Parse(out)
	if err != nil {
		return nil, fmt.Errorf("%s printed what netviz cannot parse: %w", prog, err)
	}
	return tables, nil
}

func (r *Reader) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	path, err := r.o.Runner.LookPath(prog)
	if err != nil {
		return nil, err
	}
	if r.o.Netns != "" {
		nsenter, err := r.o.Runner.LookPath("nsenter")
		if err != nil {
			return nil, err
		}
		return r.o.Runner.Run(ctx, nsenter, append([]string{"--net=" + r.o.Netns, path}, args...)...)
	}
	return r.o.Runner.Run(ctx, path, args...)
}

// Sysctls reads the forwarding settings: ip_forward, IPv6 forwarding,
// bridge-nf-call-ip(6)tables (absent when br_netfilter is not loaded) and the
// forwarding flag of each interface named.
func (r *Reader) Sysctls(ctx context.Context, ifaces []string) (map[string]string, []topo.Warning) {
	names := []string{topo.SysctlIPForward, topo.SysctlIPv6Forward, topo.SysctlBridgeNFCallIP, topo.SysctlBridgeNFCallIP6,
		topo.ForwardingSysctl("all"), topo.ForwardingSysctl("default")}
	for _, i := range ifaces {
		if i != "" && !strings.ContainsAny(i, "/.") {
			names = append(names, topo.ForwardingSysctl(i))
		}
	}
	out := map[string]string{}
	var warns []topo.Warning
	if r.o.Netns != "" {
		// /proc/sys/net shows the namespace of the reader: read it from inside.
		args := []string{"-e"}
		args = append(args, names...)
		b, err := r.run(ctx, "sysctl", args...)
		if err != nil && len(b) == 0 {
			return out, []topo.Warning{{Code: "sysctl-unreadable", Message: fmt.Sprintf("cannot read sysctls in %s: %v", r.o.Netns, err)}}
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok {
				out[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		return out, nil
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(r.o.ProcSys, strings.ReplaceAll(n, ".", "/")))
		switch {
		case err == nil:
			out[n] = strings.TrimSpace(string(b))
		case errors.Is(err, fs.ErrNotExist):
			// br_netfilter not loaded, or an interface gone: nothing to say.
		default:
			warns = append(warns, topo.Warning{Code: "sysctl-unreadable", Subject: n, Message: fmt.Sprintf("cannot read %s: %v", n, err)})
		}
	}
	return out, warns
}
