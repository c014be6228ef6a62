package export

import (
	"io"
	"strconv"

	"github.com/otehub/hub"
)

// GraphML namespaces.
const (
	graphMLNS     = "http://graphml.graphdrawing.org/xmlns"
	graphMLSchema = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
	xsiNS         = "http://www.w3.org/2001/XMLSchema-instance"
)

// GraphML writes the network as a GraphML 1.0 document: one directed
// graph, a typed <key> per column (ids "n_NAME", "e_NAME" and the graph
// key "g_truncated", always written) and a <data> element per present
// value. See Write for the rules on ids and dangling edges.
func GraphML(w io.Writer, nodes []*hub.Node, edges []*hub.Relationship, opt Options) error {
	g, err := build(nodes, edges, opt)
	if err != nil {
		return err
	}
	x := newXMLWriter(w)
	x.raw(xmlHeader)
	x.open(0, "graphml", "xmlns", graphMLNS, "xmlns:xsi", xsiNS,
		"xsi:schemaLocation", graphMLNS+" "+graphMLSchema)
	x.end(">")

	// Keys precede the graph (the schema's order). Their ids are unique
	// across classes because of the prefixes.
	x.open(1, "key", "id", "g_truncated", "for", "graph", "attr.name", "truncated", "attr.type", string(typeBoolean))
	x.end("/>")
	for _, d := range g.nodeDefs {
		x.open(1, "key", "id", "n_"+d.name, "for", "node", "attr.name", d.name, "attr.type", string(d.typ))
		x.end("/>")
	}
	for _, d := range g.edgeDefs {
		x.open(1, "key", "id", "e_"+d.name, "for", "edge", "attr.name", d.name, "attr.type", string(d.typ))
		x.end("/>")
	}

	x.open(1, "graph", "id", "G", "edgedefault", "directed")
	x.end(">")
	x.element(2, "data", strconv.FormatBool(g.truncated), "key", "g_truncated")
	for _, n := range g.nodes {
		x.open(2, "node", "id", n.id)
		graphMLData(x, "node", "n_", g.nodeDefs, n.values)
	}
	for _, e := range g.edges {
		x.open(2, "edge", "id", e.id, "source", e.source, "target", e.target)
		graphMLData(x, "edge", "e_", g.edgeDefs, e.values)
	}
	x.close(1, "graph")
	x.close(0, "graphml")
	return x.flush()
}

// graphMLData finishes an open <node> or <edge> tag with its data.
func graphMLData(x *xmlWriter, name, prefix string, defs []attrDef, values []value) {
	if len(values) == 0 {
		x.end("/>")
		return
	}
	x.end(">")
	for _, v := range values {
		d := defs[v.def]
		x.element(3, "data", v.text(d), "key", prefix+d.name)
	}
	x.close(2, name)
}
