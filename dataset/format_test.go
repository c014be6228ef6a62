package dataset_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
)

// mustOTE returns the OTE dataset's rows with their ids, as a store
// holds them.
func mustOTE(t *testing.T) ([]*hub.Node, []*hub.Relationship) {
	t.Helper()
	b, err := dataset.Batch()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range b.Nodes {
		n.ID = hub.NodeID(n.Kind, n.Key)
	}
	for _, r := range b.Relationships {
		r.ID = hub.RelationshipID(r.Key)
	}
	return b.Nodes, b.Relationships
}

// pruned decodes JSON into generic values and drops every empty value
// ("", null, [], {}), so that two spellings of the same facts compare
// equal whatever each leaves out.
func pruned(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return prune(v)
}

func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if x = prune(x); x != nil {
				out[k] = x
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, x := range v {
			out = append(out, prune(x))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if v == "" {
			return nil
		}
	}
	return v
}

// byKey indexes a pruned dataset file's lists by the rows' keys.
func byKey(t *testing.T, file any) map[string]any {
	t.Helper()
	out := map[string]any{}
	f := file.(map[string]any)
	for _, list := range []string{"sources", "nodes", "relationships"} {
		rows, _ := f[list].([]any)
		for _, r := range rows {
			m := r.(map[string]any)
			k := list + " " + strings.Join([]string{str(m["kind"]), str(m["key"]), str(m["type"]), str(m["from"]), str(m["to"])}, "|")
			if _, dup := out[k]; dup {
				t.Fatalf("two rows %s", k)
			}
			out[k] = m
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

// rowsJSON is the JSON of every row by id, the independent form in
// which two batches are compared.
func rowsJSON(t *testing.T, nodes []*hub.Node, rels []*hub.Relationship) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range nodes {
		n = n.Clone()
		n.ID = ""
		b, _ := json.Marshal(n)
		out[hub.NodeID(n.Kind, n.Key)] = string(b)
	}
	for _, r := range rels {
		r = r.Clone()
		r.ID = ""
		b, _ := json.Marshal(r)
		out[hub.RelationshipID(r.Key)] = string(b)
	}
	return out
}

func mustSameRows(t *testing.T, got, want map[string]string) {
	t.Helper()
	for id, w := range want {
		if g, ok := got[id]; !ok {
			t.Errorf("row %s is missing: want %s", id, w)
		} else if g != w {
			t.Errorf("row %s differs:\n got %s\nwant %s", id, g, w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("row %s is extra: %s", id, g)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	nodes, rels := mustOTE(t)
	var buf bytes.Buffer
	if err := dataset.WriteJSON(&buf, nodes, rels); err != nil {
		t.Fatal(err)
	}
	t.Run("the OTE dataset is written with the facts of ote.json", func(t *testing.T) {
		orig, err := os.ReadFile("ote.json")
		if err != nil {
			t.Fatal(err)
		}
		got, want := byKey(t, pruned(t, buf.Bytes())), byKey(t, pruned(t, orig))
		if len(got) != len(want) {
			t.Errorf("%d rows written, ote.json has %d", len(got), len(want))
		}
		for k, w := range want {
			if g := got[k]; !reflect.DeepEqual(g, w) {
				t.Errorf("%s:\n got %v\nwant %v", k, g, w)
			}
		}
	})
	t.Run("the file parses back to the same rows", func(t *testing.T) {
		b, err := dataset.Parse(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		mustSameRows(t, rowsJSON(t, b.Nodes, b.Relationships), rowsJSON(t, nodes, rels))
	})
	t.Run("a fact the format cannot hold fails the write and names the row", func(t *testing.T) {
		nodes, rels := mustOTE(t)
		i := slices.IndexFunc(nodes, func(n *hub.Node) bool { return n.Kind == hub.KindSourceDocument })
		nodes[i] = nodes[i].Clone()
		nodes[i].Name.EN = "An English title"
		rels[0] = rels[0].Clone()
		rels[0].Key = "a key of its own"
		var out bytes.Buffer
		err := dataset.WriteJSON(&out, nodes, rels)
		if err == nil || !strings.Contains(err.Error(), "source/"+nodes[i].Key+": ") || !strings.Contains(err.Error(), "name") ||
			!strings.Contains(err.Error(), "relationship a key of its own") || out.Len() > 0 {
			t.Errorf("err = %v, %d bytes written", err, out.Len())
		}
	})
	t.Run("business IDs, merged ids, statements, cited fields and alternatives are written and read back, as JSON and CSV", func(t *testing.T) {
		nodes, rels := mustOTE(t)
		i := slices.IndexFunc(nodes, func(n *hub.Node) bool { return n.Kind == hub.KindOrganisation })
		nodes[i] = nodes[i].Clone()
		gone := hub.NodeID(hub.KindOrganisation, "merged-away")
		nodes[i].MergedIDs = []string{gone}
		nodes[i].BusinessID = "0245437-2"
		nodes[i].ExternalIDs = []hub.ExternalID{{Scheme: "ytj", ID: "0245437-2"}, {Scheme: "partner:acme", ID: "A=1|B 2"}}
		// Statements, cited fields and alternatives travel too, in
		// both formats.
		nodes[i].Sources = append(slices.Clone(nodes[i].Sources), hub.Citation{StatedBy: "alice", Fields: []string{"name"}})
		nodes[i].Alternatives = []hub.Alternative{{Field: "name", Value: []byte(`{"fi":"Toinen nimi"}`),
			Sources: []hub.Citation{{SourceID: nodes[i].Sources[0].SourceID, Locator: "s. 2", Fields: []string{"name"}}}}}
		dir := t.TempDir()
		if err := dataset.WriteCSV(dir, nodes, rels); err != nil {
			t.Fatal(err)
		}
		ns, rs := readAll(t, dir)
		mustSameRows(t, rowsJSON(t, ns, rs), rowsJSON(t, nodes, rels))
		var out bytes.Buffer
		if err := dataset.WriteJSON(&out, nodes, rels); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"scheme": "partner:acme"`) {
			t.Errorf("the file does not carry the external ids")
		}
		if !strings.Contains(out.String(), `"merged": [`) || !strings.Contains(out.String(), `"organisation/merged-away"`) {
			t.Errorf("the file does not list the merged node by its reference")
		}
		b, err := dataset.Parse(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		j := slices.IndexFunc(b.Nodes, func(n *hub.Node) bool { return n.Kind == nodes[i].Kind && n.Key == nodes[i].Key })
		if j < 0 || !slices.Equal(b.Nodes[j].MergedIDs, []string{gone}) {
			t.Errorf("merged ids read back: %v", b.Nodes[j].MergedIDs)
		}
		mustSameRows(t, rowsJSON(t, b.Nodes, b.Relationships), rowsJSON(t, nodes, rels))
	})
	t.Run("a reference to a node that is not written fails the write", func(t *testing.T) {
		nodes, rels := mustOTE(t)
		nodes = slices.DeleteFunc(nodes, func(n *hub.Node) bool { return n.Kind == hub.KindRegion })
		err := dataset.WriteJSON(&bytes.Buffer{}, nodes, rels)
		if err == nil || !strings.Contains(err.Error(), "not written") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestReadJSONPlacesEveryBadRow(t *testing.T) {
	const file = `{
  "sources": [
    {"key": "s1", "title": "Lähde", "kind": "WEB_PAGE", "published": "2017-13-01"}
  ],
  "nodes": [
    {"kind": "organisation", "key": "a", "name": {"fi": "A"}, "sources": [{"source": "s1"}]},
    {"kind": "organisation", "key": "b", "name": {"fi": "B"}, "colour": "red"},
    {"kind": "planet", "key": "c", "name": {"fi": "C"}},
    {"kind": "organisation", "key": "d", "name": "D"},
    {"kind": "organisation", "key": "e", "name": {"fi": "E"}, "regions": ["01"]}
  ],
  "relationships": [
    {"type": "PARTNER_IN", "from": "organisation/a", "to": "pilot/x", "sources": [{"source": "s1"}]},
    {"type": "PARTNER_IN", "from": "a", "to": "pilot/x"}
  ]
}`
	all, err := dataset.ReadJSON("in.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	rows, bad := split(all)
	if len(rows) != 2 || rows[0].Node == nil || rows[0].Node.Key != "a" || rows[0].At.Line != 6 || rows[1].Relationship == nil || rows[1].At.Line != 13 {
		t.Errorf("rows = %+v", rows)
	}
	want := []string{
		`in.json:3 (sources[0]): source/s1: bad date "2017-13-01"`,
		`in.json:7 (nodes[1]): organisation/b: json: unknown field "colour"`,
		`in.json:8 (nodes[2]): planet/c: unknown kind "planet"`,
		`in.json:9 (nodes[3]): organisation/d: json: cannot unmarshal`,
		`in.json:10 (nodes[4]): organisation/e: bad reference "01"`,
		`in.json:14 (relationships[1]): PARTNER_IN:a:pilot/x: bad reference "a"`,
	}
	if len(bad) != len(want) {
		t.Fatalf("%d errors, want %d: %v", len(bad), len(want), bad)
	}
	for i, w := range want {
		if !strings.HasPrefix(bad[i].Error(), w) {
			t.Errorf("error %d = %q, want it to start with %q", i, bad[i], w)
		}
	}

	t.Run("broken JSON fails the file at its line", func(t *testing.T) {
		_, err := dataset.ReadJSON("in.json", []byte("{\n\"nodes\": [\n{\"kind\": }\n]}"))
		if err == nil || !strings.HasPrefix(err.Error(), "in.json:3: not valid JSON") {
			t.Errorf("err = %v", err)
		}
		_, err = dataset.ReadJSON("in.json", []byte(`{"people": []}`))
		if err == nil || !strings.Contains(err.Error(), `unknown list "people"`) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCSV(t *testing.T) {
	nodes, rels := mustOTE(t)
	dir := t.TempDir()
	if err := dataset.WriteCSV(dir, nodes, rels); err != nil {
		t.Fatal(err)
	}

	t.Run("every table is written, with its header", func(t *testing.T) {
		for _, table := range dataset.CSVTables() {
			data, err := os.ReadFile(filepath.Join(dir, table+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			header, _, _ := strings.Cut(string(data), "\n")
			if header != strings.Join(dataset.CSVColumns(table), ",") {
				t.Errorf("%s.csv header %q", table, header)
			}
		}
	})
	t.Run("the tables read back as the rows written", func(t *testing.T) {
		ns, rs := readAll(t, dir)
		mustSameRows(t, rowsJSON(t, ns, rs), rowsJSON(t, nodes, rels))
	})
	t.Run("a spreadsheet's spelling reads the same: byte order mark, semicolons, decimal comma", func(t *testing.T) {
		sheet := t.TempDir()
		for _, table := range dataset.CSVTables() {
			data, err := os.ReadFile(filepath.Join(dir, table+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			// Semicolons between cells, amounts with a decimal comma,
			// CRLF line ends and a byte order mark.
			data = bytes.ReplaceAll(reencode(t, data, ';'), []byte("\n"), []byte("\r\n"))
			data = bytes.ReplaceAll(data, []byte(";1200000;"), []byte(";1 200 000,00;"))
			os.WriteFile(filepath.Join(sheet, table+".csv"), append([]byte("\xEF\xBB\xBF"), data...), 0o644)
		}
		ns, rs := readAll(t, sheet)
		mustSameRows(t, rowsJSON(t, ns, rs), rowsJSON(t, nodes, rels))
	})
	t.Run("bad rows are placed by line; the rest is read", func(t *testing.T) {
		const table = "key,name_fi,type,regions,start,sources\n" +
			"a,A,COMPANY,region/01,2017-01-01,\"s1 | p. 3 | \"\"lainaus\"\"\"\n" +
			"b,B,COMPANY,,2017-1-1,s1\n" +
			"\"c\",\"C\nwith a line break\",COMPANY,,,s1\n" +
			",,,,,\n" +
			"d,D,COMPANY,,,s1 | a | b | c | d\n" +
			"e,E\n"
		all, err := dataset.ReadCSV("x/organisation.csv", []byte(table))
		if err != nil {
			t.Fatal(err)
		}
		rows, bad := split(all)
		if len(rows) != 2 || rows[0].At.Line != 2 || rows[1].At.Line != 4 || rows[1].Node.Name.FI != "C\nwith a line break" {
			t.Errorf("rows = %+v", rows)
		}
		a := rows[0].Node
		if a.Sources[0].Locator != "p. 3" || a.Sources[0].Quote != `"lainaus"` || a.RegionIDs[0] != hub.NodeID(hub.KindRegion, "01") {
			t.Errorf("a = %+v", a)
		}
		want := []string{
			`x/organisation.csv:3: organisation/b: bad date "2017-1-1"`,
			`x/organisation.csv:7: organisation/d: a citation is`,
			`x/organisation.csv:8: 2 cells, the header has 6`,
		}
		if len(bad) != len(want) {
			t.Fatalf("errors %v", bad)
		}
		for i, w := range want {
			if !strings.HasPrefix(bad[i].Error(), w) {
				t.Errorf("error %d = %q, want %q", i, bad[i], w)
			}
		}
	})
	t.Run("a file that is not a table fails as a whole", func(t *testing.T) {
		for name, data := range map[string]string{
			"organisations.csv": "key\n",
			"organisation.csv":  "key,colour\n",
			"pilot.csv":         "name_fi\nx\n",
			"theme.csv":         "key,type\n",
		} {
			if _, err := dataset.ReadCSV(name, []byte(data)); err == nil {
				t.Errorf("%s %q read", name, data)
			}
		}
		bad := t.TempDir()
		os.WriteFile(filepath.Join(bad, "organisations.csv"), []byte("key\n"), 0o644)
		if _, err := dataset.CSVFiles(bad); err == nil || !strings.Contains(err.Error(), "organisations.csv") {
			t.Errorf("CSVFiles: %v", err)
		}
	})
}

// reencode rewrites a CSV file with another separator.
func reencode(t *testing.T, data []byte, sep rune) []byte {
	t.Helper()
	recs, err := csvRead(data)
	if err != nil {
		t.Fatal(err)
	}
	return csvWrite(recs, sep)
}

func csvRead(data []byte) ([][]string, error) {
	return csv.NewReader(bytes.NewReader(data)).ReadAll()
}

func csvWrite(recs [][]string, sep rune) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = sep
	w.WriteAll(recs)
	return buf.Bytes()
}

// split separates the rows read from those that could not be.
func split(all []dataset.Row) (rows []dataset.Row, bad []error) {
	for _, r := range all {
		if r.Err != nil {
			bad = append(bad, r.Err)
		} else {
			rows = append(rows, r)
		}
	}
	return rows, bad
}

// readAll reads every CSV table of dir.
func readAll(t *testing.T, dir string) ([]*hub.Node, []*hub.Relationship) {
	t.Helper()
	files, err := dataset.CSVFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []*hub.Node
	var rs []*hub.Relationship
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all, err := dataset.ReadCSV(f, data)
		rows, bad := split(all)
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", f, err, bad)
		}
		for _, r := range rows {
			if r.Node != nil {
				ns = append(ns, r.Node)
			} else {
				rs = append(rs, r.Relationship)
			}
		}
	}
	return ns, rs
}
