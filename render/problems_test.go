package render

import (
	"bytes"
	"encoding/xml"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/render/graphviz"
)

// fullProblems are findings as netviz doctor words them, about the text
// fixture "full": one for each way a problem is placed.
var fullProblems = []Problem{
	{ID: "ip-forward-disabled", Severity: ProblemError, Subject: []string{"net.ipv4.ip_forward"},
		Message: "the kernel does not forward IPv4 packets", Fix: "sysctl -w net.ipv4.ip_forward=1"},
	{ID: "bridge-down", Severity: ProblemError, Subject: []string{"br-7d2f1c0e9a4b", "backend"},
		Message: "the bridge br-7d2f1c0e9a4b of network \"backend\" is administratively down", Fix: "ip link set br-7d2f1c0e9a4b up"},
	// eth0 of web1, not the uplink eth0.
	{ID: "veth-down", Severity: ProblemError, Subject: []string{"web1", "eth0"}, Message: "eth0 is down inside web1"},
	// A macvlan link.
	{ID: "veth-down", Severity: ProblemError, Subject: []string{"mv1", "eth0"}, Message: "eth0 is down inside mv1"},
	// A container that shares another's namespace, and a network.
	{ID: "endpoint-without-interface", Severity: ProblemError, Subject: []string{"web1-metrics", "bridge"}, Message: "no interface for network \"bridge\""},
	// A stopped container.
	{ID: "published-port-mismatch", Severity: ProblemError, Subject: []string{"old-job", "8080/tcp", "172.17.0.9"}, Message: "DNAT to a stopped container"},
	// The link after the container, then the uplink.
	{ID: "mtu-mismatch", Severity: ProblemWarning, Subject: []string{"api", "eth1", "eth0"}, Message: "api:eth1 has MTU 9000 but the uplink eth0 only 1500"},
	{ID: "orphan-veth", Severity: ProblemWarning, Subject: []string{"vethf00d1e5", "docker0"}, Message: "vethf00d1e5 is plugged into docker0 but its peer is in no container"},
	// A container in the host's namespace.
	{ID: "published-port-mismatch", Severity: ProblemWarning, Subject: []string{"node-exporter", "9100/tcp"}, Message: "DNAT rule without a published port"},
	// Names of nothing in the snapshot: the host.
	{ID: "forward-drop", Severity: ProblemError, Subject: []string{"ghostnet", "FORWARD"}, Message: "dropped"},
	// Not drawn.
	{ID: "iptables-backend-split", Severity: "info", Subject: []string{"iptables-legacy", "iptables-nft"}, Message: "iptables -L will not show them"},
}

func TestTreeProblemsGolden(t *testing.T) {
	for name, opt := range map[string]TreeOptions{
		"full-problems.tree.golden":       {},
		"full-problems.color.tree.golden": {Color: true},
		"full-problems.ascii.tree.golden": {ASCII: true},
	} {
		t.Run(name, func(t *testing.T) {
			opt.Problems = fullProblems
			var buf bytes.Buffer
			if err := WriteTree(&buf, loadTextFixture(t, "full"), opt); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			checkTextLines(t, out, opt.Color)
			if strings.Contains(out, "iptables-backend-split") {
				t.Error("an info problem is drawn")
			}
			goldenText(t, name, buf.Bytes())
		})
	}
}

func TestTreeProblemLines(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTree(&buf, loadTextFixture(t, "full"), TreeOptions{Problems: fullProblems}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	line := func(has string) string {
		t.Helper()
		for _, l := range lines {
			if strings.Contains(l, has) {
				return l
			}
		}
		t.Fatalf("no line has %q:\n%s", has, buf.String())
		return ""
	}
	for has, want := range map[string]string{
		"host dockerhost":         "✖ ip-forward-disabled, forward-drop",
		"br-7d2f1c0e9a4b  bridge": "✖ bridge-down",
		"web1:eth0":               "✖ veth-down",
		"mv1:eth0":                "✖ veth-down",
		"also in this namespace":  "✖ endpoint-without-interface",
		"api:eth1":                "⚠ mtu-mismatch",
		"eth0  uplink":            "⚠ mtu-mismatch",
		"vethf00d1e5":             "⚠ orphan-veth",
		"docker0  ":               "✖ endpoint-without-interface ⚠ orphan-veth",
		"host network:":           "node-exporter ⚠ published-port-mismatch",
		"stopped:":                "old-job (exited) ✖ published-port-mismatch",
		"problems:":               "problems: 7 errors (ip-forward-disabled, bridge-down, veth-down, endpoint-without-interface, published-port-mismatch, forward-drop), 3 warnings (mtu-mismatch, orphan-veth, published-port-mismatch)",
	} {
		if l := line(has); !strings.HasSuffix(l, want) && !strings.HasPrefix(l, want) {
			t.Errorf("line %q does not end with %q", l, want)
		}
	}
	if l := line("eth0  uplink"); strings.Contains(l, "veth-down") {
		t.Errorf("web1's eth0 marked the uplink: %q", l)
	}
	if l := line("api:eth0"); strings.Contains(l, "mtu-mismatch") {
		t.Errorf("api:eth1's problem marked api:eth0: %q", l)
	}
}

// With no problems (nil or only info) the tree is the one without.
func TestTreeWithoutProblemsIsUnchanged(t *testing.T) {
	var plain, info bytes.Buffer
	s := loadTextFixture(t, "full")
	if err := WriteTree(&plain, s, TreeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTree(&info, s, TreeOptions{Problems: fullProblems[len(fullProblems)-1:]}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.Bytes(), info.Bytes()) {
		t.Errorf("an info problem changed the tree:\n%s", info.String())
	}
}

func TestDiagramProblemsGolden(t *testing.T) {
	opt := diagramTestOptions
	opt.Problems = fullProblems
	d := BuildDiagram(loadTextFixture(t, "full"), opt)
	var dot, mmd bytes.Buffer
	if err := WriteDOT(&dot, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteMermaid(&mmd, d); err != nil {
		t.Fatal(err)
	}
	diagramGolden(t, "full-problems.dot", dot.Bytes())
	diagramGolden(t, "full-problems.mmd", mmd.Bytes())
}

func problemIDs(ps []Problem) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestDiagramProblemPlaces(t *testing.T) {
	opt := diagramTestOptions
	opt.Problems = fullProblems
	x := indexDiagram(BuildDiagram(loadTextFixture(t, "full"), opt))
	marked := map[string][]string{}
	for _, c := range x.d.Clusters {
		if len(c.Problems) > 0 {
			marked[c.Title] = problemIDs(c.Problems)
		}
		for _, n := range c.Nodes {
			if len(n.Problems) > 0 {
				marked[c.Title+"/"+n.Title] = problemIDs(n.Problems)
			}
		}
	}
	for _, n := range x.d.Nodes {
		if len(n.Problems) > 0 {
			marked[n.Title] = problemIDs(n.Problems)
		}
	}
	want := map[string][]string{
		"dockerhost":                 {"ip-forward-disabled", "forward-drop"},
		"dockerhost/br-7d2f1c0e9a4b": {"bridge-down"},
		"dockerhost/docker0":         {"endpoint-without-interface", "orphan-veth"},
		"dockerhost/eth0":            {"mtu-mismatch"},
		"dockerhost/vethf00d1e5":     {"orphan-veth"},
		"dockerhost/node-exporter":   {"published-port-mismatch"},
		"web1/eth0":                  {"veth-down"},
		"web1":                       {"endpoint-without-interface"},
		"mv1/eth0":                   {"veth-down"},
		"api/eth1":                   {"mtu-mismatch"},
		"old-job":                    {"published-port-mismatch"},
	}
	for k, ids := range want {
		if !slices.Equal(marked[k], ids) {
			t.Errorf("%s marked %q, want %q", k, marked[k], ids)
		}
	}
	for k, ids := range marked {
		if _, ok := want[k]; !ok {
			t.Errorf("%s marked %q, want nothing", k, ids)
		}
	}
	if got := x.d.ProblemSeverities(); !slices.Equal(got, []string{ProblemError, ProblemWarning}) {
		t.Errorf("severities %q", got)
	}
	if !strings.Contains(x.d.Subtitle, "netviz doctor: 7 errors, 3 warnings") {
		t.Errorf("subtitle %q does not count the problems", x.d.Subtitle)
	}
}

// A container drawn inside a summary node marks the summary.
func TestDiagramProblemOnGroup(t *testing.T) {
	opt := diagramTestOptions
	opt.Problems = []Problem{{ID: "veth-down", Severity: ProblemError, Subject: []string{"app-worker-3", "eth0"}}}
	d := BuildDiagram(fleetSnapshot(40), opt)
	for _, n := range d.Nodes {
		if n.Kind == NodeGroup && !slices.Equal(problemIDs(n.Problems), []string{"veth-down"}) {
			t.Errorf("group node marked %q", problemIDs(n.Problems))
		}
	}
	if len(d.Clusters[0].Problems) > 0 {
		t.Errorf("the host is marked %q", problemIDs(d.Clusters[0].Problems))
	}
}

// hostileProblem names a container with markup in it, and carries markup,
// quotes, backslashes and control characters in everything it draws.
var hostileProblem = Problem{
	ID: "x\"<b>&\\N\x1b[31m", Severity: ProblemError, Subject: []string{"<script>alert(1)</script>"},
	Message: "<img src=x onerror=alert(3)> \x1b[2J", Fix: "`rm` & <b>|#%",
}

func TestProblemsStayText(t *testing.T) {
	s := loadDiagramFixture(t, "hostile")
	opt := diagramTestOptions
	opt.Problems = []Problem{hostileProblem}
	d := BuildDiagram(s, opt)
	cluster := indexDiagram(d).clusterTitled(t, "<script>alert(1)</script>")
	if len(cluster.Problems) != 1 {
		t.Fatalf("the hostile container is not marked")
	}
	var dot, mmd bytes.Buffer
	if err := WriteDOT(&dot, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteMermaid(&mmd, d); err != nil {
		t.Fatal(err)
	}
	diagramGolden(t, "hostile-problems.dot", dot.Bytes())
	diagramGolden(t, "hostile-problems.mmd", mmd.Bytes())
	if strings.Contains(dot.String(), `x"<b>`) || strings.Contains(mmd.String(), `x"<b>`) || strings.Contains(mmd.String(), "<img") {
		t.Error("the problem's ID or message is not escaped")
	}

	svg := diagramSVG(t, d, graphviz.EngineEmbedded)
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	if !strings.Contains(html.UnescapeString(string(svg)), `✖ x"<b>&\N`) {
		t.Error(`SVG does not draw the ID x"<b>&\N as it is`)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, d, svg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(page.String()), "<img") {
		t.Error("the message became markup in the page")
	}
	found := false
	for _, f := range htmlData(t, page.Bytes())[cluster.ID].Fields {
		found = found || f.Value == hostileProblem.Message
	}
	if !found {
		t.Error("the details panel lost the problem's exact message")
	}

	var tree bytes.Buffer
	if err := WriteTree(&tree, s, TreeOptions{Problems: opt.Problems}); err != nil {
		t.Fatal(err)
	}
	checkTextLines(t, tree.String(), false)
	if !strings.Contains(tree.String(), `✖ x"<b>&\N\x1b[31m`) {
		t.Errorf("tree does not show the ID with its escape spelt out:\n%s", tree.String())
	}
}
