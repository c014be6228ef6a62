package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// Tag returns a weak entity tag over parts: the answer is computed from
// them, so equal parts make an answer that means the same, if not
// byte for byte (which the compression of the answer changes anyway).
// Each part is length-prefixed, so that no two lists hash alike.
func Tag(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		l := len(p)
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return `W/"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// Matches reports whether the request's If-None-Match names tag, by
// the weak comparison RFC 9110 prescribes for it ("*" matches any
// current answer). A header that does not parse matches nothing, so the
// request is answered in full.
func Matches(r *http.Request, tag string) bool {
	header := r.Header.Values("If-None-Match")
	if len(header) == 0 {
		return false
	}
	want := opaque(tag)
	for _, line := range header {
		for _, t := range strings.Split(line, ",") {
			t = strings.TrimSpace(t)
			if t == "*" {
				return true
			}
			if got := opaque(t); got != "" && got == want {
				return true
			}
		}
	}
	return false
}

// opaque returns the quoted part of an entity tag, "" when t is not one.
func opaque(t string) string {
	t = strings.TrimPrefix(t, "W/")
	if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' || strings.Contains(t[1:len(t)-1], `"`) {
		return ""
	}
	return t
}
