package topo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ErrSchemaVersion is returned by Decode for a snapshot of a schema version
// it cannot read.
var ErrSchemaVersion = errors.New("unsupported snapshot schema version")

// DecodeError is a malformed snapshot: where in the input, and what.
type DecodeError struct {
	Line, Column int
	Offset       int64
	Err          error
}

func (e *DecodeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads one snapshot, of this schema version or of version 1 (which
// it converts). Malformed, truncated or trailing JSON gives a *DecodeError
// with the position; another schema version gives ErrSchemaVersion.
func Decode(r io.Reader) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &DecodeError{Err: errors.New("empty input, expected a netviz snapshot")}
	}
	var probe struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, positioned(data, err)
	}
	if probe.SchemaVersion == nil {
		return nil, &DecodeError{Err: errors.New(`not a netviz snapshot: no "schemaVersion" key`)}
	}
	version := *probe.SchemaVersion
	if version != SchemaVersion && version != 1 {
		return nil, fmt.Errorf("%w %d (this netviz reads 1 to %d)", ErrSchemaVersion, version, SchemaVersion)
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, positioned(data, err)
	}
	if version == 1 {
		if err := fromV1(data, &s); err != nil {
			return nil, positioned(data, err)
		}
	}
	s.Sort()
	return &s, nil
}

// fromV1 converts a version 1 snapshot, decoded into s, to this version:
// version 1 read only Docker, and named its version in host.dockerVersion
// and host.dockerAPIVersion.
func fromV1(data []byte, s *Snapshot) error {
	var v1 struct {
		Host struct {
			DockerVersion    string `json:"dockerVersion"`
			DockerAPIVersion string `json:"dockerAPIVersion"`
		} `json:"host"`
	}
	if err := json.Unmarshal(data, &v1); err != nil {
		return err
	}
	s.Host.Runtime = Runtime{Name: "docker", Version: v1.Host.DockerVersion, APIVersion: v1.Host.DockerAPIVersion}
	s.SchemaVersion = SchemaVersion
	return nil
}

func positioned(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(data))
	}
	if off < 0 {
		return &DecodeError{Err: err}
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return &DecodeError{Line: line, Column: col, Offset: off, Err: err}
}

// Encode writes the snapshot as indented JSON.
func Encode(w io.Writer, s *Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// Sort puts every list in its documented order and replaces nil lists with
// empty ones, so that JSON output is stable and never has null arrays.
//
// It also fills what is derived from other fields (the compose fields from
// the labels), so that an older snapshot reads like a new one.
func (s *Snapshot) Sort() {
	s.fillCompose()
	slices.SortFunc(s.Containers, func(a, b Container) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.Containers {
		c := &s.Containers[i]
		sortInterfaces(c.Interfaces)
		c.Interfaces = nonNil(c.Interfaces)
		c.Endpoints = nonNil(c.Endpoints)
		slices.SortFunc(c.Endpoints, func(a, b Endpoint) int { return strings.Compare(a.Network, b.Network) })
		slices.SortFunc(c.Ports, func(a, b Port) int {
			if d := a.ContainerPort - b.ContainerPort; d != 0 {
				return d
			}
			if d := strings.Compare(a.Protocol, b.Protocol); d != 0 {
				return d
			}
			if d := strings.Compare(a.HostIP, b.HostIP); d != 0 {
				return d
			}
			return a.HostPort - b.HostPort
		})
	}
	slices.SortFunc(s.Networks, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.Networks {
		s.Networks[i].Subnets = nonNil(s.Networks[i].Subnets)
	}
	slices.SortFunc(s.Bridges, func(a, b Bridge) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.Bridges {
		slices.Sort(s.Bridges[i].Ports)
		s.Bridges[i].Ports = nonNil(s.Bridges[i].Ports)
		s.Bridges[i].Addresses = nonNil(s.Bridges[i].Addresses)
	}
	sortInterfaces(s.Interfaces)
	s.Interfaces = nonNil(s.Interfaces)
	slices.SortFunc(s.Namespaces, func(a, b Namespace) int {
		if a.Host != b.Host {
			if a.Host {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	for i := range s.Namespaces {
		slices.Sort(s.Namespaces[i].Containers)
		sortInterfaces(s.Namespaces[i].Interfaces)
	}
	slices.SortFunc(s.Pairs, comparePairs)
	for i := range s.Pairs {
		s.Pairs[i].IPv6 = nonNil(s.Pairs[i].IPv6)
		s.Pairs[i].Ports = nonNil(s.Pairs[i].Ports)
	}
	s.Containers = nonNil(s.Containers)
	s.Networks = nonNil(s.Networks)
	s.Bridges = nonNil(s.Bridges)
	s.Namespaces = nonNil(s.Namespaces)
	s.Pairs = nonNil(s.Pairs)
	s.Warnings = nonNil(s.Warnings)
	s.Firewall.sort()
	s.sortOverlays()
	if s.Sysctls == nil {
		s.Sysctls = map[string]string{}
	}
}

func comparePairs(a, b Pair) int {
	// Orphans (no container) last.
	if (a.Container == "") != (b.Container == "") {
		if a.Container == "" {
			return 1
		}
		return -1
	}
	if d := strings.Compare(a.Container, b.Container); d != 0 {
		return d
	}
	if d := strings.Compare(a.Namespace, b.Namespace); d != 0 {
		return d
	}
	if d := strings.Compare(a.ContainerInterface, b.ContainerInterface); d != 0 {
		return d
	}
	return strings.Compare(a.HostInterface, b.HostInterface)
}

func sortInterfaces(ifs []Interface) {
	slices.SortFunc(ifs, func(a, b Interface) int {
		if d := a.Index - b.Index; d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := range ifs {
		ifs[i].Addresses = nonNil(ifs[i].Addresses)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Container returns the container with the given name or ID (a unique ID
// prefix of at least 4 characters works too, as with docker).
func (s *Snapshot) Container(nameOrID string) (*Container, bool) {
	name := strings.TrimPrefix(nameOrID, "/")
	for i := range s.Containers {
		if s.Containers[i].Name == name || s.Containers[i].ID == name {
			return &s.Containers[i], true
		}
	}
	if len(name) < 4 {
		return nil, false
	}
	var found *Container
	for i := range s.Containers {
		if strings.HasPrefix(s.Containers[i].ID, name) {
			if found != nil {
				return nil, false
			}
			found = &s.Containers[i]
		}
	}
	return found, found != nil
}

// Network returns the Docker network with the given name or ID.
func (s *Snapshot) Network(nameOrID string) (*Network, bool) {
	for i := range s.Networks {
		if s.Networks[i].Name == nameOrID || s.Networks[i].ID == nameOrID {
			return &s.Networks[i], true
		}
	}
	if len(nameOrID) >= 4 {
		for i := range s.Networks {
			if strings.HasPrefix(s.Networks[i].ID, nameOrID) {
				return &s.Networks[i], true
			}
		}
	}
	return nil, false
}

// Namespace returns the namespace with the given ID.
func (s *Snapshot) Namespace(id string) (*Namespace, bool) {
	for i := range s.Namespaces {
		if s.Namespaces[i].ID == id {
			return &s.Namespaces[i], true
		}
	}
	return nil, false
}

// HostInterface returns the host-namespace link with the given name.
func (s *Snapshot) HostInterface(name string) (*Interface, bool) {
	for i := range s.Interfaces {
		if s.Interfaces[i].Name == name {
			return &s.Interfaces[i], true
		}
	}
	return nil, false
}

// UplinkInterface returns the host's uplink, if there is one.
func (s *Snapshot) UplinkInterface() (*Interface, bool) {
	if s.Host.Uplink == "" {
		return nil, false
	}
	return s.HostInterface(s.Host.Uplink)
}

// NamespaceInterfaces returns the interfaces of a namespace, wherever the
// snapshot keeps them: on its owning container, or on the namespace itself.
func (s *Snapshot) NamespaceInterfaces(id string) []Interface {
	if id == s.Host.Namespace && id != "" {
		return s.Interfaces
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.Namespace == id && c.SharesNamespaceWith == "" && len(c.Interfaces) > 0 {
			return c.Interfaces
		}
	}
	if ns, ok := s.Namespace(id); ok {
		return ns.Interfaces
	}
	return nil
}
