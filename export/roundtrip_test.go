package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// The round trip tests read every export back with the tool people use
// to analyse networks, networkx (testdata/roundtrip.py), so that "valid
// GraphML/GEXF" means "another program reads it", not only "our parser
// agrees with our writer".

// pythonWithNetworkx returns a Python that imports networkx: $HUB_PYTHON,
// else the module's .venv. Without one the test fails under CI (CI is
// set) and is skipped loudly elsewhere.
func pythonWithNetworkx(t *testing.T) string {
	t.Helper()
	py := os.Getenv("HUB_PYTHON")
	if py == "" {
		py = filepath.Join(moduleRoot(t), ".venv", "bin", "python")
	}
	out, err := exec.Command(py, "-c", "import networkx; print(networkx.__version__)").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("networkx round trip NOT RUN: %s cannot import networkx (%v: %s). "+
			"Run scripts/install-pytools.sh or set HUB_PYTHON to a Python with networkx.", py, err, strings.TrimSpace(string(out)))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("!!!!!!!! " + msg)
	}
	t.Logf("networkx %s (%s)", strings.TrimSpace(string(out)), py)
	return py
}

// moduleRoot returns the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// nxResult is what roundtrip.py prints.
type nxResult struct {
	Directed   bool                      `json:"directed"`
	Multigraph bool                      `json:"multigraph"`
	Nodes      int                       `json:"nodes"`
	Edges      int                       `json:"edges"`
	Graph      map[string]any            `json:"graph"`
	Node       map[string]map[string]any `json:"node"`
	Edge       map[string]map[string]any `json:"edge"`
}

// mustRoundTrip writes the network in format to a file, reads it with
// networkx and returns what networkx saw for ids.
func mustRoundTrip(t *testing.T, py, format string, nodes []*hub.Node, edges []*hub.Relationship, opt Options, ids []string) *nxResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "network"+Extension(format))
	if err := os.WriteFile(path, mustWrite(t, format, nodes, edges, opt), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	args := append([]string{filepath.Join("testdata", "roundtrip.py"), format, path}, ids...)
	cmd := exec.CommandContext(ctx, py, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("networkx could not read the %s export: %v\n%s", format, err, stderr.String())
	}
	var r nxResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("roundtrip.py output: %v\n%s", err, out)
	}
	return &r
}

// expectNode is what a reader should find on n: the documented columns,
// computed here independently of build.
func expectNode(n *hub.Node, format string, opt Options) map[string]any {
	m := map[string]any{"label": n.DisplayName(opt.Language), "kind": string(n.Kind)}
	if n.Kind == hub.KindContact {
		return m
	}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	list := func(k string, l []string) {
		if len(l) == 0 {
			return
		}
		if format == FormatCytoscapeJSON {
			items := make([]any, len(l))
			for i, s := range l {
				items[i] = s
			}
			m[k] = items
		} else {
			m[k] = strings.Join(l, ";")
		}
	}
	put("type", n.Type)
	put("key", n.Key)
	put("code", n.Code)
	list("regionIds", n.RegionIDs)
	list("abbreviations", n.Abbreviations)
	if n.Period != nil {
		if n.Period.Start != nil {
			m["start"] = n.Period.Start.Format("2006-01-02")
		}
		if n.Period.End != nil {
			m["end"] = n.Period.End.Format("2006-01-02")
		}
	}
	var parts, ids []string
	for _, c := range n.Sources {
		parts = append(parts, citationText(c, opt))
		if !slices.Contains(ids, c.SourceID) {
			ids = append(ids, c.SourceID)
		}
	}
	put("sources", strings.Join(parts, " | "))
	list("sourceIds", ids)
	for name, values := range opt.Metrics {
		if v, ok := values[n.ID]; ok {
			m[name] = v
		}
	}
	return m
}

func expectEdge(r *hub.Relationship, format string, opt Options) map[string]any {
	m := map[string]any{"source": r.FromID, "target": r.ToID, "label": string(r.Type), "type": string(r.Type)}
	if r.Role != "" {
		m["role"] = r.Role
	}
	if r.Amount != nil {
		m["amount"] = float64(r.Amount.Minor) / 100
		m["currency"] = r.Amount.Currency
	}
	if r.Period != nil {
		if r.Period.Start != nil {
			m["start"] = r.Period.Start.Format("2006-01-02")
		}
		if r.Period.End != nil {
			m["end"] = r.Period.End.Format("2006-01-02")
		}
	}
	var parts, ids []string
	for _, c := range r.Sources {
		parts = append(parts, citationText(c, opt))
		if !slices.Contains(ids, c.SourceID) {
			ids = append(ids, c.SourceID)
		}
	}
	if len(parts) > 0 {
		m["sources"] = strings.Join(parts, " | ")
		if format == FormatCytoscapeJSON {
			items := make([]any, len(ids))
			for i, s := range ids {
				items[i] = s
			}
			m["sourceIds"] = items
		} else {
			m["sourceIds"] = strings.Join(ids, ";")
		}
	}
	return m
}

func citationText(c hub.Citation, opt Options) string {
	title := c.SourceID
	if d := opt.Documents[c.SourceID]; d != nil {
		title = d.DisplayName(opt.Language)
	}
	if c.Locator == "" {
		return title
	}
	return title + " — " + c.Locator
}

// checkRead compares what networkx read with the expectations. GEXF
// readers add a "viz" colour to nodes, which is allowed.
func checkRead(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: networkx did not find it", what)
		return
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: %s missing, want %#v", what, k, w)
			continue
		}
		if fmt.Sprint(g) != fmt.Sprint(w) || fmt.Sprintf("%T", g) != fmt.Sprintf("%T", w) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && k != "viz" {
			t.Errorf("%s: unexpected %s = %#v", what, k, g)
		}
	}
}

// checkNetwork runs the round trip in every format and checks counts,
// direction, the truncated flag and every listed node and edge.
func checkNetwork(t *testing.T, py string, nodes []*hub.Node, edges []*hub.Relationship, opt Options, logIDs []string) map[string]*nxResult {
	t.Helper()
	ids := make([]string, 0, len(nodes)+len(edges))
	for _, n := range nodes {
		ids = append(ids, n.ID)
	}
	for _, r := range edges {
		ids = append(ids, r.ID)
	}
	results := map[string]*nxResult{}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			r := mustRoundTrip(t, py, format, nodes, edges, opt, ids)
			results[format] = r
			if r.Nodes != len(nodes) || r.Edges != len(edges) {
				t.Errorf("networkx read %d nodes, %d edges, want %d, %d", r.Nodes, r.Edges, len(nodes), len(edges))
			}
			if !r.Directed {
				t.Error("networkx read an undirected graph")
			}
			if format != FormatGEXF { // GEXF has no graph attributes
				if got, ok := r.Graph["truncated"].(bool); !ok || got != opt.Truncated {
					t.Errorf("graph truncated = %#v, want %v", r.Graph["truncated"], opt.Truncated)
				}
			}
			for _, n := range nodes {
				checkRead(t, "node "+string(n.Kind)+"/"+n.Key, r.Node[n.ID], expectNode(n, format, opt))
			}
			for _, e := range edges {
				checkRead(t, "edge "+e.Key, r.Edge[e.ID], expectEdge(e, format, opt))
			}
			var b strings.Builder
			fmt.Fprintf(&b, "networkx read %s: %d nodes, %d edges, directed=%v multigraph=%v graph=%v", format, r.Nodes, r.Edges, r.Directed, r.Multigraph, r.Graph)
			for _, id := range logIDs {
				v := r.Node[id]
				if v == nil {
					v = r.Edge[id]
				}
				s, _ := json.Marshal(v)
				fmt.Fprintf(&b, "\n  %s: %s", id, s)
			}
			t.Log(b.String())
		})
	}
	return results
}

func TestNetworkxRoundTripSmallNetwork(t *testing.T) {
	py := pythonWithNetworkx(t)
	f := newFixture()
	opt := f.options()
	opt.Truncated = true
	results := checkNetwork(t, py, f.nodes, f.edges, opt, []string{f.yhdistys, f.contact, f.funds2})
	// Spot checks written out, in case expectNode and build shared a bug.
	for format, r := range results {
		if got := r.Node[f.yhdistys]["label"]; got != `Työ & "Osaaminen" ry` {
			t.Errorf("%s: label = %#v", format, got)
		}
		if got := r.Edge[f.funds]["amount"]; got != 1200000.0 {
			t.Errorf("%s: amount = %#v", format, got)
		}
		if got := r.Edge[f.funds2]["amount"]; got != 1500000.5 {
			t.Errorf("%s: amount = %#v", format, got)
		}
		if got := r.Edge[f.funds]["currency"]; got != "EUR" {
			t.Errorf("%s: currency = %#v", format, got)
		}
		if !r.Multigraph {
			t.Errorf("%s: the parallel FUNDS edges were not kept apart", format)
		}
		contact := r.Node[f.contact]
		delete(contact, "viz")
		if len(contact) != 2 {
			t.Errorf("%s: contact = %v, want label and kind only", format, contact)
		}
	}
}

func TestNetworkxRoundTripOTEDataset(t *testing.T) {
	py := pythonWithNetworkx(t)
	d := mustLoadDataset(t)
	opt := Options{Language: hub.English, Documents: d.docs, Metrics: map[string]map[string]float64{"degree": degrees(d.edges)}}
	pilot := d.mustNode(t, "Pilot/yhdessa-hyva-ote")
	contact := d.mustNode(t, "Contact/niina-turunen")
	if contact.Contact == nil || contact.Contact.Email == "" {
		t.Fatal("the dataset contact has no e-mail; the personal-data check would prove nothing")
	}
	var funds *hub.Relationship
	for _, r := range d.edges {
		if r.Type == hub.Funds && r.Amount != nil && r.ToID == pilot.ID {
			funds = r
			break
		}
	}
	if funds == nil {
		t.Fatal("the dataset has no FUNDS edge with an amount into the pilot")
	}
	results := checkNetwork(t, py, d.nodes, d.edges, opt, []string{pilot.ID, contact.ID, funds.ID})
	for format, r := range results {
		got := r.Node[contact.ID]
		for _, v := range got {
			if s, ok := v.(string); ok && strings.Contains(s, "@") {
				t.Errorf("%s: contact attribute %q looks like an e-mail address", format, s)
			}
		}
		if !strings.Contains(fmt.Sprint(r.Edge[funds.ID]["sources"]), " — ") {
			t.Errorf("%s: FUNDS provenance = %#v, want title — locator", format, r.Edge[funds.ID]["sources"])
		}
	}
}
