package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCSVForm checks the bytes of a CSV export against hand-written CSV:
// the byte order mark, CRLF, RFC 4180 quoting of commas, quotes, line
// breaks (written CRLF) and a leading space, nested objects as dotted columns, lists joined with "; ", null
// as an empty cell and columns that only a later row has.
func TestCSVForm(t *testing.T) {
	answer := `{"data":{"things":{"totalCount":3,"nodes":[
		{"name":"a, \"b\"\nc","n":1.5,"ok":true,"tags":["x","y"],"place":{"fi":"Ä","en":null},"parts":[{"k":"p"},{"k":"q"}]},
		{"name":" lead","n":2,"ok":false,"tags":[],"place":null,"parts":[]},
		{"name":"z","n":-3,"ok":null,"tags":["w"],"place":{"fi":"ö","en":"o"},"parts":[{"k":"r"}],"late":"L"}
	]}}}`
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/graphql" || r.URL.Query().Get("query") != "{q}" {
			t.Errorf("asked %s", r.URL)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	})
	rec := httptest.NewRecorder()
	CSV(api, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/csv?query=%7Bq%7D", nil))
	want := "\uFEFF" +
		"name,n,ok,tags,place.fi,place.en,parts.k,late\r\n" +
		"\"a, \"\"b\"\"\r\nc\",1.5,true,x; y,Ä,,p; q,\r\n" +
		"\" lead\",2,false,,,,,\r\n" +
		"z,-3,,w,ö,o,r,L\r\n"
	if rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Errorf("%d\n got %q\nwant %q", rec.Code, rec.Body.String(), want)
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="ote-things.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
}
