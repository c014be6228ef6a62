package export

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"strconv"

	"github.com/otehub/hub"
)

// CytoscapeJSON writes the network as Cytoscape.js elements JSON, the
// shape cy.json() produces and cytoscape({...}), cy.json(obj) and
// cy.add(obj.elements) accept:
//
//	{"elements": {"nodes": [{"data": {"id": …, "label": …, …}}, …],
//	              "edges": [{"data": {"id", "source", "target", …}}, …]},
//	 "data": {"truncated": false}}
//
// Data keys come in the fixed column order (encoding/json would sort a
// map's keys); lists are arrays; a non-finite metric is null. One element
// per line keeps large files diffable. See Write for the rules on ids and
// dangling edges.
func CytoscapeJSON(w io.Writer, nodes []*hub.Node, edges []*hub.Relationship, opt Options) error {
	g, err := build(nodes, edges, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	// Writes to bw fail only when w does; Flush reports the first error.
	bw.WriteString(`{"elements":{"nodes":[`)
	for i, n := range g.nodes {
		if err := cyElement(bw, i, n, g.nodeDefs); err != nil {
			return err
		}
	}
	if len(g.nodes) > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString(`],"edges":[`)
	for i, e := range g.edges {
		if err := cyElement(bw, i, e, g.edgeDefs); err != nil {
			return err
		}
	}
	if len(g.edges) > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString(`]},"data":{"truncated":` + strconv.FormatBool(g.truncated) + "}}\n")
	return bw.Flush()
}

// cyElement writes the i-th element of a list as {"data":{...}} on its
// own line.
func cyElement(bw *bufio.Writer, i int, e element, defs []attrDef) error {
	if i > 0 {
		bw.WriteString(",")
	}
	bw.WriteString("\n{\"data\":{")
	if err := cyField(bw, "id", e.id, false); err != nil {
		return err
	}
	if e.source != "" || e.target != "" {
		if err := cyField(bw, "source", e.source, true); err != nil {
			return err
		}
		if err := cyField(bw, "target", e.target, true); err != nil {
			return err
		}
	}
	for _, v := range e.values {
		d := defs[v.def]
		var val any = v.s
		switch {
		case d.list:
			val = v.list
		case d.typ == typeDouble:
			val = jsonNumber(v.f)
		}
		if err := cyField(bw, d.name, val, true); err != nil {
			return err
		}
	}
	bw.WriteString("}}")
	return nil
}

// cyField writes "name":value, preceded by a comma unless it is first.
func cyField(bw *bufio.Writer, name string, val any, comma bool) error {
	if comma {
		bw.WriteString(",")
	}
	k, err := json.Marshal(name)
	if err != nil {
		return hub.Wrap(hub.EINTERNAL, err, "cannot encode an attribute name")
	}
	v, err := json.Marshal(val)
	if err != nil {
		return hub.Wrap(hub.EINTERNAL, err, "cannot encode an attribute value")
	}
	bw.Write(k)
	bw.WriteString(":")
	bw.Write(v)
	return nil
}

// jsonNumber returns f as a JSON number in formatDouble's notation, or
// nil (null) when JSON cannot hold it.
func jsonNumber(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return json.Number(formatDouble(f))
}
