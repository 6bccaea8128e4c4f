//go:build !linux

package netfilter

import (
	"context"
	"errors"
	"fmt"
)

// WatchRules returns an error: there are no nftables events here.
func (r *Reader) WatchRules(context.Context, func(), func()) error {
	return fmt.Errorf("nftables events: %w", errors.ErrUnsupported)
}
