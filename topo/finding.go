package topo

import (
	"cmp"
	"slices"
	"strings"
)

// Severity says how bad a Finding is.
type Severity string

// Severities, most serious first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: 0 for an error, 1 for a warning, 2 for the rest.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// RefKind is the kind of object a Ref points at.
type RefKind string

// Kinds of Ref.
const (
	// RefHost is the host as a whole.
	RefHost RefKind = "host"
	// RefContainer is a container, by name.
	RefContainer RefKind = "container"
	// RefInterface is a link in one namespace: Name in Namespace (a
	// Namespace.ID), in Container's namespace when Container is set, in the
	// host's when Namespace is the host's.
	RefInterface RefKind = "interface"
	// RefBridge is a Linux bridge in the host namespace, by name.
	RefBridge RefKind = "bridge"
	// RefNetwork is a Docker network, by name.
	RefNetwork RefKind = "network"
	// RefSetting is a host setting: a sysctl ("net.ipv4.ip_forward") or a
	// firewall backend ("iptables-nft", "nftables").
	RefSetting RefKind = "setting"
	// RefRule is a firewall chain or rule, by its label
	// ("FORWARD", "DOCKER-USER", "nftables inet filter forward").
	RefRule RefKind = "rule"
	// RefRoute is a route of the host's main table ("10.1.0.0/16 dev eth1").
	RefRoute RefKind = "route"
	// RefAddress is an address or a subnet (CIDR).
	RefAddress RefKind = "address"
	// RefPort is a host port with its protocol ("8080/tcp").
	RefPort RefKind = "port"
)

// Ref points at one object of a snapshot. Only RefInterface uses Namespace
// and Container: "eth0" alone cannot tell the uplink from a container's eth0.
type Ref struct {
	Kind RefKind `json:"kind"`
	Name string  `json:"name"`
	// Namespace is, for an interface, the ID of the namespace it is in.
	Namespace string `json:"namespace,omitempty"`
	// Container is, for an interface in a container's namespace, the
	// container's name.
	Container string `json:"container,omitempty"`
}

// HostRef points at the host as a whole.
func HostRef() Ref { return Ref{Kind: RefHost, Name: "host"} }

// ContainerRef points at a container.
func ContainerRef(name string) Ref { return Ref{Kind: RefContainer, Name: name} }

// NetworkRef points at a Docker network.
func NetworkRef(name string) Ref { return Ref{Kind: RefNetwork, Name: name} }

// BridgeRef points at a Linux bridge in the host namespace.
func BridgeRef(name string) Ref { return Ref{Kind: RefBridge, Name: name} }

// SettingRef points at a sysctl or a firewall backend.
func SettingRef(name string) Ref { return Ref{Kind: RefSetting, Name: name} }

// RuleRef points at a firewall chain or rule.
func RuleRef(label string) Ref { return Ref{Kind: RefRule, Name: label} }

// RouteRef points at a route of the host.
func RouteRef(name string) Ref { return Ref{Kind: RefRoute, Name: name} }

// AddressRef points at an address or a subnet.
func AddressRef(addr string) Ref { return Ref{Kind: RefAddress, Name: addr} }

// PortRef points at a host port ("8080/tcp").
func PortRef(port string) Ref { return Ref{Kind: RefPort, Name: port} }

// HostInterfaceRef points at a link in the host namespace of s.
func (s *Snapshot) HostInterfaceRef(name string) Ref {
	return Ref{Kind: RefInterface, Name: name, Namespace: s.Host.Namespace}
}

// ContainerInterfaceRef points at a link in the namespace of container c.
// A container that shares another's namespace is resolved to the owner's
// namespace, where the link is listed.
func (s *Snapshot) ContainerInterfaceRef(container, name string) Ref {
	r := Ref{Kind: RefInterface, Name: name, Container: container}
	if c, ok := s.Container(container); ok {
		r.Namespace = c.Namespace
	}
	return r
}

// InHost reports whether r is an interface of the host namespace whose
// snapshot has the namespace ID hostNS. An interface with no namespace and
// no container is taken as the host's.
func (r Ref) InHost(hostNS string) bool {
	return r.Kind == RefInterface && r.Container == "" && (r.Namespace == "" || r.Namespace == hostNS)
}

// String is the name a person reads: "web1:eth0" for a container's link,
// the plain name otherwise.
func (r Ref) String() string {
	if r.Kind == RefInterface && r.Container != "" {
		return r.Container + ":" + r.Name
	}
	return r.Name
}

// Compare orders refs by the name a person reads, then kind and namespace.
func (r Ref) Compare(o Ref) int {
	return cmp.Or(strings.Compare(r.String(), o.String()), strings.Compare(string(r.Kind), string(o.Kind)),
		strings.Compare(r.Namespace, o.Namespace))
}

// Finding is one problem netviz doctor found: what, how bad, which objects,
// and what to do. The tree and the diagrams mark it where its subject is.
type Finding struct {
	// ID is stable: scripts and docs/troubleshooting.md refer to it.
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Subject is the objects involved; the first is the one to look at.
	Subject []Ref  `json:"subject"`
	Message string `json:"message"`
	// Fix is a command (or a short instruction) that repairs it.
	Fix string `json:"fix"`
}

// SubjectNames are the subject's names as a person reads them.
func (f Finding) SubjectNames() []string {
	out := make([]string, len(f.Subject))
	for i, r := range f.Subject {
		out[i] = r.String()
	}
	return out
}

// CompareFindings orders findings by severity, ID, then subject.
func CompareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), strings.Compare(a.ID, b.ID),
		slices.CompareFunc(a.Subject, b.Subject, Ref.Compare))
}
