package export

import (
	"io"
	"strconv"

	"github.com/otehub/hub"
)

// GEXF 1.3 namespaces.
const (
	gexfNS     = "http://gexf.net/1.3"
	gexfVizNS  = "http://gexf.net/1.3/viz"
	gexfSchema = "http://gexf.net/1.3/gexf.xsd"
)

// rgb is a viz:color.
type rgb struct{ r, g, b uint8 }

// kindColours gives each kind a colour in Gephi (the Tableau 10 palette
// and its light tints), so that a fresh import is readable before any
// styling.
var kindColours = map[hub.Kind]rgb{
	hub.KindOrganisation:   {31, 119, 180},
	hub.KindEmployer:       {23, 190, 207},
	hub.KindProgramme:      {148, 103, 189},
	hub.KindPilot:          {214, 39, 40},
	hub.KindService:        {44, 160, 44},
	hub.KindRegion:         {127, 127, 127},
	hub.KindTargetGroup:    {255, 127, 14},
	hub.KindTheme:          {188, 189, 34},
	hub.KindAgreement:      {140, 86, 75},
	hub.KindEvent:          {227, 119, 194},
	hub.KindTraining:       {174, 199, 232},
	hub.KindContact:        {247, 182, 210},
	hub.KindSourceDocument: {199, 199, 199},
}

// GEXF writes the network as a GEXF 1.3 document: a static directed
// graph, typed <attributes> for nodes and edges whose ids and titles are
// the column names, labels as the label XML attribute (the relationship
// type for edges) and a viz:color per node kind. GEXF has no graph
// attributes, so a truncated graph says so in <meta><description>. See
// Write for the rules on ids and dangling edges.
func GEXF(w io.Writer, nodes []*hub.Node, edges []*hub.Relationship, opt Options) error {
	g, err := build(nodes, edges, opt)
	if err != nil {
		return err
	}
	x := newXMLWriter(w)
	x.raw(xmlHeader)
	x.open(0, "gexf", "xmlns", gexfNS, "xmlns:viz", gexfVizNS, "xmlns:xsi", xsiNS,
		"xsi:schemaLocation", gexfNS+" "+gexfSchema, "version", "1.3")
	x.end(">")
	x.open(1, "meta")
	x.end(">")
	x.element(2, "creator", "otehub")
	description := "OTE stakeholder network"
	if g.truncated {
		description += " (truncated: the graph was cut at the size limit)"
	}
	x.element(2, "description", description)
	x.close(1, "meta")

	x.open(1, "graph", "defaultedgetype", "directed", "mode", "static")
	x.end(">")
	gexfAttributes(x, "node", g.nodeDefs)
	gexfAttributes(x, "edge", g.edgeDefs)

	x.open(2, "nodes")
	x.end(">")
	for _, n := range g.nodes {
		x.open(3, "node", "id", n.id, "label", labelOf(n))
		c, coloured := kindColours[hub.Kind(kindOf(n))]
		if !coloured && !hasAttValues(n.values) {
			x.end("/>")
			continue
		}
		x.end(">")
		gexfAttValues(x, g.nodeDefs, n.values)
		if coloured {
			x.open(4, "viz:color", "r", strconv.Itoa(int(c.r)), "g", strconv.Itoa(int(c.g)), "b", strconv.Itoa(int(c.b)))
			x.end("/>")
		}
		x.close(3, "node")
	}
	x.close(2, "nodes")

	x.open(2, "edges")
	x.end(">")
	for _, e := range g.edges {
		x.open(3, "edge", "id", e.id, "source", e.source, "target", e.target, "label", labelOf(e))
		if !hasAttValues(e.values) {
			x.end("/>")
			continue
		}
		x.end(">")
		gexfAttValues(x, g.edgeDefs, e.values)
		x.close(3, "edge")
	}
	x.close(2, "edges")
	x.close(1, "graph")
	x.close(0, "gexf")
	return x.flush()
}

// gexfAttributes declares the columns of a class, except label, which
// GEXF has natively.
func gexfAttributes(x *xmlWriter, class string, defs []attrDef) {
	x.open(2, "attributes", "class", class, "mode", "static")
	x.end(">")
	for _, d := range defs {
		if d.name == labelAttr {
			continue
		}
		x.open(3, "attribute", "id", d.name, "title", d.name, "type", string(d.typ))
		x.end("/>")
	}
	x.close(2, "attributes")
}

// gexfAttValues writes the values of an element except its label.
func gexfAttValues(x *xmlWriter, defs []attrDef, values []value) {
	if !hasAttValues(values) {
		return
	}
	x.open(4, "attvalues")
	x.end(">")
	for _, v := range values {
		d := defs[v.def]
		if d.name == labelAttr {
			continue
		}
		x.open(5, "attvalue", "for", d.name, "value", v.text(d))
		x.end("/>")
	}
	x.close(4, "attvalues")
}

// hasAttValues reports whether values hold anything but the label.
func hasAttValues(values []value) bool {
	for _, v := range values {
		if v.def != nLabel { // nLabel == eLabel: label is column 0 of both
			return true
		}
	}
	return false
}

// labelOf returns the label value of an element ("" when it has none).
func labelOf(e element) string {
	if len(e.values) > 0 && e.values[0].def == nLabel {
		return e.values[0].s
	}
	return ""
}

// kindOf returns the kind value of a node element.
func kindOf(e element) string {
	for _, v := range e.values {
		if v.def == nKind {
			return v.s
		}
	}
	return ""
}
