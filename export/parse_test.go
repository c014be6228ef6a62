package export

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// The tests read every export back with encoding/xml or encoding/json
// into a table: element id → attribute name → text, where lists are
// ";"-joined and numbers keep their written form. Edges also get
// "source" and "target". The same expectations then hold for every
// format.

type table struct {
	graph     map[string]string
	nodeOrder []string
	edgeOrder []string
	nodes     map[string]map[string]string
	edges     map[string]map[string]string
	// nodeKeys and edgeKeys are the declared columns: name → type.
	nodeKeys, edgeKeys map[string]string
}

func newTable() *table {
	return &table{
		graph: map[string]string{}, nodes: map[string]map[string]string{}, edges: map[string]map[string]string{},
		nodeKeys: map[string]string{}, edgeKeys: map[string]string{},
	}
}

func (tb *table) addNode(t testing.TB, id string) map[string]string {
	t.Helper()
	if _, dup := tb.nodes[id]; dup {
		t.Fatalf("node %s written twice", id)
	}
	m := map[string]string{}
	tb.nodes[id] = m
	tb.nodeOrder = append(tb.nodeOrder, id)
	return m
}

func (tb *table) addEdge(t testing.TB, id, source, target string) map[string]string {
	t.Helper()
	if _, dup := tb.edges[id]; dup {
		t.Fatalf("edge %s written twice", id)
	}
	if _, ok := tb.nodes[source]; !ok {
		t.Errorf("edge %s: source %s is not a node", id, source)
	}
	if _, ok := tb.nodes[target]; !ok {
		t.Errorf("edge %s: target %s is not a node", id, target)
	}
	m := map[string]string{"source": source, "target": target}
	tb.edges[id] = m
	tb.edgeOrder = append(tb.edgeOrder, id)
	return m
}

// GraphML

type gmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type gmlDoc struct {
	XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
	Keys    []struct {
		ID   string `xml:"id,attr"`
		For  string `xml:"for,attr"`
		Name string `xml:"attr.name,attr"`
		Type string `xml:"attr.type,attr"`
	} `xml:"key"`
	Graphs []struct {
		ID          string    `xml:"id,attr"`
		EdgeDefault string    `xml:"edgedefault,attr"`
		Data        []gmlData `xml:"data"`
		Nodes       []struct {
			ID   string    `xml:"id,attr"`
			Data []gmlData `xml:"data"`
		} `xml:"node"`
		Edges []struct {
			ID     string    `xml:"id,attr"`
			Source string    `xml:"source,attr"`
			Target string    `xml:"target,attr"`
			Data   []gmlData `xml:"data"`
		} `xml:"edge"`
	} `xml:"graph"`
}

// graphMLAttrTypes are the values of attr.type the GraphML schema allows.
var graphMLAttrTypes = map[string]bool{"boolean": true, "int": true, "long": true, "float": true, "double": true, "string": true}

// parseGraphML reads a GraphML export and checks the rules of the
// GraphML schema that the export could break: key ids unique, attr.name
// an NMTOKEN, attr.type and for from their enumerations, every data key
// declared for its element class, values of their declared type, node
// ids unique and edge ends declared nodes, one directed graph.
func parseGraphML(t testing.TB, doc []byte) *table {
	t.Helper()
	var d gmlDoc
	if err := xml.Unmarshal(doc, &d); err != nil {
		t.Fatalf("GraphML does not parse: %v\n%s", err, doc)
	}
	if len(d.Graphs) != 1 {
		t.Fatalf("GraphML has %d graphs, want 1", len(d.Graphs))
	}
	g := d.Graphs[0]
	if g.EdgeDefault != "directed" {
		t.Errorf("edgedefault = %q, want directed", g.EdgeDefault)
	}
	type key struct{ name, typ, class string }
	keys := map[string]key{}
	tb := newTable()
	for _, k := range d.Keys {
		if _, dup := keys[k.ID]; dup {
			t.Errorf("key id %q declared twice", k.ID)
		}
		if !validName(k.Name) {
			t.Errorf("key %q: attr.name %q is not a safe NMTOKEN", k.ID, k.Name)
		}
		if !graphMLAttrTypes[k.Type] {
			t.Errorf("key %q: attr.type %q not allowed", k.ID, k.Type)
		}
		keys[k.ID] = key{k.Name, k.Type, k.For}
		switch k.For {
		case "node":
			tb.nodeKeys[k.Name] = k.Type
		case "edge":
			tb.edgeKeys[k.Name] = k.Type
		case "graph":
		default:
			t.Errorf("key %q: for=%q", k.ID, k.For)
		}
	}
	decode := func(class, owner string, data []gmlData, into map[string]string) {
		for _, dt := range data {
			k, ok := keys[dt.Key]
			if !ok || k.class != class {
				t.Errorf("%s %s: data key %q is not declared for %s", class, owner, dt.Key, class)
				continue
			}
			if _, dup := into[k.name]; dup {
				t.Errorf("%s %s: %s given twice", class, owner, k.name)
			}
			checkXSDValue(t, class+" "+owner+" "+k.name, k.typ, dt.Value)
			into[k.name] = dt.Value
		}
	}
	decode("graph", "G", g.Data, tb.graph)
	for _, n := range g.Nodes {
		if !nmtoken(n.ID) {
			t.Errorf("node id %q is not an NMTOKEN", n.ID)
		}
		decode("node", n.ID, n.Data, tb.addNode(t, n.ID))
	}
	for _, e := range g.Edges {
		decode("edge", e.ID, e.Data, tb.addEdge(t, e.ID, e.Source, e.Target))
	}
	return tb
}

func nmtoken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-:", c)) {
			return false
		}
	}
	return true
}

// checkXSDValue checks that v is a valid lexical form of an XML Schema
// type as GraphML and GEXF use them.
func checkXSDValue(t testing.TB, what, typ, v string) {
	t.Helper()
	switch typ {
	case "boolean":
		if v != "true" && v != "false" {
			t.Errorf("%s: %q is not a boolean", what, v)
		}
	case "double", "float":
		var f float64
		if _, err := fmt.Sscan(v, &f); err != nil && v != "NaN" && v != "INF" && v != "-INF" {
			t.Errorf("%s: %q is not a double", what, v)
		}
	}
}

// GEXF

type gexfAttValue struct {
	For   string `xml:"for,attr"`
	Value string `xml:"value,attr"`
}

type gexfDoc struct {
	XMLName xml.Name `xml:"http://gexf.net/1.3 gexf"`
	Version string   `xml:"version,attr"`
	Meta    struct {
		Creator     string `xml:"creator"`
		Description string `xml:"description"`
	} `xml:"meta"`
	Graph struct {
		DefaultEdgeType string `xml:"defaultedgetype,attr"`
		Mode            string `xml:"mode,attr"`
		Attributes      []struct {
			Class string `xml:"class,attr"`
			Attrs []struct {
				ID    string `xml:"id,attr"`
				Title string `xml:"title,attr"`
				Type  string `xml:"type,attr"`
			} `xml:"attribute"`
		} `xml:"attributes"`
		Nodes []struct {
			ID        string         `xml:"id,attr"`
			Label     *string        `xml:"label,attr"`
			AttValues []gexfAttValue `xml:"attvalues>attvalue"`
			Color     *struct {
				R int `xml:"r,attr"`
				G int `xml:"g,attr"`
				B int `xml:"b,attr"`
			} `xml:"http://gexf.net/1.3/viz color"`
		} `xml:"nodes>node"`
		Edges []struct {
			ID        string         `xml:"id,attr"`
			Source    string         `xml:"source,attr"`
			Target    string         `xml:"target,attr"`
			Label     *string        `xml:"label,attr"`
			AttValues []gexfAttValue `xml:"attvalues>attvalue"`
		} `xml:"edges>edge"`
	} `xml:"graph"`
}

// gexfTypes are the GEXF 1.3 attribute types networkx reads.
var gexfTypes = map[string]bool{"integer": true, "long": true, "float": true, "double": true, "boolean": true, "string": true, "liststring": true, "anyURI": true}

// parseGEXF reads a GEXF export and checks its structure: version 1.3,
// a directed graph, attributes of known types declared once per class,
// every attvalue declared, labels present, edge ends declared nodes. The
// node colour goes to the pseudo attribute "viz:color" as "r,g,b".
func parseGEXF(t testing.TB, doc []byte) (*table, *gexfDoc) {
	t.Helper()
	var d gexfDoc
	if err := xml.Unmarshal(doc, &d); err != nil {
		t.Fatalf("GEXF does not parse: %v\n%s", err, doc)
	}
	if d.Version != "1.3" {
		t.Errorf("version = %q, want 1.3", d.Version)
	}
	if d.Graph.DefaultEdgeType != "directed" {
		t.Errorf("defaultedgetype = %q, want directed", d.Graph.DefaultEdgeType)
	}
	tb := newTable()
	decls := map[string]map[string]string{"node": {}, "edge": {}} // class → id → title
	for _, a := range d.Graph.Attributes {
		classKeys := map[string]map[string]string{"node": tb.nodeKeys, "edge": tb.edgeKeys}[a.Class]
		if classKeys == nil {
			t.Fatalf("attributes class %q", a.Class)
		}
		for _, at := range a.Attrs {
			if _, dup := decls[a.Class][at.ID]; dup {
				t.Errorf("%s attribute %q declared twice", a.Class, at.ID)
			}
			if !gexfTypes[at.Type] {
				t.Errorf("%s attribute %q: type %q", a.Class, at.ID, at.Type)
			}
			decls[a.Class][at.ID] = at.Title
			classKeys[at.Title] = at.Type
		}
	}
	decode := func(class, owner string, avs []gexfAttValue, into map[string]string) {
		for _, av := range avs {
			title, ok := decls[class][av.For]
			if !ok {
				t.Errorf("%s %s: attvalue for undeclared %q", class, owner, av.For)
				continue
			}
			checkXSDValue(t, class+" "+owner+" "+title, map[string]map[string]string{"node": tb.nodeKeys, "edge": tb.edgeKeys}[class][title], av.Value)
			into[title] = av.Value
		}
	}
	for _, n := range d.Graph.Nodes {
		m := tb.addNode(t, n.ID)
		if n.Label == nil {
			t.Errorf("node %s has no label", n.ID)
		} else {
			m["label"] = *n.Label
		}
		decode("node", n.ID, n.AttValues, m)
		if n.Color != nil {
			m["viz:color"] = fmt.Sprintf("%d,%d,%d", n.Color.R, n.Color.G, n.Color.B)
		}
	}
	for _, e := range d.Graph.Edges {
		m := tb.addEdge(t, e.ID, e.Source, e.Target)
		if e.Label == nil {
			t.Errorf("edge %s has no label", e.ID)
		} else {
			m["label"] = *e.Label
		}
		decode("edge", e.ID, e.AttValues, m)
	}
	return tb, &d
}

// Cytoscape JSON

type cyDoc struct {
	Elements struct {
		Nodes []struct {
			Data map[string]any `json:"data"`
		} `json:"nodes"`
		Edges []struct {
			Data map[string]any `json:"data"`
		} `json:"edges"`
	} `json:"elements"`
	Data map[string]any `json:"data"`
}

// parseCytoscape reads a Cytoscape export. Arrays are ";"-joined into
// the table and kept in lists (id → name → items) for the checks that
// want them.
func parseCytoscape(t testing.TB, doc []byte) (*table, map[string]map[string][]string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var d cyDoc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("Cytoscape JSON does not parse: %v\n%s", err, doc)
	}
	lists := map[string]map[string][]string{}
	text := func(owner string, data map[string]any, into map[string]string) {
		for k, v := range data {
			switch v := v.(type) {
			case string:
				into[k] = v
			case json.Number:
				into[k] = v.String()
			case []any:
				var items []string
				for _, it := range v {
					s, ok := it.(string)
					if !ok {
						t.Errorf("%s.%s: list item %v is not a string", owner, k, it)
					}
					items = append(items, s)
				}
				into[k] = strings.Join(items, ";")
				if lists[owner] == nil {
					lists[owner] = map[string][]string{}
				}
				lists[owner][k] = items
			default:
				t.Errorf("%s.%s: unexpected value %#v", owner, k, v)
			}
		}
	}
	tb := newTable()
	for _, n := range d.Elements.Nodes {
		id, _ := n.Data["id"].(string)
		if id == "" {
			t.Fatalf("node without id: %v", n.Data)
		}
		m := tb.addNode(t, id)
		text(id, n.Data, m)
		delete(m, "id")
	}
	for _, e := range d.Elements.Edges {
		id, _ := e.Data["id"].(string)
		source, _ := e.Data["source"].(string)
		target, _ := e.Data["target"].(string)
		if id == "" || source == "" || target == "" {
			t.Fatalf("edge without id, source or target: %v", e.Data)
		}
		m := tb.addEdge(t, id, source, target)
		text(id, e.Data, m)
		delete(m, "id")
	}
	truncated, ok := d.Data["truncated"].(bool)
	if !ok {
		t.Errorf("data.truncated = %#v, want a boolean", d.Data["truncated"])
	}
	tb.graph["truncated"] = fmt.Sprint(truncated)
	return tb, lists
}

// parseAny reads an export of any format into a table.
func parseAny(t testing.TB, format string, doc []byte) *table {
	t.Helper()
	switch format {
	case FormatGraphML:
		return parseGraphML(t, doc)
	case FormatGEXF:
		tb, _ := parseGEXF(t, doc)
		return tb
	case FormatCytoscapeJSON:
		tb, _ := parseCytoscape(t, doc)
		return tb
	}
	t.Fatalf("unknown format %q", format)
	return nil
}
