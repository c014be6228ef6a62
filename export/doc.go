// Package export writes a slice of the network — nodes and relationships,
// usually the result of a traversal — in the file formats that graph
// tools read: GraphML (yEd, Gephi, networkx, igraph), GEXF 1.3 (Gephi,
// networkx) and Cytoscape.js elements JSON (cy.json, cy.add, Cytoscape
// desktop).
//
// The three writers share one attribute model (see build), so a column
// has the same name, type and value in every format:
//
//	nodes: id, label, kind, type, key, code, regionIds, abbreviations,
//	       start, end, sources, sourceIds, then the metrics in name order
//	edges: id, source, target, label (= type), type, role, amount,
//	       currency, start, end, sources, sourceIds
//
// label is the name in Options.Language with the hub's fallback; start
// and end are YYYY-MM-DD; amount is in major units (euros, not cents);
// sources is the provenance for people ("title — locator", joined by
// " | "), sourceIds the ids of the source documents for programs. Lists
// are ";"-joined in the XML formats, which have no list type, and JSON
// arrays in Cytoscape JSON. An absent value is left out rather than
// written empty, so numeric columns never hold "".
//
// Contact nodes are people: their e-mail addresses and phone numbers are
// personal data and are never exported, and neither is anything else
// about them but id, label and kind. Stored text can repeat them, so
// unless Options.PersonalData is set, every free-text column of every
// element has its e-mail addresses and phone numbers replaced by
// markers before any format is written.
//
// Output is deterministic: nodes and edges in the order given, attributes
// in the fixed order above, no timestamps. The package imports nothing of
// ours but the domain, so any transport (GraphQL, web, a command) can
// offer downloads through Write and ContentType.
package export
