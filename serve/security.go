package serve

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

// cookieName carries the token for the page's own requests (its scripts,
// style sheet, fetches and EventSource) once a ?token= link was opened.
const cookieName = "netviz_session"

// contentSecurityPolicy allows the page's own files and requests and
// nothing else: no inline script (page.js is served from /static/), no
// other origin, no framing. Graphviz's SVG carries its look in attributes,
// not style attributes, so no inline style is needed either.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// NewToken returns a random token of 32 bytes from crypto/rand, URL-safe.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Loopback reports whether a listener's address is a loopback address,
// where netviz serve needs no token.
func Loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// loopbackHost reports whether a request's Host names this machine's
// loopback: a DNS-rebinding page's requests carry its own host name.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sessionValue is what the cookie holds: derived from the token, so the
// token itself is not sent with every request to this host (cookies are
// shared by all ports of a host).
func sessionValue(token string) string {
	sum := sha256.Sum256([]byte("netviz serve session\x00" + token))
	return hex.EncodeToString(sum[:])
}

// equal compares in constant time, whatever the lengths.
func equal(given, want string) bool {
	g := sha256.Sum256([]byte(given))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// guard wraps every handler: the security headers on every answer, the Host
// check on loopback, and the token when there is one.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if s.opts.Loopback && !loopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, "this server answers to localhost only (Host %q)", r.Host)
			return
		}
		if s.opts.Token != "" {
			ok, viaQuery := s.authorized(r)
			if !ok {
				h.Set("WWW-Authenticate", `Bearer realm="netviz"`)
				writeError(w, http.StatusUnauthorized, "a token is needed: open the address netviz serve printed, or send Authorization: Bearer TOKEN")
				return
			}
			if viaQuery {
				http.SetCookie(w, &http.Cookie{Name: cookieName, Value: sessionValue(s.opts.Token), Path: "/",
					HttpOnly: true, SameSite: http.SameSiteStrictMode})
				if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
					// Take the token out of the address bar and history.
					http.Redirect(w, r, "/", http.StatusSeeOther)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// authorized checks the token of r: a bearer header, a ?token= parameter
// (links and EventSource cannot send headers), or the session cookie.
func (s *Server) authorized(r *http.Request) (ok, viaQuery bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, found := strings.Cut(auth, " ")
		return found && strings.EqualFold(scheme, "Bearer") && equal(strings.TrimSpace(token), s.opts.Token), false
	}
	if q := r.URL.Query(); q.Has("token") {
		return equal(q.Get("token"), s.opts.Token), true
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return equal(c.Value, sessionValue(s.opts.Token)), false
	}
	return false, false
}
