package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub/graph"
)

// csvRows fetches a CSV export and checks its form (status, type, BOM,
// CRLF); it returns the header and the rows.
func csvRows(t *testing.T, m *Main, path string, headers ...string) ([]string, [][]string) {
	t.Helper()
	resp, body := fetchURL(t, m, path, headers...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv; charset=utf-8") {
		t.Errorf("Content-Type %q", ct)
	}
	rest, ok := bytes.CutPrefix(body, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("no byte order mark: %q", body[:min(len(body), 20)])
	}
	if i := bytes.IndexByte(rest, '\n'); i < 1 || rest[i-1] != '\r' {
		t.Errorf("the header line does not end with CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180 CSV: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no header")
	}
	return recs[0], recs[1:]
}

func csvURL(query string, vars map[string]any) string {
	v := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		v.Set("variables", string(b))
	}
	return "/export/csv?" + v.Encode()
}

// str renders a JSON leaf as the CSV should (null is empty).
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return fmt.Sprint(v)
}

// TestCSVExport checks that the CSV of a query has the rows of the
// query's JSON answer (the oracle, asked over POST /graphql), for a
// filtered collection, an aggregate and a collection read page by page,
// and that an anonymous caller's CSV of contacts has no e-mail or phone.
func TestCSVExport(t *testing.T) {
	pd := mustReadPersonalData(t)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, b.env(t))
			MustBeReady(t, m, 30*time.Second)

			cases := []struct {
				name, query string
				vars        map[string]any
				list        []string // path of the list in the JSON answer
				header      []string
				row         func(n any) []string
			}{
				{
					name:   "filtered collection",
					query:  `query($q: String) { organisations(first: 100, where: {nameContains: $q}) { totalCount nodes { id name type names { fi en } abbreviations regions { name } } } }`,
					vars:   map[string]any{"q": "a"},
					list:   []string{"organisations", "nodes"},
					header: []string{"id", "name", "type", "names.fi", "names.en", "abbreviations", "regions.name"},
					row: func(n any) []string {
						var abbr, regions []string
						for _, a := range path(n, "abbreviations").([]any) {
							abbr = append(abbr, a.(string))
						}
						for _, r := range path(n, "regions").([]any) {
							regions = append(regions, path(r, "name").(string))
						}
						return []string{str(path(n, "id")), str(path(n, "name")), str(path(n, "type")), str(path(n, "names", "fi")), str(path(n, "names", "en")),
							strings.Join(abbr, "; "), strings.Join(regions, "; ")}
					},
				},
				{
					name:   "aggregate",
					query:  `{ aggregates { nodeCounts(by: REGION, kinds: [Organisation, Service]) { key count node { id name } } } }`,
					list:   []string{"aggregates", "nodeCounts"},
					header: []string{"key", "count", "node.id", "node.name"},
					row: func(n any) []string {
						return []string{str(path(n, "key")), str(path(n, "count")), str(path(n, "node", "id")), str(path(n, "node", "name"))}
					},
				},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := postQuery(t, m, c.query, c.vars)
					if len(r.Errors) > 0 {
						t.Fatalf("%+v", r.Errors)
					}
					keys := make([]any, len(c.list))
					for i, k := range c.list {
						keys[i] = k
					}
					list, _ := path(r.Data, keys...).([]any)
					if len(list) < 5 {
						t.Fatalf("the oracle has only %d rows", len(list))
					}
					var want [][]string
					for _, n := range list {
						want = append(want, c.row(n))
					}
					header, rows := csvRows(t, m, csvURL(c.query, c.vars))
					if !slices.Equal(header, c.header) {
						t.Errorf("header %q, want %q", header, c.header)
					}
					if !slices.EqualFunc(rows, want, slices.Equal) {
						t.Errorf("rows differ from the JSON answer's:\n got %q\nwant %q", rows, want)
					}
				})
			}

			t.Run("every page", func(t *testing.T) {
				want := ids(listAll(t, m, "services", "", "id", nil))
				q := `query($after: String) { services(first: 5, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`
				header, rows := csvRows(t, m, csvURL(q, nil))
				var got []string
				for _, r := range rows {
					got = append(got, r[0])
				}
				slices.Sort(got)
				if header[0] != "id" || len(want) < 11 || !slices.Equal(got, want) {
					t.Errorf("header %q, %d ids, want the %d of every page", header, len(got), len(want))
				}
			})

			t.Run("every collection's URL", func(t *testing.T) {
				names := graph.CollectionNames(graph.CollectionQueries())
				if len(names) < 14 {
					t.Fatalf("only %d collections: %q", len(names), names)
				}
				for _, name := range names {
					r := postQuery(t, m, `{ `+name+`(first: 0) { totalCount } }`, nil)
					total, ok := path(r.Data, name, "totalCount").(float64)
					if len(r.Errors) > 0 || !ok {
						t.Fatalf("%s: %+v", name, r.Errors)
					}
					header, rows := csvRows(t, m, "/export/"+name+".csv")
					if len(rows) != int(total) || header[0] != "id" {
						t.Errorf("%s.csv: %d rows, header %q; totalCount %v", name, len(rows), header, total)
					}
				}
				want := ids(listAll(t, m, "organisations", "", "id", nil))
				_, rows := csvRows(t, m, "/export/organisations.csv")
				var got []string
				for _, r := range rows {
					got = append(got, r[0])
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("organisations.csv ids %q, want %q", got, want)
				}
			})

			t.Run("anonymous contacts", func(t *testing.T) {
				q := `{ contacts(first: 100) { nodes { id name title email phone } } }`
				resp, body := fetchURL(t, m, csvURL(q, nil))
				if leak := pd.Find(string(body)); leak != "" {
					t.Errorf("the CSV shows %q", leak)
				}
				header, rows := csvRows(t, m, csvURL(q, nil))
				if len(rows) != len(pd.contacts) || !slices.Equal(header, []string{"id", "name", "title", "email", "phone"}) {
					t.Fatalf("%d rows for %d contacts, header %q", len(rows), len(pd.contacts), header)
				}
				for _, r := range rows {
					if r[3] != "" || r[4] != "" {
						t.Errorf("%s has e-mail %q, phone %q", r[0], r[3], r[4])
					}
				}
				tag := resp.Header.Get("ETag")
				if again, b := fetchURL(t, m, csvURL(q, nil), "If-None-Match", tag); tag == "" || again.StatusCode != http.StatusNotModified || len(b) != 0 {
					t.Errorf("revalidation with %q: %d", tag, again.StatusCode)
				}
			})

			t.Run("errors", func(t *testing.T) {
				for _, c := range []struct {
					url    string
					status int
					code   string
				}{
					{"/export/csv", http.StatusBadRequest, "BAD_USER_INPUT"},
					{csvURL(`{ organisations(first: 1000) { nodes { id } } }`, nil), 0, ""},
					{csvURL(`{ nosuchfield { id } }`, nil), 0, "GRAPHQL_VALIDATION_FAILED"},
					{csvURL(`mutation { deleteNode(id: "x") { id } }`, nil), 0, ""},
					{csvURL(`{ organisations(first: 1) { totalCount } }`, nil), http.StatusBadRequest, ""},
				} {
					resp, body := fetchURL(t, m, c.url)
					if resp.StatusCode < 400 || c.status != 0 && resp.StatusCode != c.status || !strings.Contains(string(body), c.code) {
						t.Errorf("%s: %d %s", c.url, resp.StatusCode, body)
					}
					if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
						t.Errorf("%s: an error answered as CSV", c.url)
					}
				}
			})
		})
	}
}
