package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
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
