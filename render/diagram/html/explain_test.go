package html

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/graphviz"
)

func lines(cmds []explain.Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Line)
	}
	return out
}

// The page's node data carries each element's commands, so that the
// details panel of this page, and of any page built on its data, lists
// them.
func TestHTMLDataCarriesCommands(t *testing.T) {
	d := diagram.Build(fwtest.Host(t), testOptions)
	data := htmlData(t, writeHTMLFor(t, d, graphviz.EngineAuto))
	for id, want := range map[string]string{
		"host_vetha87bbed":      "bridge link show dev vetha87bbed",
		"host_docker0":          "ip link show master docker0",
		"host_eth0":             "ip route show default",
		"cluster_ns_4026532257": "docker port web1",
		"if_ns_4026532257_eth0": "nsenter -t 3716 -n ip -d link show dev eth0",
		"if_ns_4026532635_eth0": "ip netns exec blue ip -d link show dev eth0",
		"cluster_ns_4026532635": "ip netns list",
		"cluster_host":          "iptables -S FORWARD",
		"if_ns_4026532185_eth0": "nsenter -t 468 -n ip -d link show dev eth0",
		"ctr_old":               "docker inspect --format '{{.State.Status}}' old",
		"cluster_ns_4026532336": "nsenter -t 3827 -n ip route show",
		"host_vethblue":         "ip -d link show dev vethblue",
		"host_br_edf6ad18f54c":  "docker network inspect appnet",
		"host_vethe470e1d":      "ethtool -S vethe470e1d",
		"cluster_ns_4026532415": "readlink /proc/3933/ns/net",
		"if_ns_4026532415_eth0": "nsenter -t 3933 -n ip addr show dev eth0",
		"host_br_backend":       "iptables -t nat -S POSTROUTING",
		"cluster_ns_4026532492": "nsenter -t 4079 -n ip addr",
		"host_veth51b5f16":      "bridge link show dev veth51b5f16",
		"if_ns_4026532336_eth1": "nsenter -t 3827 -n ip addr show dev eth1",
		"if_ns_4026532336_eth2": "nsenter -t 3827 -n ip -d link show dev eth2",
		"host_vetha73a08d":      "ip -d link show dev vetha73a08d",
		"cluster_ns_4026532185": "docker inspect --format '{{.State.Pid}}' mv1",
		"ctr_hostnet":           "nsenter -t 4030 -n ip addr",
		"host_veth7db0765":      "bridge link show dev veth7db0765",
		"if_ns_4026532336_eth0": "nsenter -t 3827 -n ip -d link show dev eth0",
	} {
		info, ok := data[id]
		if !ok {
			t.Errorf("no element %s", id)
			continue
		}
		if !slices.Contains(lines(info.Commands), want) {
			t.Errorf("%s: no %q in\n  %s", id, want, strings.Join(lines(info.Commands), "\n  "))
		}
		for _, c := range info.Commands {
			if c.What == "" || len(c.Argv) == 0 || c.Line != explain.Line(c.Argv) {
				t.Errorf("%s: incomplete command %+v", id, c)
			}
		}
	}
}

// A hostile name reaches the page's data as JSON text, never as markup,
// quoted in the command line.
func TestHTMLHostileCommandsStayData(t *testing.T) {
	d := diagram.Build(rendertest.Diagram(t, "hostile"), testOptions)
	page := writeHTMLFor(t, d, graphviz.EngineAuto)
	if bytes.Contains(page, []byte("'<script>")) {
		t.Error("a command line put raw markup in the page")
	}
	found := false
	for _, info := range htmlData(t, page) {
		for _, c := range info.Commands {
			if strings.Contains(c.Line, "'<script>alert(1)</script>'") {
				found = true
			}
		}
	}
	if !found {
		t.Error("no command names the hostile container, quoted")
	}
}

func TestHTMLCommandsInChromium(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, d *diagram.Diagram) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, writeHTMLFor(t, d, graphviz.EngineAuto), 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	host := write("host.html", diagram.Build(fwtest.Host(t), testOptions))
	dom := chromium(t, "--dump-dom", host+"#select=cluster_ns_4026532257")
	for _, want := range []string{
		`<h3>See it yourself</h3>`,
		`<code>docker port web1</code><button class="nv-copy" type="button" title="Copy the command">Copy</button>`,
		`<code>nsenter -t 3716 -n ip route show</code>`,
		`<code>docker inspect --format '{{.State.Pid}}' web1</code>`,
	} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Errorf("details panel lacks %s", want)
		}
	}
	// Another element's commands replace the first's.
	dom = chromium(t, "--dump-dom", host+"#select=host_vethe470e1d")
	panel := regexp.MustCompile(`<section id="nv-commands">.*?</section>`).Find(dom)
	if !bytes.Contains(panel, []byte(`<code>ethtool -S vethe470e1d</code>`)) || bytes.Contains(panel, []byte("docker port web1")) ||
		!bytes.Contains(panel, []byte(`(if installed) the veth driver's counters`)) {
		t.Errorf("host veth's panel: wrong commands:\n%s", panel)
	}

	// The copy button, clicked. A script's click gets no clipboard in
	// headless Chromium, and whether the clipboard API refuses within the
	// test's time is up to the machine's load: the test takes the API away,
	// so the page takes its fallback at once — select the command, copy it
	// with execCommand, or leave it selected for the user. The test page
	// drops the CSP to let the test's script click.
	page := writeHTMLFor(t, diagram.Build(fwtest.Host(t), testOptions), graphviz.EngineAuto)
	page = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`).ReplaceAll(page, nil)
	page = bytes.Replace(page, []byte("</body>"), []byte(`<script>
setTimeout(function () {
  Object.defineProperty(navigator, "clipboard", { value: undefined });
  var b = document.querySelector(".nv-copy");
  b.click();
  document.body.setAttribute("data-copy", b.textContent + "|" + window.getSelection().toString());
}, 200);
</script></body>`), 1)
	clickPath := filepath.Join(dir, "click.html")
	if err := os.WriteFile(clickPath, page, 0o644); err != nil {
		t.Fatal(err)
	}
	dom = chromium(t, "--virtual-time-budget=5000", "--dump-dom", "file://"+clickPath+"#select=host_vetha87bbed")
	m := regexp.MustCompile(`<body data-copy="([^"]*)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatal("the click script did not run")
	}
	const line = "ip -d link show dev vetha87bbed"
	if got := string(m[1]); got != "Copied|"+line && got != "Selected: Ctrl+C|"+line {
		t.Errorf("after a click on Copy: %q", got)
	}

	hostile := diagram.Build(rendertest.Diagram(t, "hostile"), testOptions)
	dom = chromium(t, "--dump-dom", write("hostile.html", hostile)+"#select="+hostile.Clusters[1].ID)
	if !bytes.Contains(dom, []byte(`<code>docker inspect --format '{{.State.Pid}}' '&lt;script&gt;alert(1)&lt;/script&gt;'</code>`)) {
		t.Error("hostile container's command not shown as text")
	}
	if bytes.Contains(bytes.ToLower(dom), []byte("<script>alert")) {
		t.Error("hostile markup became elements")
	}
}
