package topo

import "strconv"

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
