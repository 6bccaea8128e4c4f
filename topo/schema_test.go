package topo

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// A version 1 snapshot (written by netviz before host.runtime) is read and
// converted: its Docker version becomes the runtime description.
func TestDecodeReadsVersion1(t *testing.T) {
	data, err := os.ReadFile("testdata/v1-host.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"schemaVersion": 1,`)) || !bytes.Contains(data, []byte(`"dockerVersion"`)) {
		t.Fatal("testdata/v1-host.json is no longer a version 1 snapshot")
	}
	s, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := Runtime{Name: "docker", Version: "20.10.24+dfsg1", APIVersion: "1.41"}
	if s.Host.Runtime != want || s.SchemaVersion != SchemaVersion {
		t.Errorf("runtime %+v, schema %d; want %+v, %d", s.Host.Runtime, s.SchemaVersion, want, SchemaVersion)
	}
	if s.Host.Hostname != "vm" || len(s.Containers) == 0 || len(s.Pairs) == 0 {
		t.Errorf("the rest of the snapshot was not read: host %+v, %d containers, %d pairs", s.Host, len(s.Containers), len(s.Pairs))
	}

	// Written again, it is a version 2 snapshot that reads back the same.
	var buf bytes.Buffer
	if err := Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	var host struct {
		Host map[string]json.RawMessage `json:"host"`
	}
	if err := json.Unmarshal(buf.Bytes(), &host); err != nil {
		t.Fatal(err)
	}
	if _, ok := host.Host["dockerVersion"]; ok || string(host.Host["runtime"]) == "" {
		t.Errorf("re-encoded host = %s", buf.String()[:min(buf.Len(), 400)])
	}
	again, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Error("a converted snapshot does not read back the same")
	}
}

func TestRuntimeKeys(t *testing.T) {
	b, err := json.Marshal(Host{Runtime: Runtime{Name: "docker", Version: "20.10.24+dfsg1", APIVersion: "1.41"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"runtime":{"name":"docker","version":"20.10.24+dfsg1","apiVersion":"1.41"}`; !strings.Contains(string(b), want) {
		t.Errorf("host = %s, want it to hold %s", b, want)
	}
}
