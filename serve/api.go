package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/render/format"
)

// writeError answers with a JSON error: {"error": "..."}.
func writeError(w http.ResponseWriter, code int, f string, args ...any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf(f, args...)})
}

// writeJSON answers with v as the CLI's --format json writes it.
func writeJSON(w http.ResponseWriter, v any) {
	var b bytes.Buffer
	if err := format.WriteJSON(&b, v); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot encode: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// ready returns the current state, or answers 503 before the first update.
func (s *Server) ready(w http.ResponseWriter) *state {
	st, _ := s.hub.current()
	if st == nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "no snapshot yet: netviz is still reading the host")
	}
	return st
}

// snapshot is /api/snapshot: the snapshot as `netviz docker --format json`
// writes it; ?download=1 makes the browser save it.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	st := s.ready(w)
	if st == nil {
		return
	}
	data, err := st.JSON()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot encode the snapshot: %v", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Netviz-Seq", strconv.FormatUint(st.seq, 10))
	if r.URL.Query().Get("download") != "" {
		name := "netviz-" + st.time.UTC().Format("20060102T150405Z") + ".json"
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	_, _ = w.Write(data)
}

// doctor is /api/doctor: the findings as `netviz doctor --format json`.
func (s *Server) doctor(w http.ResponseWriter, _ *http.Request) {
	st := s.ready(w)
	if st == nil {
		return
	}
	fs, noKernel := st.Findings()
	if noKernel {
		writeError(w, http.StatusConflict, "doctor refuses to guess: the kernel view of the daemon's host is unavailable (see the snapshot's warnings)")
		return
	}
	w.Header().Set("X-Netviz-Seq", strconv.FormatUint(st.seq, 10))
	writeJSON(w, fs)
}

// maxEndpoint bounds SRC and DST: a container name, an ID, an address.
const maxEndpoint = 256

// path is /api/path?src=…&dst=…[&port=…&protocol=…]: the result as
// `netviz path --format json`; bad input is a 400 with a JSON error.
func (s *Server) path(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	src, dst := q.Get("src"), q.Get("dst")
	for _, p := range [][2]string{{"src", src}, {"dst", dst}} {
		if v := p[1]; v == "" || len(v) > maxEndpoint || !utf8.ValidString(v) {
			writeError(w, http.StatusBadRequest, "%s: want a container name or ID, an IP, IP:port, \"host\", or a Swarm service's name or VIP", p[0])
			return
		}
	}
	o := pathfind.Options{Protocol: "tcp", Port: 80}
	if p := q.Get("protocol"); p != "" {
		if p != "tcp" && p != "udp" {
			writeError(w, http.StatusBadRequest, "invalid protocol %q: want tcp or udp", p)
			return
		}
		o.Protocol = p
	}
	if p := q.Get("port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			writeError(w, http.StatusBadRequest, "invalid port %q: want 1-65535", p)
			return
		}
		o.Port = n
	}
	st := s.ready(w)
	if st == nil {
		return
	}
	if withoutKernel(st.snap) {
		writeError(w, http.StatusConflict, "path refuses to guess: the kernel view of the daemon's host is unavailable (see the snapshot's warnings)")
		return
	}
	res, err := pathfind.Find(st.snap, src, dst, o)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	w.Header().Set("X-Netviz-Seq", strconv.FormatUint(st.seq, 10))
	writeJSON(w, res)
}

// diagram is /api/diagram: what the page puts in itself, drawn once per
// update ({"seq","title","subtitle","svg","data"}).
func (s *Server) diagram(w http.ResponseWriter, r *http.Request) {
	st := s.ready(w)
	if st == nil {
		return
	}
	d, err := s.draws.get(r.Context(), st, s.opts)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot draw the diagram: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(d)
}

// healthz is /healthz: "ok" and the current seq, for probes.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	st, _ := s.hub.current()
	var seq uint64
	if st != nil {
		seq = st.seq
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "ok seq=%d\n", seq)
}
