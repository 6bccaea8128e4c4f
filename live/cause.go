package live

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netviz/netviz/inspect"
)

// maxCauses is how many changes a Cause names before "and N more".
const maxCauses = 3

// cause says what led to the batch's update, for people.
func (b *batch) cause() string {
	if len(b.causes) == 0 {
		return "changes in the namespace of " + strings.Join(b.rereads, ", ")
	}
	if len(b.causes) <= maxCauses {
		return strings.Join(b.causes, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(b.causes[:maxCauses], "; "), len(b.causes)-maxCauses)
}

// allCauses are every change of the batch in words, Cause's whole list
// (nil when the batch is only namespaces to read again).
func (b *batch) allCauses() []string {
	if len(b.causes) == 0 {
		return nil
	}
	return slices.Clone(b.causes)
}

// containerVerbs are container event actions as people say them.
var containerVerbs = map[string]string{
	"create": "created", "start": "started", "die": "stopped", "destroy": "removed",
	"rename": "renamed", "pause": "paused", "unpause": "unpaused", "restart": "restarted",
}

// describe says one change in words: "container web1 started", "link
// veth12ab up in host", "firewall rules changed". names are the names of
// containers the batch's own events gave, newer than the last read's.
func describe(e event, tr *inspect.Tracker, names map[string]string) string {
	c := e.c
	switch c.Kind {
	case inspect.ChangeContainer:
		return fmt.Sprintf("container %s %s", containerName(c.Container, c.Name, tr), verb(containerVerbs, c.Action))
	case inspect.ChangeNetwork:
		net := c.Name
		if net == "" {
			net = tr.NetworkName(c.ID)
		}
		switch c.Action {
		case "connect":
			return fmt.Sprintf("container %s connected to network %s", containerName(c.Container, names[c.Container], tr), net)
		case "disconnect":
			return fmt.Sprintf("container %s disconnected from network %s", containerName(c.Container, names[c.Container], tr), net)
		case "create":
			return fmt.Sprintf("network %s created", net)
		default:
			return fmt.Sprintf("network %s removed", net)
		}
	case inspect.ChangeLink:
		state := "down"
		switch {
		case c.Action == "del":
			state = "removed"
		case c.Up:
			state = "up"
		}
		return fmt.Sprintf("link %s %s in %s", c.Name, state, e.where)
	case inspect.ChangeAddress:
		return fmt.Sprintf("address %s %s in %s", c.Name, verb(map[string]string{"new": "added", "del": "removed"}, c.Action), e.where)
	case inspect.ChangeRoute:
		return fmt.Sprintf("route %s %s in %s", c.Name, verb(map[string]string{"new": "added", "del": "removed"}, c.Action), e.where)
	case inspect.ChangeFirewall:
		return "firewall rules changed"
	}
	return fmt.Sprintf("%s %s %s", c.Kind, c.Name, c.Action)
}

func verb(verbs map[string]string, action string) string {
	if v, ok := verbs[action]; ok {
		return v
	}
	return action
}

// containerName is what to call a container: the event's name, the last
// read's, or its short ID.
func containerName(id, name string, tr *inspect.Tracker) string {
	if name != "" {
		return name
	}
	if n := tr.ContainerName(id); n != "" {
		return n
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
