package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/importer"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/storetest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

// backends open a fresh, empty store of each kind.
var backends = []struct {
	name string
	open func(t *testing.T) hub.Store
}{
	{"embedded", func(t *testing.T) hub.Store {
		s, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"mongodb", func(t *testing.T) hub.Store {
		s, err := mongodb.Open(mongodb.Options{URI: mongotest.URI(t), ServerSelectionTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if err := s.Init(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

// seeded returns a store of the backend holding the OTE dataset, written
// by the hub's seeding (not by the import).
func seeded(t *testing.T, open func(*testing.T) hub.Store) hub.Store {
	t.Helper()
	s := open(t)
	live := storetest.Follow(t, s)
	if err := dataset.Seed(t.Context(), live); err != nil {
		t.Fatal(err)
	}
	return s
}

// stored returns every row of s.
func stored(t *testing.T, s hub.Store) ([]*hub.Node, []*hub.Relationship) {
	t.Helper()
	var nodes []*hub.Node
	var rels []*hub.Relationship
	err := s.Load(t.Context(),
		func(n *hub.Node) error { nodes = append(nodes, n); return nil },
		func(r *hub.Relationship) error { rels = append(rels, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return nodes, rels
}

func exportJSON(t *testing.T, s hub.Store) []byte {
	t.Helper()
	nodes, rels := stored(t, s)
	var buf bytes.Buffer
	if err := dataset.WriteJSON(&buf, nodes, rels); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func exportCSV(t *testing.T, s hub.Store) string {
	t.Helper()
	nodes, rels := stored(t, s)
	dir := t.TempDir()
	if err := dataset.WriteCSV(dir, nodes, rels); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readJSON(t *testing.T, name string, data []byte) []dataset.Row {
	t.Helper()
	rows, err := dataset.ReadJSON(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func readCSV(t *testing.T, dir string) []dataset.Row {
	t.Helper()
	files, err := dataset.CSVFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rows []dataset.Row
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := dataset.ReadCSV(f, data)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	return rows
}

func mustRun(t *testing.T, s hub.Store, rows []dataset.Row, opts importer.Options) *importer.Report {
	t.Helper()
	rep, err := importer.Run(t.Context(), s, rows, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustCount(t *testing.T, what string, got importer.Count, created, updated, unchanged, failed int) {
	t.Helper()
	if got.Created != created || got.Updated != updated || got.Unchanged != unchanged || got.Failed != failed {
		t.Errorf("%s: created %d, updated %d, unchanged %d, failed %d; want %d, %d, %d, %d",
			what, got.Created, got.Updated, got.Unchanged, got.Failed, created, updated, unchanged, failed)
	}
}

func TestImport(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			src := seeded(t, b.open)
			want := storetest.Facts(t, src)
			total := len(want)

			roundTrip := func(t *testing.T, rows []dataset.Row) {
				dst := b.open(t)
				rep := mustRun(t, dst, rows, importer.Options{BatchSize: 40})
				if rep.ErrorCount > 0 {
					t.Fatalf("errors: %v", rep.Errors)
				}
				mustCount(t, "first import", rep.Total(), total, 0, 0, 0)
				storetest.MustSameFacts(t, storetest.Facts(t, dst), want)

				before := storetest.Versions(t, dst)
				rep = mustRun(t, dst, rows, importer.Options{BatchSize: 40})
				mustCount(t, "second import", rep.Total(), 0, 0, total, 0)
				if rep.Written != 0 || len(rep.Changes) != 0 {
					t.Errorf("the second import wrote %d batches: %v", rep.Written, rep.Changes)
				}
				if after := storetest.Versions(t, dst); !maps.Equal(after, before) {
					t.Errorf("the second import changed versions")
				}
			}
			t.Run("the JSON export imports into an empty store as the same network, and again as nothing", func(t *testing.T) {
				roundTrip(t, readJSON(t, "export.json", exportJSON(t, src)))
			})
			t.Run("the CSV export imports into an empty store as the same network, and again as nothing", func(t *testing.T) {
				roundTrip(t, readCSV(t, exportCSV(t, src)))
			})

			t.Run("a dry run writes nothing and reports what the real import then does", func(t *testing.T) {
				dst := b.open(t)
				mustRun(t, dst, readJSON(t, "export.json", exportJSON(t, src)), importer.Options{})
				var f map[string][]map[string]any
				if err := json.Unmarshal(exportJSON(t, src), &f); err != nil {
					t.Fatal(err)
				}
				// Three nodes renamed, a relationship's role changed, a
				// node added.
				renamed := 0
				for _, n := range f["nodes"] {
					if n["kind"] == "organisation" && renamed < 3 {
						n["name"].(map[string]any)["en"] = fmt.Sprintf("Renamed %d", renamed)
						renamed++
					}
				}
				f["relationships"][0]["role"] = "uusi rooli"
				f["nodes"] = append(f["nodes"], map[string]any{"kind": "theme", "key": "new-theme", "name": map[string]any{"fi": "Uusi teema"},
					"sources": []any{map[string]any{"source": "seed-000", "locator": "p. 1"}}})
				edited, _ := json.Marshal(f)
				rows := readJSON(t, "edited.json", edited)

				beforeFacts, beforeVersions := storetest.Facts(t, dst), storetest.Versions(t, dst)
				dry := mustRun(t, dst, rows, importer.Options{DryRun: true})
				if !maps.Equal(storetest.Versions(t, dst), beforeVersions) {
					t.Error("the dry run changed versions")
				}
				storetest.MustSameFacts(t, storetest.Facts(t, dst), beforeFacts)
				mustCount(t, "dry run", dry.Total(), 1, 4, total-4, 0)
				if !dry.DryRun || dry.Written != 0 {
					t.Errorf("dry run: %+v", dry)
				}
				var changes []string
				for _, c := range dry.Changes {
					changes = append(changes, fmt.Sprintf("%s %v %v", c.Row, c.Created, c.Fields))
				}
				for _, w := range []string{"theme/new-theme true [key kind name sources]", "[role]", "false [name]"} {
					if !slices.ContainsFunc(changes, func(c string) bool { return strings.Contains(c, w) }) {
						t.Errorf("no change %q in %q", w, changes)
					}
				}

				real := mustRun(t, dst, rows, importer.Options{})
				if real.Total() != dry.Total() || !slices.EqualFunc(real.Changes, dry.Changes, func(a, b importer.Change) bool {
					return a.Row == b.Row && a.Created == b.Created && slices.Equal(a.Fields, b.Fields)
				}) {
					t.Errorf("the real import reports %+v and %v; the dry run %+v and %v", real.Total(), real.Changes, dry.Total(), dry.Changes)
				}
				after := storetest.Versions(t, dst)
				moved := 0
				for id, v := range after {
					if v != beforeVersions[id] {
						moved++
					}
				}
				if moved != 5 {
					t.Errorf("%d rows have a new version after the import, want 5", moved)
				}
			})

			t.Run("a CSV with a bad row writes none of its batch, names file and line, and writes the other batches", func(t *testing.T) {
				dir := exportCSV(t, src)
				path := filepath.Join(dir, "relationships.csv")
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(string(data), "\n")
				// A PARTNER_IN row after line 60 gets an unknown type.
				bad := slices.IndexFunc(lines[60:], func(l string) bool { return strings.HasPrefix(l, "PARTNER_IN,") }) + 60
				lines[bad] = strings.Replace(lines[bad], "PARTNER_IN,", "PARTNERS_WITH,", 1)
				os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)

				rows := readCSV(t, dir)
				dst := b.open(t)
				const size = 25
				rep := mustRun(t, dst, rows, importer.Options{BatchSize: size})
				if rep.ErrorCount != 1 || !strings.Contains(rep.Errors[0].Error(), fmt.Sprintf("relationships.csv:%d: ", bad+1)) ||
					!strings.Contains(rep.Errors[0].Error(), "PARTNERS_WITH") {
					t.Fatalf("errors %v", rep.Errors)
				}
				// The rows in the order of writing: sources, nodes,
				// relationships; the bad row's batch is the one of its
				// place in that order.
				var order []string
				place := -1
				for _, r := range rows {
					if r.Node != nil && r.Node.Kind == hub.KindSourceDocument {
						order = append(order, hub.NodeID(r.Node.Kind, r.Node.Key))
					}
				}
				for _, r := range rows {
					if r.Node != nil && r.Node.Kind != hub.KindSourceDocument {
						order = append(order, hub.NodeID(r.Node.Kind, r.Node.Key))
					}
				}
				for _, r := range rows {
					if r.Relationship != nil {
						if r.Relationship.Type == "PARTNERS_WITH" {
							place = len(order)
						}
						order = append(order, hub.RelationshipID(r.Relationship.Key))
					}
				}
				first := place / size * size
				got := storetest.Versions(t, dst)
				for i, id := range order {
					_, in := got[id]
					switch {
					case i == place && in:
						t.Errorf("the bad row was written")
					case i >= first && i < first+size && in:
						t.Errorf("row %d (%s) of the bad batch was written", i, id)
					case (i < first || i >= first+size) && !in:
						t.Errorf("row %d (%s) of a good batch was not written", i, id)
					}
				}
				if len(rep.Skipped) != 1 || rep.Skipped[0] != place/size+1 {
					t.Errorf("skipped batches %v, want [%d]", rep.Skipped, place/size+1)
				}
				mustCount(t, "import", rep.Total(), total-size, 0, 0, size)
			})
		})
	}
}

// Rows that depend on a node that is not written are not written
// either, whatever batch they are in; every error names its row.
func TestImportErrors(t *testing.T) {
	const file = `{
  "sources": [
    {"key": "s1", "title": "Lähde", "kind": "WEB_PAGE"}
  ],
  "nodes": [
    {"kind": "organisation", "key": "a", "name": {"fi": "A"}, "type": "COMPANY", "sources": [{"source": "s1"}]},
    {"kind": "organisation", "key": "b", "name": {"fi": "B"}, "type": "SPACESHIP", "sources": [{"source": "s1"}]},
    {"kind": "organisation", "key": "a", "name": {"fi": "A again"}, "type": "COMPANY", "sources": [{"source": "s1"}]},
    {"kind": "organisation", "key": "c", "name": {"fi": "C"}, "type": "COMPANY", "sources": [{"source": "s2"}]},
    {"kind": "organisation", "key": "d", "name": {"fi": "D"}, "type": "COMPANY", "sources": [{"source": "s1"}]}
  ],
  "relationships": [
    {"type": "REFERS_TO", "from": "organisation/a", "to": "organisation/d", "sources": [{"source": "s1"}]},
    {"type": "REFERS_TO", "from": "organisation/d", "to": "organisation/b", "sources": [{"source": "s1"}]},
    {"type": "PART_OF", "from": "organisation/a", "to": "organisation/d", "sources": [{"source": "s1"}]},
    {"type": "PART_OF", "from": "organisation/a", "to": "organisation/c", "key": "other", "sources": [{"source": "s1"}]}
  ]
}`
	s := backends[0].open(t)
	// Batches of two: [s1 a] [b a-again] [c d] [a→d d→b] [a⊂d a⊂c].
	rep := mustRun(t, s, readJSON(t, "in.json", []byte(file)), importer.Options{BatchSize: 2})
	want := []string{
		`in.json:7 (nodes[1]): organisation/b: Organisation/b: type "SPACESHIP" is not one of`,
		`in.json:8 (nodes[2]): organisation/a: appears twice in the import: first at in.json:6 (nodes[0])`,
		`in.json:9 (nodes[3]): organisation/c: Organisation/c cites`,
		`in.json:13 (relationships[0]): REFERS_TO:organisation/a:organisation/d: not written: it refers to organisation/d (in.json:10 (nodes[4])), which is not written`,
		`in.json:16 (relationships[3]): PART_OF:organisation/a:organisation/c:other: relationship PART_OF:organisation/a:organisation/c:other gives a second parent`,
	}
	if rep.ErrorCount != len(want) {
		t.Fatalf("errors %q", rep.Errors)
	}
	for i, w := range want {
		if !strings.HasPrefix(rep.Errors[i].Error(), w) {
			t.Errorf("error %d = %q, want %q", i, rep.Errors[i], w)
		}
	}
	got := storetest.Versions(t, s)
	for _, n := range []struct {
		id      string
		written bool
	}{
		{hub.NodeID(hub.KindSourceDocument, "s1"), true},
		{hub.NodeID(hub.KindOrganisation, "a"), true},
		{hub.NodeID(hub.KindOrganisation, "b"), false},
		{hub.NodeID(hub.KindOrganisation, "c"), false},
		{hub.NodeID(hub.KindOrganisation, "d"), false},
		{hub.RelationshipID("REFERS_TO:organisation/a:organisation/d"), false},
		{hub.RelationshipID("PART_OF:organisation/a:organisation/d"), false},
	} {
		if _, ok := got[n.id]; ok != n.written {
			t.Errorf("%s written: %v, want %v", n.id, ok, n.written)
		}
	}
}
