package httpx

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"", Identity},
		{"gzip", Gzip},
		{"x-gzip", Gzip},
		{"br", Brotli},
		{"gzip, deflate, br", Brotli},
		{"br, gzip", Brotli},
		{"GZIP;Q=1, BR;Q=0.9", Gzip},
		{"br;q=0.9, gzip;q=0.9", Brotli},
		{"gzip;q=0.5, br;q=0.4", Gzip},
		{"br;q=0", Identity},
		{"br;q=0, gzip", Gzip},
		{"*", Brotli},
		{"*;q=0", Identity},
		{"br;q=0, *", Gzip},
		{"gzip;q=0, *;q=0.1", Brotli},
		{"identity", Identity},
		{"identity;q=0", Identity},
		{"identity;q=0, gzip", Gzip},
		{"deflate, zstd", Identity},
		{"gzip;q=2", Identity},
		{"gzip;q=-1", Identity},
		{"gzip;q=", Identity},
		{"gzip;level=1", Gzip},
		{" gzip ; q=0.3 , br ; q=0.2", Gzip},
		{",,;", Identity},
	} {
		if got := Negotiate(c.header); got != c.want {
			t.Errorf("Negotiate(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestMatches(t *testing.T) {
	tag := Tag("a", "b")
	bare := strings.TrimPrefix(tag, "W/")
	for _, c := range []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{tag}, true},
		{[]string{bare}, true},
		{[]string{`"x", ` + tag}, true},
		{[]string{`"x"`, tag}, true},
		{[]string{"*"}, true},
		{[]string{`"x"`}, false},
		{[]string{strings.Trim(bare, `"`)}, false},
		{[]string{`W/`}, false},
		{[]string{`"`}, false},
		{[]string{`garbage, ` + bare[:len(bare)-1]}, false},
		{[]string{`W/"a"b"`}, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range c.header {
			r.Header.Add("If-None-Match", h)
		}
		if got := Matches(r, tag); got != c.want {
			t.Errorf("If-None-Match %q against %s: %v, want %v", c.header, tag, got, c.want)
		}
	}
	if Tag("ab", "c") == Tag("a", "bc") || Tag("a") == Tag("a", "") {
		t.Error("different parts hash alike")
	}
}

// decoded undoes a Content-Encoding with the standard library's gzip
// reader or the brotli reader.
func decoded(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch coding {
	case Gzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case Brotli:
		r = brotli.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	return b
}

// TestCompressDecides: which answers Compress compresses, with which
// headers.
func TestCompressDecides(t *testing.T) {
	text := []byte(strings.Repeat("the OTE network hub answers in JSON. ", 100))
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		coding  string // the Content-Encoding expected
		vary    bool
	}{
		{"JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(text)
		}, Brotli, true},
		{"JSON in many writes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < len(text); i += 10 {
				w.Write(text[i:min(i+10, len(text))])
			}
		}, Brotli, true},
		{"untyped text, sniffed", func(w http.ResponseWriter, r *http.Request) {
			w.Write(text)
		}, Brotli, true},
		{"GEXF", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/gexf+xml")
			w.Write(text)
		}, Brotli, true},
		{"with its length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Length", "3700")
			w.Write(text)
		}, Brotli, true},
		{"an error", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write(text)
		}, Brotli, true},
		{"small", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(text[:MinSize-1])
		}, Identity, true},
		{"small by its length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "10")
			w.Write(text[:10])
		}, Identity, true},
		{"an image", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(text)
		}, Identity, false},
		{"already encoded", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", Gzip)
			w.Write(text)
		}, Gzip, false},
		{"an event stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write(text)
		}, Identity, false},
		{"no body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNoContent)
		}, Identity, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(Compress(c.handler))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip, br")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ce := resp.Header.Get("Content-Encoding"); ce != c.coding {
				t.Fatalf("Content-Encoding %q, want %q", ce, c.coding)
			}
			if got := resp.Header.Get("Vary") == "Accept-Encoding"; got != c.vary {
				t.Errorf("Vary %q", resp.Header.Values("Vary"))
			}
			if resp.StatusCode == http.StatusNoContent {
				return
			}
			if c.coding == Brotli {
				if len(body) >= len(text)/2 {
					t.Errorf("%d bytes for %d", len(body), len(text))
				}
				body = decoded(t, Brotli, body)
			}
			if c.name != "already encoded" && !bytes.HasPrefix(text, body) {
				t.Errorf("the body differs from what the handler wrote")
			}
			if cl := resp.ContentLength; cl >= 0 && c.coding == Brotli && int(cl) == len(text) {
				t.Error("the compressed answer kept the identity Content-Length")
			}
		})
	}
}

// TestCompressStreams: a handler that flushes gets each flushed part to
// the client before it ends, compressed; one that hijacks its connection
// still can; an aborted answer does not end as a complete stream.
func TestCompressStreams(t *testing.T) {
	next := make(chan struct{})
	srv := httptest.NewServer(Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			w.Header().Set("Content-Type", "application/x-ndjson")
			for i := range 3 {
				io.WriteString(w, `{"part":`+string(rune('0'+i))+"}\n")
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("flush: %v", err)
				}
				<-next
			}
		case "/hijack":
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			buf.Flush()
			conn.Close()
		case "/abort":
			// Letters that compress little, so that most reach the client.
			b, x := make([]byte, 200000), uint32(1)
			for i := range b {
				x = x*1664525 + 1013904223
				b[i] = 'a' + byte(x>>24)%26
			}
			w.Header().Set("Content-Type", "text/plain")
			w.Write(b)
			http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}
	})))
	defer srv.Close()
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := get("/stream")
	if resp.Header.Get("Content-Encoding") != Gzip {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(zr)
	for i := range 3 {
		got := make(chan string, 1)
		go func() { l, _ := lines.ReadString('\n'); got <- l }()
		select {
		case l := <-got:
			if want := `{"part":` + string(rune('0'+i)) + "}\n"; l != want {
				t.Errorf("part %d: %q, want %q", i, l, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("part %d did not come before the handler went on", i)
		}
		next <- struct{}{}
	}
	if rest, err := io.ReadAll(lines); err != nil || len(rest) != 0 {
		t.Errorf("after the parts: %q, %v", rest, err)
	}
	resp.Body.Close()

	resp = get("/hijack")
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Errorf("hijacked: %q", b)
	}
	resp.Body.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/abort", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if resp, err := srv.Client().Do(req); err == nil {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("an aborted answer came whole")
		}
		if len(b) == 0 {
			t.Fatal("nothing of the aborted answer came")
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err == nil {
			_, err = io.ReadAll(zr)
		}
		if err == nil {
			t.Error("the aborted answer's gzip stream is complete")
		}
	}
}

// TestCompressAbortLeavesStreamOpen checks the bytes that an aborted
// handler leaves in its ResponseWriter: the compressed stream has no end,
// so a client cannot take what came for a whole answer. (Over a real
// connection the server also drops the last buffered bytes, which would
// hide an end written after the abort.)
func TestCompressAbortLeavesStreamOpen(t *testing.T) {
	h := Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("aborted halfway ", 1000))
		panic(http.ErrAbortHandler)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("the handler's panic became %v", p)
			}
		}()
		h.ServeHTTP(rec, req)
	}()
	if rec.Header().Get("Content-Encoding") != Gzip {
		t.Fatalf("Content-Encoding %q", rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if err == nil {
		_, err = io.ReadAll(zr)
	}
	if err == nil {
		t.Error("the aborted answer's gzip stream is complete")
	}
}

func TestEncode(t *testing.T) {
	text := []byte(strings.Repeat("brotli and gzip ", 200))
	for _, coding := range []string{Gzip, Brotli} {
		for range 2 { // the second time with a pooled encoder
			if got := decoded(t, coding, Encode(coding, text)); !bytes.Equal(got, text) {
				t.Errorf("%s: decodes to %d bytes that differ", coding, len(got))
			}
		}
	}
}
