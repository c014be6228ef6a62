package export

import (
	"io"
	"slices"

	"github.com/otehub/hub"
)

// Options tune an export. The zero value exports in Finnish (the hub's
// fallback order) with no metrics and provenance titled by document id.
type Options struct {
	// Language picks the node labels and source titles; a missing
	// translation falls back as hub.LocalizedText.In does.
	Language hub.Language
	// Documents are the source documents by id, used to title the
	// provenance of nodes and edges. A citation of a document that is
	// missing here is titled by its id.
	Documents map[string]*hub.Node
	// Metrics are extra numeric node attributes: metric name → node id
	// → value, e.g. {"degree": {id: 3}, "betweenness": {id: 0.25}}.
	// Each name becomes a double column in name order; a node missing
	// from a metric's map gets no value. Names must start with a letter
	// or "_", continue with letters, digits, "_", "." or "-", and not
	// repeat a built-in attribute, or the export fails with EINVALID.
	// Contact nodes never carry metrics.
	Metrics map[string]map[string]float64
	// Truncated records that the graph was cut at a size limit, so that
	// a reader does not mistake it for the whole neighbourhood.
	Truncated bool
	// PersonalData is set when the reader may see personal data
	// (hub.MayReadPersonalData). Without it, e-mail addresses and phone
	// numbers in the free-text columns (labels, abbreviations, roles,
	// provenance) are replaced by markers (hub.RedactPersonalData).
	// Contacts' own details are never exported either way.
	PersonalData bool
}

// Format names an export format. It is an alias of string so that a
// format taken from a request can be passed on as it is.
type Format = string

// The export formats.
const (
	// FormatGraphML is GraphML 1.0 with typed <key> declarations.
	FormatGraphML Format = "graphml"
	// FormatGEXF is GEXF 1.3 with typed attributes and a colour per kind.
	FormatGEXF Format = "gexf"
	// FormatCytoscapeJSON is Cytoscape.js elements JSON.
	FormatCytoscapeJSON Format = "json"
)

// Formats lists the export formats in a fixed order.
var Formats = []Format{FormatGraphML, FormatGEXF, FormatCytoscapeJSON}

// ContentType returns the media type of format, or "" when the format is
// unknown. The XML formats declare their encoding (UTF-8) in the XML
// prolog; JSON is UTF-8 by definition.
func ContentType(format string) string {
	switch format {
	case FormatGraphML:
		return "application/graphml+xml"
	case FormatGEXF:
		return "application/gexf+xml"
	case FormatCytoscapeJSON:
		return "application/json"
	}
	return ""
}

// Extension returns the usual file name extension of format, with the
// dot (".graphml", ".gexf", ".json"), or "" when the format is unknown.
func Extension(format string) string {
	if slices.Contains(Formats, format) {
		return "." + format
	}
	return ""
}

// Write writes the network in format to w. An unknown format is an
// EINVALID error, and so is an invalid Options.Metrics name or a node or
// edge without id; an error of w is returned as it is, after which w may
// hold part of the document.
//
// Nil entries are skipped; of nodes or edges that repeat an id only the
// first is written; edges whose ends are not both among nodes are left
// out, because every format requires an edge's ends to be nodes of the
// file (a Cytoscape.js graph refuses such an edge outright).
func Write(format string, w io.Writer, nodes []*hub.Node, edges []*hub.Relationship, opt Options) error {
	switch format {
	case FormatGraphML:
		return GraphML(w, nodes, edges, opt)
	case FormatGEXF:
		return GEXF(w, nodes, edges, opt)
	case FormatCytoscapeJSON:
		return CytoscapeJSON(w, nodes, edges, opt)
	}
	return hub.Errorf(hub.EINVALID, "unknown export format %q: want graphml, gexf or json", format)
}
