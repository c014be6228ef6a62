package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCSVForm checks the bytes of CSV exports against hand-written CSV:
// the byte order mark, CRLF, RFC 4180 quoting of commas, quotes, line
// breaks (written CRLF) and a leading space, nested objects as dotted
// columns, lists joined with "; ", null as an empty cell, and where a
// column goes that a later row is the first to have.
func TestCSVForm(t *testing.T) {
	for _, c := range []struct {
		name, answer, want, file string
	}{
		{
			name: "values",
			answer: `{"data":{"things":{"totalCount":3,"nodes":[
				{"name":"a, \"b\"\nc","n":1.5,"ok":true,"tags":["x","y"],"place":{"fi":"Ä","en":null},"parts":[{"k":"p"},{"k":"q"}]},
				{"name":" lead","n":2,"ok":false,"tags":[],"place":null,"parts":[]},
				{"name":"z","n":-3,"ok":null,"tags":["w"],"place":{"fi":"ö","en":"o"},"parts":[{"k":"r"}],"late":"L"}
			]}}}`,
			want: "\uFEFF" +
				"name,n,ok,tags,place.fi,place.en,parts.k,late\r\n" +
				"\"a, \"\"b\"\"\r\nc\",1.5,true,x; y,Ä,,p; q,\r\n" +
				"\" lead\",2,false,,,,,\r\n" +
				"z,-3,,w,ö,o,r,L\r\n",
			file: "ote-things.csv",
		},
		{
			name:   "a null object before its fields",
			answer: `{"data":{"aggregates":{"counts":[{"a":1,"p":null,"z":2},{"a":3,"p":{"id":"x","n":"y"},"z":4}]}}}`,
			want:   "\uFEFFa,p.id,p.n,z\r\n1,,,2\r\n3,x,y,4\r\n",
			file:   "ote-aggregates-counts.csv",
		},
		{
			name: "texts a spreadsheet would take for formulas",
			answer: `{"data":{"rows":[
				{"t":"=HYPERLINK(\"http://x\")","n":-3},
				{"t":"+358 40","n":2},
				{"t":"-1+2","n":0},
				{"t":"@SUM(A1)","n":1},
				{"t":"\t=1","n":1},
				{"t":"\r=1","n":1},
				{"t":"a=1","n":1},
				{"t":"","n":1}
			]}}`,
			want: "\uFEFFt,n\r\n" +
				"\"'=HYPERLINK(\"\"http://x\"\")\",-3\r\n" +
				"'+358 40,2\r\n" +
				"'-1+2,0\r\n" +
				"'@SUM(A1),1\r\n" +
				"'\t=1,1\r\n" +
				// With CRLF line ends, encoding/csv drops a lone carriage return.
				"\"'=1\",1\r\n" +
				"a=1,1\r\n" +
				",1\r\n",
			file: "ote-rows.csv",
		},
		{
			name:   "a list of scalars",
			answer: `{"data":{"names":["a","b,c"]}}`,
			want:   "\uFEFFvalue\r\na\r\n\"b,c\"\r\n",
			file:   "ote-names.csv",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/graphql" || r.URL.Query().Get("query") != "{q}" {
					t.Errorf("asked %s", r.URL)
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, c.answer)
			})
			rec := httptest.NewRecorder()
			CSV(api, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/csv?query=%7Bq%7D", nil))
			if rec.Code != http.StatusOK || rec.Body.String() != c.want {
				t.Errorf("%d\n got %q\nwant %q", rec.Code, rec.Body.String(), c.want)
			}
			if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="`+c.file+`"` {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
	}
}
