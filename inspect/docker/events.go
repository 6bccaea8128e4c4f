package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/netviz/netviz/inspect"
)

var _ inspect.ChangeWatcher = (*Source)(nil)

// containerActions and networkActions are the events that change what
// netviz shows: a container's namespace appears (start), goes (die), its
// name or state changes; a network and its bridge appear or go, an
// endpoint is added or removed. Others (exec, attach, health) do not touch
// networking and are not asked for.
var (
	containerActions = []events.Action{events.ActionCreate, events.ActionStart, events.ActionDie,
		events.ActionDestroy, events.ActionRename, events.ActionPause, events.ActionUnPause, events.ActionRestart}
	networkActions = []events.Action{events.ActionCreate, events.ActionDestroy, events.ActionConnect,
		events.ActionDisconnect, events.ActionRemove}
)

// WatchChanges follows the daemon's container and network events from now
// on, or from since when it is not zero (the daemon replays what it still
// remembers), handing each to each in order. It returns nil when ctx ends
// and an error when the stream breaks: a daemon that cannot be reached
// wraps inspect.ErrDaemonUnreachable.
func (s *Source) WatchChanges(ctx context.Context, since time.Time, each func(inspect.Change)) error {
	if err := s.negotiate(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	args := filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)), filters.Arg("type", string(events.NetworkEventType)))
	for _, a := range containerActions {
		args.Add("event", string(a))
	}
	for _, a := range networkActions {
		if a != events.ActionCreate && a != events.ActionDestroy { // asked for above
			args.Add("event", string(a))
		}
	}
	opts := events.ListOptions{Filters: args}
	if !since.IsZero() {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	msgs, errs := s.cli.Events(ctx, opts)
	for {
		select {
		case m := <-msgs:
			if c, ok := changeOf(m); ok {
				each(c)
			}
		case err := <-errs:
			if ctx.Err() != nil {
				return nil
			}
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return s.wrapErr(ctx, "events", err)
		}
	}
}

// changeOf turns an event into a Change. Network events name the network
// as the actor and the container in an attribute.
func changeOf(m events.Message) (inspect.Change, bool) {
	c := inspect.Change{Action: string(m.Action), ID: m.Actor.ID, Name: m.Actor.Attributes["name"], Time: eventTime(m)}
	switch m.Type {
	case events.ContainerEventType:
		c.Kind = inspect.ChangeContainer
		c.Container = m.Actor.ID
	case events.NetworkEventType:
		c.Kind = inspect.ChangeNetwork
		c.Container = m.Actor.Attributes["container"]
	default:
		return inspect.Change{}, false
	}
	return c, true
}

func eventTime(m events.Message) time.Time {
	if m.TimeNano != 0 {
		return time.Unix(0, m.TimeNano)
	}
	return time.Unix(m.Time, 0)
}

// Container inspects one container by ID. A container that no longer
// exists gives an error wrapping inspect.ErrGone.
func (s *Source) Container(ctx context.Context, id string) (inspect.ContainerInfo, error) {
	if err := s.negotiate(ctx); err != nil {
		return inspect.ContainerInfo{}, err
	}
	return s.inspectByID(ctx, id)
}
