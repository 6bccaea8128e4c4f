package topo

import (
	"slices"
	"strconv"
	"strings"
)

// Labels Docker Compose (v1 and v2 alike) puts on what it creates.
const (
	LabelComposeProject   = "com.docker.compose.project"
	LabelComposeService   = "com.docker.compose.service"
	LabelComposeNumber    = "com.docker.compose.container-number"
	LabelComposeNetwork   = "com.docker.compose.network"
	LabelComposeOneoff    = "com.docker.compose.oneoff"
	LabelComposeWorkdir   = "com.docker.compose.project.working_dir"
	LabelComposeConfigSHA = "com.docker.compose.config-hash"
)

// Compose is what Docker Compose says about a container it made: its
// project, its service, and its number among the service's containers.
type Compose struct {
	Project string `json:"project"`
	Service string `json:"service,omitempty"`
	// Number is the container's number within the service (the 2 of
	// web_api_2 or web-api-2); 0 when compose did not say.
	Number int `json:"number,omitempty"`
	// OneOff is set for a container of `docker compose run`, which is not
	// one of the service's scaled containers.
	OneOff bool `json:"oneoff,omitempty"`
}

// ComposeNetwork is what Docker Compose says about a network it made: its
// project, and the network's name in the compose file (the "front" of
// web_front).
type ComposeNetwork struct {
	Project string `json:"project"`
	Network string `json:"network,omitempty"`
}

// ComposeService says which compose project and service the container was
// started for, and its number within the service (0 when not known); all
// empty for a container compose did not make.
func (c *Container) ComposeService() (project, service string, number int) {
	project, service = c.Labels[LabelComposeProject], c.Labels[LabelComposeService]
	number, _ = strconv.Atoi(c.Labels[LabelComposeNumber])
	return project, service, number
}

// ComposeProject is the compose project that made the network, "" if none.
func (n *Network) ComposeProject() string { return n.Labels[LabelComposeProject] }

// Project is the compose project of the container, "" if compose did not
// make it.
func (c *Container) Project() string {
	if c.Compose != nil {
		return c.Compose.Project
	}
	return ""
}

// fillCompose sets the compose fields from the labels where they are not
// set yet, so a snapshot saved before netviz had the fields reads the same
// as a new one, and sets each pair's project and service from its container.
func (s *Snapshot) fillCompose() {
	for i := range s.Containers {
		c := &s.Containers[i]
		if project, service, number := c.ComposeService(); c.Compose == nil && project != "" {
			c.Compose = &Compose{Project: project, Service: service, Number: number,
				OneOff: strings.EqualFold(c.Labels[LabelComposeOneoff], "true")}
		}
	}
	for i := range s.Networks {
		n := &s.Networks[i]
		if project := n.ComposeProject(); n.Compose == nil && project != "" {
			n.Compose = &ComposeNetwork{Project: project, Network: n.Labels[LabelComposeNetwork]}
		}
	}
	byName := make(map[string]*Container, len(s.Containers))
	for i := range s.Containers {
		byName[s.Containers[i].Name] = &s.Containers[i]
	}
	for i := range s.Pairs {
		p := &s.Pairs[i]
		if c, ok := byName[p.Container]; ok && c.Compose != nil && p.Project == "" {
			p.Project, p.Service = c.Compose.Project, c.Compose.Service
		}
	}
}

// Projects returns the compose projects the snapshot's containers and
// networks belong to, sorted.
func (s *Snapshot) Projects() []string {
	var out []string
	for i := range s.Containers {
		if p := s.Containers[i].Project(); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, n := range s.Networks {
		if n.Compose != nil && !slices.Contains(out, n.Compose.Project) {
			out = append(out, n.Compose.Project)
		}
	}
	slices.Sort(out)
	return out
}

// ServiceCounts counts containers by compose service: the services in
// order ("" for a container with a project but no service), and how many
// containers each has. A `docker compose run` container counts apart, as
// "<service> (run)": it is not one of the service's scaled containers.
func ServiceCounts(members []*Container) (services []string, count map[string]int) {
	count = map[string]int{}
	for _, c := range members {
		var s string
		if c.Compose != nil {
			s = c.Compose.Service
			if c.Compose.OneOff {
				s += " (run)"
			}
		}
		if count[s] == 0 {
			services = append(services, s)
		}
		count[s]++
	}
	slices.Sort(services)
	return services, count
}
