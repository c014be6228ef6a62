package export

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// attrType is the type of an attribute column. The names are those of
// GraphML's attr.type and GEXF's attribute type, which agree on these.
type attrType string

const (
	typeString  attrType = "string"
	typeDouble  attrType = "double"
	typeBoolean attrType = "boolean"
)

// attrDef declares an attribute column.
type attrDef struct {
	name string
	typ  attrType
	// list marks a list of strings: ";"-joined in XML, an array in JSON.
	list bool
	// text marks free text taken from the store, which may repeat
	// personal data (see Options.PersonalData).
	text bool
}

// labelAttr is the name of the label column, which GEXF writes as the
// label XML attribute of nodes and edges instead of an attvalue.
const labelAttr = "label"

// Node columns, in output order; the indexes below point into it.
var nodeDefs = []attrDef{
	{name: labelAttr, typ: typeString, text: true},
	{name: "kind", typ: typeString},
	{name: "type", typ: typeString},
	{name: "key", typ: typeString},
	{name: "code", typ: typeString},
	{name: "regionIds", typ: typeString, list: true},
	{name: "abbreviations", typ: typeString, list: true, text: true},
	{name: "start", typ: typeString},
	{name: "end", typ: typeString},
	{name: "sources", typ: typeString, text: true},
	{name: "sourceIds", typ: typeString, list: true},
}

const (
	nLabel = iota
	nKind
	nType
	nKey
	nCode
	nRegionIDs
	nAbbreviations
	nStart
	nEnd
	nSources
	nSourceIDs
	nBuiltin // the first metric column
)

// Edge columns, in output order. label repeats type because renderers
// (Gephi, yEd, Cytoscape styles) show a column of that name.
var edgeDefs = []attrDef{
	{name: labelAttr, typ: typeString},
	{name: "type", typ: typeString},
	{name: "role", typ: typeString, text: true},
	{name: "amount", typ: typeDouble},
	{name: "currency", typ: typeString},
	{name: "start", typ: typeString},
	{name: "end", typ: typeString},
	{name: "sources", typ: typeString, text: true},
	{name: "sourceIds", typ: typeString, list: true},
}

const (
	eLabel = iota
	eType
	eRole
	eAmount
	eCurrency
	eStart
	eEnd
	eSources
	eSourceIDs
)

// reservedNames are names a metric may not take: the node columns and
// the structural fields every format has.
var reservedNames = func() map[string]bool {
	m := map[string]bool{"id": true, "source": true, "target": true}
	for _, d := range nodeDefs {
		m[d.name] = true
	}
	return m
}()

// value is one attribute of an element.
type value struct {
	def  int // index into the element class's defs
	s    string
	f    float64
	list []string
}

// element is a node (source and target empty) or an edge with its
// values in column order; absent values are left out.
type element struct {
	id, source, target string
	values             []value
}

func (e *element) str(def int, s string) {
	if s != "" {
		e.values = append(e.values, value{def: def, s: s})
	}
}

func (e *element) strs(def int, l []string) {
	if len(l) > 0 {
		e.values = append(e.values, value{def: def, list: l})
	}
}

func (e *element) num(def int, f float64) {
	e.values = append(e.values, value{def: def, f: f})
}

// network is the format-neutral form that every writer renders.
type network struct {
	nodeDefs, edgeDefs []attrDef
	nodes, edges       []element
	truncated          bool
}

// build converts the domain values to the attribute model, applying the
// rules every format shares (see Write).
func build(nodes []*hub.Node, edges []*hub.Relationship, opt Options) (*network, error) {
	metrics, err := metricNames(opt.Metrics)
	if err != nil {
		return nil, err
	}
	g := &network{
		nodeDefs:  slices.Clip(nodeDefs),
		edgeDefs:  edgeDefs,
		nodes:     make([]element, 0, len(nodes)),
		edges:     make([]element, 0, len(edges)),
		truncated: opt.Truncated,
	}
	for _, m := range metrics {
		g.nodeDefs = append(g.nodeDefs, attrDef{name: m, typ: typeDouble})
	}

	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if n.ID == "" {
			return nil, hub.Errorf(hub.EINVALID, "cannot export a node without id (key %q)", n.Key)
		}
		if seen[n.ID] {
			continue
		}
		seen[n.ID] = true
		g.nodes = append(g.nodes, nodeElement(n, metrics, opt))
	}

	seenEdge := make(map[string]bool, len(edges))
	for _, r := range edges {
		if r == nil {
			continue
		}
		if r.ID == "" {
			return nil, hub.Errorf(hub.EINVALID, "cannot export a relationship without id (key %q)", r.Key)
		}
		if seenEdge[r.ID] || !seen[r.FromID] || !seen[r.ToID] {
			continue
		}
		seenEdge[r.ID] = true
		g.edges = append(g.edges, edgeElement(r, opt))
	}
	if !opt.PersonalData {
		redact(g.nodes, g.nodeDefs)
		redact(g.edges, g.edgeDefs)
	}
	return g, nil
}

// redact replaces the e-mail addresses and phone numbers in the free-text
// columns of elements: the one place where every format's stored text
// passes.
func redact(elements []element, defs []attrDef) {
	for i := range elements {
		for j, v := range elements[i].values {
			if !defs[v.def].text {
				continue
			}
			v.s = hub.RedactPersonalData(v.s)
			if v.list != nil {
				l := make([]string, len(v.list))
				for k, s := range v.list {
					l[k] = hub.RedactPersonalData(s)
				}
				v.list = l
			}
			elements[i].values[j] = v
		}
	}
}

func nodeElement(n *hub.Node, metrics []string, opt Options) element {
	e := element{id: n.ID}
	e.str(nLabel, n.DisplayName(opt.Language))
	e.str(nKind, string(n.Kind))
	if n.Kind == hub.KindContact {
		// A person: only what identifies the node in the drawing. Never
		// contact details, title, provenance quotes or metrics.
		return e
	}
	e.str(nType, n.Type)
	e.str(nKey, n.Key)
	e.str(nCode, n.Code)
	e.strs(nRegionIDs, n.RegionIDs)
	e.strs(nAbbreviations, n.Abbreviations)
	start, end := dates(n.Period)
	e.str(nStart, start)
	e.str(nEnd, end)
	text, ids := provenance(n.Sources, opt)
	e.str(nSources, text)
	e.strs(nSourceIDs, ids)
	for i, m := range metrics {
		if v, ok := opt.Metrics[m][n.ID]; ok {
			e.num(nBuiltin+i, v)
		}
	}
	return e
}

func edgeElement(r *hub.Relationship, opt Options) element {
	e := element{id: r.ID, source: r.FromID, target: r.ToID}
	e.str(eLabel, string(r.Type))
	e.str(eType, string(r.Type))
	e.str(eRole, r.Role)
	if r.Amount != nil {
		// Money keeps cents so that sums are exact; tools want euros.
		e.num(eAmount, float64(r.Amount.Minor)/100)
		e.str(eCurrency, r.Amount.Currency)
	}
	start, end := dates(r.Period)
	e.str(eStart, start)
	e.str(eEnd, end)
	text, ids := provenance(r.Sources, opt)
	e.str(eSources, text)
	e.strs(eSourceIDs, ids)
	return e
}

// metricNames returns the metric names in order, or EINVALID for a name
// that is not a safe column name in every format.
func metricNames(metrics map[string]map[string]float64) ([]string, error) {
	names := make([]string, 0, len(metrics))
	for name := range metrics {
		if !validName(name) {
			return nil, hub.Errorf(hub.EINVALID, "metric name %q: want a letter or _ followed by letters, digits, _, . or -", name)
		}
		if reservedNames[name] {
			return nil, hub.Errorf(hub.EINVALID, "metric name %q is a built-in attribute", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// validName reports whether s is an ASCII name that is an XML NMTOKEN
// (GraphML's attr.name) and needs no quoting in Cytoscape selectors.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// dates formats a period's ends as YYYY-MM-DD ("" when unknown).
func dates(p *hub.Period) (start, end string) {
	if p == nil {
		return "", ""
	}
	return day(p.Start), day(p.End)
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// provenance renders citations as "title — locator" joined by " | " and
// returns the distinct source ids in citation order.
func provenance(cs []hub.Citation, opt Options) (string, []string) {
	if len(cs) == 0 {
		return "", nil
	}
	parts := make([]string, 0, len(cs))
	var ids []string
	for _, c := range cs {
		title := c.SourceID
		if d := opt.Documents[c.SourceID]; d != nil {
			title = d.DisplayName(opt.Language)
		}
		if c.StatedBy != "" {
			title = "stated by " + c.StatedBy
		}
		switch {
		case c.Locator == "":
			parts = append(parts, title)
		case title == "":
			parts = append(parts, c.Locator)
		default:
			parts = append(parts, title+" — "+c.Locator)
		}
		if c.SourceID != "" && !slices.Contains(ids, c.SourceID) {
			ids = append(ids, c.SourceID)
		}
	}
	return strings.Join(parts, " | "), ids
}

// formatDouble writes f as an xsd:double that Python's float() and
// JavaScript's Number() also read: plain decimals in the everyday range
// (1200000, not 1.2e+06), exponent form outside it, and NaN, INF, -INF.
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// text is the XML text of v: lists ";"-joined, doubles as formatDouble.
func (v value) text(d attrDef) string {
	switch {
	case d.list:
		return strings.Join(v.list, ";")
	case d.typ == typeDouble:
		return formatDouble(v.f)
	}
	return v.s
}
