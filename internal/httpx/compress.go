// Package httpx holds the HTTP plumbing the hub's endpoints share:
// response compression (gzip and brotli) and entity tags.
package httpx

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Content codings the hub answers in.
const (
	Identity = ""
	Gzip     = "gzip"
	Brotli   = "br"
)

// MinSize is the smallest body worth compressing: below it the coding's
// framing and the CPU cost outweigh the bytes saved, and the answer fits
// in a packet or two anyway.
const MinSize = 1024

// Levels for answers compressed as they are written: brotli 5 and gzip
// 6 compress a 450 KB script to near their best sizes at a fraction of
// the highest levels' CPU time (docs/operations.md has the figures).
const (
	GzipLevel   = 6
	BrotliLevel = 5
)

// Negotiate chooses the coding of an answer from the request's
// Accept-Encoding: the acceptable coding of the highest q-value among
// br and gzip, br when they tie (browsers list their codings in no
// order of preference), and identity when neither is acceptable. "*"
// stands for the codings the header does not name; q=0 refuses one. An
// answer is never refused: identity is sent even when the header
// refuses it, as RFC 9110 allows.
func Negotiate(acceptEncoding string) string {
	if acceptEncoding == "" {
		return Identity
	}
	br, gz, star := -1.0, -1.0, -1.0
	for _, part := range strings.Split(acceptEncoding, ",") {
		coding, params, _ := strings.Cut(part, ";")
		q := 1.0
		if params != "" {
			q = qValue(params)
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "br":
			br = max(br, q)
		case "gzip", "x-gzip":
			gz = max(gz, q)
		case "*":
			star = max(star, q)
		}
	}
	if br < 0 {
		br = star
	}
	if gz < 0 {
		gz = star
	}
	switch {
	case br > 0 && br >= gz:
		return Brotli
	case gz > 0:
		return Gzip
	}
	return Identity
}

// qValue reads the q parameter of a coding's parameters; a malformed one
// counts as 0, so that a header one cannot read refuses rather than
// grants.
func qValue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

// Compressible reports whether a body of the media type gains from
// compression: text (event streams aside, which Compress leaves alone),
// JSON, JavaScript, XML and their +json and +xml kinds (GraphML, GEXF,
// SVG). Images, archives and already compressed formats do not.
func Compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case mt == "text/event-stream":
		return false
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "application/x-ndjson", "application/wasm":
		return true
	}
	return false
}

// AddVary adds a field name to the answer's Vary unless it is there.
func AddVary(h http.Header, name string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}

// Compress compresses the answers of next in the coding the client
// prefers (Negotiate) when they are of a compressible type (Compressible)
// and at least MinSize bytes long. It leaves alone WebSocket upgrades and
// server-sent events (which must reach the client as each event is
// flushed), answers that already carry a Content-Encoding (precompressed
// assets), partial answers to Range requests, and bodiless ones (HEAD
// aside, whose headers are those of the GET). A compressed answer loses
// its Content-Length (the server then sends it chunked, or counts it
// when it is short) and its ETag becomes weak: the bytes are not the
// identity answer's, but they mean the same.
//
// It is our own rather than klauspost's gzhttp, which negotiates gzip
// and zstd but not brotli: one middleware over both encoders negotiates
// once, and knows the hub's streaming answers.
func Compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") || r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, coding: Negotiate(r.Header.Get("Accept-Encoding"))}
		defer func() {
			if p := recover(); p != nil {
				// An aborted answer must not end as a complete stream:
				// the encoder's end is not written, and it is dropped.
				panic(p)
			}
			cw.close()
		}()
		next.ServeHTTP(cw, r)
	})
}

// compressWriter's states: it holds the first bytes until it can decide
// whether to compress, then passes them on as they are or through an
// encoder.
const (
	undecided = iota
	passing
	compressing
)

type compressWriter struct {
	http.ResponseWriter
	coding string
	state  int
	status int // 0 until the handler writes the header
	buf    []byte
	enc    encoder
	// flushed is set once the handler has flushed: the answer is a
	// stream, compressed whatever the size of its first bytes.
	flushed bool
}

// encoder is a pooled gzip or brotli writer.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

var (
	gzipPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, GzipLevel)
		return w
	}}
	brotliPool = sync.Pool{New: func() any {
		return brotli.NewWriterLevel(io.Discard, BrotliLevel)
	}}
)

func poolOf(coding string) *sync.Pool {
	if coding == Brotli {
		return &brotliPool
	}
	return &gzipPool
}

func (w *compressWriter) WriteHeader(code int) {
	if w.status != 0 || w.state != undecided {
		return // as net/http, a second WriteHeader is ignored
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: more follow
		return
	}
	w.status = code
	h := w.Header()
	ct := h.Get("Content-Type")
	if ct != "" && Compressible(ct) && h.Get("Content-Encoding") == "" {
		AddVary(h, "Accept-Encoding")
	}
	switch {
	case w.coding == Identity, !bodyAllowed(code), code == http.StatusPartialContent,
		h.Get("Content-Encoding") != "", ct != "" && !Compressible(ct):
		w.pass()
	default:
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			if n < MinSize || ct == "" {
				w.pass()
			} else {
				w.compress()
			}
		}
	}
}

func bodyAllowed(code int) bool {
	return code != http.StatusNoContent && code != http.StatusNotModified && (code < 100 || code >= 200)
}

func (w *compressWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch w.state {
	case passing:
		return w.ResponseWriter.Write(p)
	case compressing:
		return w.enc.Write(p)
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= MinSize {
		if err := w.decide(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// decide chooses, from the bytes held, to pass the answer on or to
// compress it, and writes the bytes held.
func (w *compressWriter) decide() error {
	h := w.Header()
	ct := h.Get("Content-Type")
	if ct == "" && len(w.buf) > 0 {
		// What net/http would send, so that the type is judged.
		ct = http.DetectContentType(w.buf)
		h.Set("Content-Type", ct)
	}
	if Compressible(ct) {
		AddVary(h, "Accept-Encoding")
		if len(w.buf) >= MinSize || w.flushed {
			w.compress()
		}
	}
	if w.state == undecided {
		w.pass()
	}
	buf := w.buf
	w.buf = nil
	if len(buf) == 0 {
		return nil
	}
	var err error
	if w.state == compressing {
		_, err = w.enc.Write(buf)
	} else {
		_, err = w.ResponseWriter.Write(buf)
	}
	return err
}

func (w *compressWriter) pass() {
	w.state = passing
	w.ResponseWriter.WriteHeader(w.status)
}

func (w *compressWriter) compress() {
	h := w.Header()
	h.Del("Content-Length")
	// Ranges count the identity answer's bytes, not these.
	h.Del("Accept-Ranges")
	h.Set("Content-Encoding", w.coding)
	AddVary(h, "Accept-Encoding")
	weaken(h)
	w.state = compressing
	w.enc = poolOf(w.coding).Get().(encoder)
	w.enc.Reset(w.ResponseWriter)
	w.ResponseWriter.WriteHeader(w.status)
}

// weaken makes a strong ETag weak.
func weaken(h http.Header) {
	if tag := h.Get("ETag"); tag != "" && !strings.HasPrefix(tag, "W/") {
		h.Set("ETag", "W/"+tag)
	}
}

// Flush sends what is written so far: a stream that flushes is
// compressed (when it may be) from its first bytes on, whatever their
// number.
func (w *compressWriter) Flush() {
	_ = w.FlushError()
}

// FlushError is Flush for http.ResponseController, with the error.
func (w *compressWriter) FlushError() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.state == undecided {
		w.flushed = true
		if err := w.decide(); err != nil {
			return err
		}
	}
	if w.state == compressing {
		if err := w.enc.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer underneath (Hijack,
// deadlines).
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// close ends the answer once the handler has returned: it sends what is
// held, as it is, or ends the encoder's stream.
func (w *compressWriter) close() {
	switch w.state {
	case undecided:
		if w.status == 0 && len(w.buf) == 0 {
			return // nothing written: net/http answers 200 with no body
		}
		if w.status == 0 {
			w.status = http.StatusOK
		}
		_ = w.decide()
	case compressing:
		_ = w.enc.Close()
		w.enc.Reset(io.Discard)
		poolOf(w.coding).Put(w.enc)
		w.enc = nil
	}
}

// Encode returns b compressed in coding (Gzip or Brotli), by the
// encoders and levels Compress uses.
func Encode(coding string, b []byte) []byte {
	var out bytes.Buffer
	pool := poolOf(coding)
	enc := pool.Get().(encoder)
	enc.Reset(&out)
	// Writes to a bytes.Buffer do not fail.
	_, _ = enc.Write(b)
	_ = enc.Close()
	enc.Reset(io.Discard)
	pool.Put(enc)
	return out.Bytes()
}
