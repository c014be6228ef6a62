package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/otehub/hub/internal/httpx"
)

// Cache-Control of the static answers: a content-hashed asset name
// never changes what it names; everything else is revalidated by its
// ETag on each use.
const (
	immutable   = "public, max-age=31536000, immutable"
	revalidated = "no-cache"
)

// static is an answer that never changes while the hub runs: a page, an
// asset, the examples. Its compressed forms are made once, on first
// request, and kept: compressing the 451 KB map script per request costs
// some 20 ms of CPU in brotli (BenchmarkMapScript).
type static struct {
	body        []byte
	contentType string
	// hash is the hex SHA-256 of body, cut to 16 digits: the strong
	// ETag and the asset's versioned name.
	hash string

	once  [2]sync.Once
	coded [2][]byte // brotli, gzip
}

func newStatic(contentType string, body []byte) *static {
	sum := sha256.Sum256(body)
	return &static{body: body, contentType: contentType, hash: hex.EncodeToString(sum[:8])}
}

// staticFor makes the static answer of a file, typed by its extension.
func staticFor(name string, body []byte) *static {
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(body)
	}
	return newStatic(ct, body)
}

// encoded returns body in coding, compressing it the first time.
func (s *static) encoded(coding string) []byte {
	i := 0
	if coding == httpx.Gzip {
		i = 1
	}
	s.once[i].Do(func() { s.coded[i] = httpx.Encode(coding, s.body) })
	return s.coded[i]
}

// serve answers r with s under cacheControl: in the coding the client
// prefers when s is worth compressing, with a strong ETag per coding
// ("<hash>", "<hash>-br", "<hash>-gzip"), 304 to a matching
// If-None-Match, and ranges and HEAD as http.ServeContent does them.
func (s *static) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Type", s.contentType)
	body, tag := s.body, s.hash
	if httpx.Compressible(s.contentType) && len(s.body) >= httpx.MinSize {
		httpx.AddVary(h, "Accept-Encoding")
		if coding := httpx.Negotiate(r.Header.Get("Accept-Encoding")); coding != httpx.Identity {
			body, tag = s.encoded(coding), s.hash+"-"+coding
			w = codingWriter{w, coding}
		}
	}
	h.Set("ETag", `"`+tag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// codingWriter names the coding of a precompressed body on the answers
// that carry it, once http.ServeContent has chosen the status: given
// before, it would keep ServeContent from counting the Content-Length,
// and it does not belong on a 304 or an error.
type codingWriter struct {
	http.ResponseWriter
	coding string
}

func (w codingWriter) WriteHeader(code int) {
	if code == http.StatusOK || code == http.StatusPartialContent {
		w.Header().Set("Content-Encoding", w.coding)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w codingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP serves s to be revalidated on each use.
func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, revalidated)
}

// Static serves body, of contentType, as an answer that does not change
// while the hub runs: ETag, Cache-Control: no-cache, compressed once.
func Static(contentType string, body []byte) http.Handler {
	return newStatic(contentType, body)
}
