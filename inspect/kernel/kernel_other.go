//go:build !linux

package kernel

import (
	"context"
	"errors"
	"fmt"

	"github.com/netviz/netviz/inspect"
)

var errNotLinux = fmt.Errorf("netviz reads namespaces only on Linux: %w", errors.ErrUnsupported)

// Host returns an error: there are no network namespaces to read here.
func (k *Kernel) Host(context.Context) (inspect.HostFacts, error) {
	return inspect.HostFacts{}, errNotLinux
}

// NamespaceRef returns an error: there are no network namespaces to read here.
func (k *Kernel) NamespaceRef(int) (inspect.NSRef, error) {
	return inspect.NSRef{}, errNotLinux
}

// ReadNamespace returns an error: there are no network namespaces to read here.
func (k *Kernel) ReadNamespace(context.Context, int) (inspect.NamespaceFacts, error) {
	return inspect.NamespaceFacts{}, errNotLinux
}

// FindNamespaces returns an error: there are no network namespaces to read here.
func (k *Kernel) FindNamespaces(context.Context, []int) ([]inspect.NamespaceFacts, error) {
	return nil, errNotLinux
}

// SocketPeer returns an error: SO_PEERCRED is Linux's.
func (k *Kernel) SocketPeer(context.Context, string) (Peer, error) { return Peer{}, errNotLinux }

// NetnsFile is where Linux would keep process pid's namespace file.
func (k *Kernel) NetnsFile(pid int) string { return "" }

// PIDNamespaceRef returns an error: there are no namespaces here.
func (k *Kernel) PIDNamespaceRef(int) (inspect.NSRef, error) { return inspect.NSRef{}, errNotLinux }

// OwnNamespaceRef returns an error: there are no namespaces here.
func (k *Kernel) OwnNamespaceRef() (inspect.NSRef, error) { return inspect.NSRef{}, errNotLinux }

// NetnsName returns "": there are no namespaces here.
func (k *Kernel) NetnsName(inspect.NSRef) string { return "" }

// ListensHere returns an error: there are no namespaces here.
func (k *Kernel) ListensHere(string) (bool, error) { return false, errNotLinux }

// CanEnter returns an error: there are no namespaces here.
func (k *Kernel) CanEnter(int) error { return errNotLinux }

// WatchNamespace returns an error: there are no namespaces to follow here.
func (k *Kernel) WatchNamespace(context.Context, int, func(), func(inspect.Change)) error {
	return errNotLinux
}

// DockerNamespaces returns an error: there are no network namespaces to read here.
func (k *Kernel) DockerNamespaces(context.Context, string, func(string) bool, []int) ([]inspect.NamespaceFacts, error) {
	return nil, errNotLinux
}
