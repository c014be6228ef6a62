package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/importer"
	"github.com/otehub/hub/web"
)

// fetchURL fetches path from m with the given request headers (name, value, ...).
func fetchURL(t *testing.T, m *Main, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// shape lists a schema's own types as "Type.field(arg,...)" and
// "Enum.VALUE" lines, sorted: what a client can ask for.
func shape(s *ast.Schema) []string {
	var out []string
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		out = append(out, string(def.Kind)+" "+name)
		for _, f := range def.Fields {
			line := name + "." + f.Name + ":" + f.Type.String()
			for _, a := range f.Arguments {
				line += " " + a.Name + ":" + a.Type.String()
			}
			if d := f.Directives.ForName("deprecated"); d != nil {
				line += " @deprecated"
			}
			out = append(out, line)
		}
		for _, v := range def.EnumValues {
			out = append(out, name+"."+v.Name)
		}
	}
	slices.Sort(out)
	return out
}

func TestSchemaDownload(t *testing.T) {
	// The oracle: the schema files in the repository, parsed here.
	var sources []*ast.Source
	for _, p := range []string{"schema.graphqls", "graph/kinds.graphqls"} {
		b, err := os.ReadFile(filepath.Join("..", p))
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: p, Input: string(b)})
	}
	want, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}

	m := MustRunMain(t, nil)
	resp, body := fetchURL(t, m, "/schema.graphql")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	got, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(body)})
	if err != nil {
		t.Fatalf("the downloaded SDL does not parse: %v", err)
	}
	gs, ws := shape(got), shape(want)
	if len(ws) < 500 {
		t.Fatalf("the oracle has only %d lines", len(ws))
	}
	if !slices.Equal(gs, ws) {
		for _, l := range ws {
			if !slices.Contains(gs, l) {
				t.Errorf("missing from the download: %s", l)
			}
		}
		for _, l := range gs {
			if !slices.Contains(ws, l) {
				t.Errorf("not in the schema files: %s", l)
			}
		}
	}
	if got.Query.Fields.ForName("organisations").Description == "" {
		t.Error("descriptions are left out")
	}

	tag := resp.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	again, b := fetchURL(t, m, "/schema.graphql", "If-None-Match", tag)
	if again.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("revalidation: %d, %d bytes", again.StatusCode, len(b))
	}
	gz, _ := fetchURL(t, m, "/schema.graphql", "Accept-Encoding", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("not compressed: %q", gz.Header.Get("Content-Encoding"))
	}

	t.Run("a hub without introspection does not publish it", func(t *testing.T) {
		m := MustRunMain(t, map[string]string{"HUB_INTROSPECTION": "false"})
		if resp, _ := fetchURL(t, m, "/schema.graphql"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%d", resp.StatusCode)
		}
	})
}

// listAll reads every page of a collection: the nodes with the fields
// selected, under the where condition (a GraphQL object, "" for none).
func listAll(t *testing.T, m *Main, field, where, fields string, vars map[string]any) []any {
	t.Helper()
	arg := ""
	if where != "" {
		arg = ", where: " + where
	}
	decl := ""
	if strings.Contains(where, "$since") {
		decl = ", $since: DateTime"
	}
	q := `query($after: String` + decl + `) { ` + field + `(first: 100, after: $after` + arg + `) { nodes { ` + fields + ` } pageInfo { hasNextPage endCursor } } }`
	var out []any
	v := map[string]any{}
	for k, x := range vars {
		v[k] = x
	}
	for {
		r := postQuery(t, m, q, v)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", field, r.Errors)
		}
		list, _ := path(r.Data, field, "nodes").([]any)
		out = append(out, list...)
		if path(r.Data, field, "pageInfo", "hasNextPage") != true {
			return out
		}
		v["after"] = path(r.Data, field, "pageInfo", "endCursor")
	}
}

// ids returns the ids of rows, sorted.
func ids(rows []any) []string {
	var out []string
	for _, n := range rows {
		out = append(out, path(n, "id").(string))
	}
	slices.Sort(out)
	return out
}

// newerThan lists the ids of the rows (with updatedAt) updated at or
// after since: the oracle of updatedSince.
func newerThan(t *testing.T, rows []any, since time.Time) []string {
	t.Helper()
	if len(rows) < 10 {
		t.Fatalf("only %d rows", len(rows))
	}
	var out []any
	for _, n := range rows {
		at, err := time.Parse(time.RFC3339Nano, path(n, "updatedAt").(string))
		if err != nil {
			t.Fatal(err)
		}
		if !at.Before(since) {
			out = append(out, n)
		}
	}
	return ids(out)
}

// TestIncrementalSync writes through mutations on both stores: updatedSince
// the time before the writes answers exactly the rows written, and the
// full dump imports into an empty store as the same network.
func TestIncrementalSync(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	personal := mustReadPersonalData(t)
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			logs := &syncBuffer{}
			m := mustRunMainWith(t, withEnv(b.env(t), "HUB_API_KEYS_FILE", keysFile), func(m *Main) { m.LogOutput = logs })
			MustBeReady(t, m, 30*time.Second)
			time.Sleep(5 * time.Millisecond)
			// The hub keeps times to the millisecond.
			before := time.Now().UTC().Truncate(time.Millisecond)

			own := hub.NodeID(hub.KindOrganisation, "synkkajarjesto")
			_, r := postAs(t, m, editorKey, createNode, map[string]any{"in": map[string]any{"kind": "Organisation", "key": "synkkajarjesto",
				"fields": map[string]any{"name": map[string]any{"fi": "Synkkajärjestö"}, "type": "ASSOCIATION",
					"sources": []any{map[string]any{"sourceId": source, "quote": "testi"}}}}})
			if path(r.Data, "createNode", "node", "id") != own {
				t.Fatalf("createNode: %+v", r)
			}
			// A relationship written through the API goes into the dump
			// under the key an import of it gives back.
			other := hub.NodeID(hub.KindOrganisation, "thl")
			_, r = postAs(t, m, editorKey, createRel, map[string]any{"in": map[string]any{"type": "REFERS_TO", "fromId": own, "toId": other,
				"fields": map[string]any{"sources": []any{map[string]any{"sourceId": source}}}}})
			relID, _ := path(r.Data, "createRelationship", "relationship", "id").(string)
			if relID == "" {
				t.Fatalf("createRelationship: %+v", r)
			}

			// The dump, as a key holder (with contact details) sees it.
			req, _ := http.NewRequest(http.MethodGet, m.URL()+"/export/dataset.json", nil)
			req.Header.Set("Authorization", "Bearer "+editorKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			dump, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("dump: %d %q etag %q: %.500s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"), dump, logs)
			}
			var file struct {
				Meta          dataset.Meta
				Nodes         []json.RawMessage
				Sources       []json.RawMessage
				Relationships []json.RawMessage
			}
			if err := json.Unmarshal(dump, &file); err != nil {
				t.Fatal(err)
			}
			meta := file.Meta
			if meta.Version == "" || meta.License != web.DefaultLicense || meta.Title == "" ||
				meta.Nodes != len(file.Nodes)+len(file.Sources) || meta.Relationships != len(file.Relationships) ||
				meta.Modified.Before(before) || time.Since(meta.Modified) > time.Minute {
				t.Errorf("meta %+v (%d nodes, %d sources, %d relationships; written after %v)", meta, len(file.Nodes), len(file.Sources), len(file.Relationships), before)
			}

			// Into an empty store, then written out again: the same file,
			// less its description.
			rows, err := dataset.ReadJSON("dump", dump)
			if err != nil {
				t.Fatal(err)
			}
			empty, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer empty.Close()
			report, err := importer.Run(t.Context(), empty, rows, importer.Options{})
			if err != nil || report.Total().Failed > 0 {
				t.Fatalf("import: %v %+v", err, report)
			}
			var nodes []*hub.Node
			var rels []*hub.Relationship
			if err := empty.Load(t.Context(), func(n *hub.Node) error { nodes = append(nodes, n); return nil },
				func(r *hub.Relationship) error { rels = append(rels, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(nodes) != meta.Nodes || len(rels) != meta.Relationships {
				t.Errorf("imported %d nodes, %d relationships; the dump has %d, %d", len(nodes), len(rels), meta.Nodes, meta.Relationships)
			}
			var again bytes.Buffer
			if err := dataset.WriteJSON(&again, nodes, rels); err != nil {
				t.Fatal(err)
			}
			var want, got2 map[string]any
			json.Unmarshal(dump, &want)
			delete(want, "meta")
			json.Unmarshal(again.Bytes(), &got2)
			if w, g := mustJSON(t, want), mustJSON(t, got2); w != g {
				t.Errorf("the imported dump differs from the dump (%d vs %d bytes)", len(w), len(g))
			}

			// Anonymous: no contact details anywhere.
			resp2, anon := fetchURL(t, m, "/export/dataset.json")
			if resp2.StatusCode != 200 {
				t.Fatalf("anonymous dump: %d", resp2.StatusCode)
			}
			if found := personal.Find(string(anon)); found != "" {
				t.Errorf("the anonymous dump holds %q", found)
			}
			if personal.Find(string(dump)) == "" {
				t.Error("the key holder's dump holds no contact details: the check above checks nothing")
			}
			if again, _ := fetchURL(t, m, "/export/dataset.json", "If-None-Match", resp2.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: %d", again.StatusCode)
			}

			since := map[string]any{"since": before.Format(time.RFC3339Nano)}
			for _, c := range []struct{ field, want string }{{"organisations", own}, {"relationships", relID}} {
				got := ids(listAll(t, m, c.field, `{updatedSince: $since}`, "id", since))
				if !slices.Equal(got, []string{c.want}) {
					t.Errorf("%s updatedSince %v: %v, want [%s]", c.field, since, got, c.want)
				}
				if want := newerThan(t, listAll(t, m, c.field, "", "id updatedAt", nil), before); !slices.Equal(got, want) {
					t.Errorf("%s updatedSince %v, the listing says %v", c.field, got, want)
				}
			}
			// Combined with other conditions; and before every write.
			if got := listAll(t, m, "organisations", `{updatedSince: $since, nameContains: "thl"}`, "id", since); len(got) != 0 {
				t.Errorf("an older organisation matched: %v", got)
			}
			got, all := listAll(t, m, "pilots", `{updatedSince: "2000-01-01T00:00:00Z"}`, "id", nil), listAll(t, m, "pilots", "", "id", nil)
			if len(got) == 0 || !slices.Equal(ids(got), ids(all)) {
				t.Errorf("updatedSince 2000: %d of %d pilots", len(got), len(all))
			}

		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
