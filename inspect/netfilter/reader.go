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
	rd := &firewallRead{fw: topo.Firewall{Default: r.defaultBackend(ctx)}}
	found, err := r.saveBackends(ctx, rd)
	if err != nil {
		return topo.Firewall{}, nil, err
	}
	if !found {
		if found, err = r.savePlain(ctx, rd); err != nil {
			return topo.Firewall{}, nil, err
		}
	}
	if !found {
		rd.warns = append(rd.warns, topo.Warning{Code: "firewall-unreadable",
			Message: "iptables-save is not installed, so netviz cannot read the firewall rules (apt-get install iptables; the netviz image has none: run netviz on the host for the rules)"})
	}
	nft, warn, err := r.nftables(ctx, &rd.fw)
	if err != nil {
		return topo.Firewall{}, nil, err
	}
	switch {
	case warn != nil && warn.Code == "firewall-denied":
		rd.denied = append(rd.denied, "nft")
	case warn != nil:
		rd.warns = append(rd.warns, *warn)
	}
	rd.fw.Nftables = nft
	if len(rd.denied) > 0 {
		// One warning, not one per program: they all fail for the same reason.
		rd.warns = append(rd.warns, topo.Warning{Code: "firewall-denied", Subject: strings.Join(rd.denied, ","),
			Message: "cannot read the firewall rules (iptables-save and nft need root or CAP_NET_ADMIN): doctor and path cannot check them; run netviz with sudo"})
	}
	rd.fw.DockerBackend = dockerBackend(&rd.fw)
	return rd.fw, rd.warns, nil
}

// firewallRead is what Firewall has read so far.
type firewallRead struct {
	fw     topo.Firewall
	warns  []topo.Warning
	denied []string // programs that need privileges netviz lacks
}

// saveBackends reads the rules of each backend and family whose program
// is installed. It reports whether any was.
func (r *Reader) saveBackends(ctx context.Context, rd *firewallRead) (bool, error) {
	found := false
	for _, b := range backends {
		ok, err := r.saveInto(ctx, rd, b.prog, b.backend, b.family, fmt.Sprintf("%s IPv%d", b.backend, b.family))
		if err != nil {
			return found, err
		}
		found = found || ok
	}
	return found, nil
}

// savePlain reads the rules with an old iptables's only programs,
// iptables-save and ip6tables-save: one backend, the default. It reports
// whether either is installed.
func (r *Reader) savePlain(ctx context.Context, rd *firewallRead) (bool, error) {
	backend := rd.fw.Default
	if backend == "" {
		backend = topo.BackendLegacy
	}
	found := false
	for _, p := range []struct {
		prog   string
		family int
	}{{"iptables-save", 4}, {"ip6tables-save", 6}} {
		ok, err := r.saveInto(ctx, rd, p.prog, backend, p.family, fmt.Sprintf("IPv%d", p.family))
		if err != nil {
			return found, err
		}
		found = found || ok
	}
	return found, nil
}

// saveInto runs prog, if installed, and adds what it prints as the rule set
// of backend and family; what names those rules in a warning. It reports
// whether prog is installed; an error only when ctx ends.
func (r *Reader) saveInto(ctx context.Context, rd *firewallRead, prog, backend string, family int, what string) (bool, error) {
	if _, err := r.o.Runner.LookPath(prog); err != nil {
		return false, nil
	}
	tables, err := r.save(ctx, prog)
	if ctx.Err() != nil {
		return true, ctx.Err()
	}
	switch {
	case err != nil && isDenied(err):
		rd.denied = append(rd.denied, prog)
	case err != nil:
		rd.warns = append(rd.warns, topo.Warning{Code: "firewall-unreadable", Subject: prog,
			Message: fmt.Sprintf("cannot read the %s rules: %v", what, err)})
	default:
		rd.fw.RuleSets = append(rd.fw.RuleSets, topo.RuleSet{Backend: backend, Family: family, Tables: tables})
	}
	return true, nil
}

// dockerBackend is the backend holding Docker's IPv4 rules: the first rule
// set with Docker's chains, or, when Docker has its own nftables table,
// nftables.
func dockerBackend(fw *topo.Firewall) string {
	// Docker 29 with firewall-backend=nftables; starting so, it deletes
	// most of its iptables chains, so its table decides.
	if _, ok := fw.Nftable("ip", topo.DockerNftTable); ok {
		return topo.BackendNftables
	}
	for _, rs := range fw.RuleSets {
		if rs.Family == 4 && rs.HasDocker() {
			return rs.Backend
		}
	}
	return ""
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
