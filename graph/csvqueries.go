package graph

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/graph/generated"
)

// CollectionQueries returns, for each collection of the schema (a root
// field answering a connection, without required arguments), a query of
// every row page by page with the row's plain fields: scalars, enums,
// lists of them, objects of only such fields (names { fi sv en }) and
// the ids of the nodes a row refers to. The CSV exports serve them at
// /export/<collection>.csv.
func CollectionQueries() map[string]string {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	out := map[string]string{}
	for _, f := range schema.Query.Fields {
		conn := schema.Types[f.Type.Name()]
		if conn == nil || !strings.HasSuffix(conn.Name, "Connection") || conn.Fields.ForName("nodes") == nil ||
			conn.Fields.ForName("pageInfo") == nil || f.Arguments.ForName("after") == nil || requiredArgs(f) {
			continue
		}
		row := schema.Types[conn.Fields.ForName("nodes").Type.Name()]
		var sel []string
		for _, rf := range row.Fields {
			if requiredArgs(rf) || strings.HasPrefix(rf.Name, "__") {
				continue
			}
			t := schema.Types[rf.Type.Name()]
			switch {
			case t.Kind == ast.Scalar || t.Kind == ast.Enum:
				sel = append(sel, rf.Name)
			case t.Fields.ForName("id") != nil && (t.Kind == ast.Interface || implementsNode(t)):
				sel = append(sel, rf.Name+" { id }")
			case t.Kind == ast.Object && leavesOnly(schema, t):
				var subs []string
				for _, s := range t.Fields {
					subs = append(subs, s.Name)
				}
				sel = append(sel, rf.Name+" { "+strings.Join(subs, " ")+" }")
			}
		}
		out[f.Name] = `query($after: String) { ` + f.Name + `(first: 100, after: $after) { nodes { ` +
			strings.Join(sel, " ") + ` } pageInfo { hasNextPage endCursor } } }`
	}
	return out
}

// CollectionNames lists CollectionQueries' collections, sorted.
func CollectionNames(q map[string]string) []string {
	var names []string
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func requiredArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

func implementsNode(t *ast.Definition) bool {
	for _, i := range t.Interfaces {
		if i == "Node" {
			return true
		}
	}
	return false
}

func leavesOnly(schema *ast.Schema, t *ast.Definition) bool {
	for _, f := range t.Fields {
		ft := schema.Types[f.Type.Name()]
		if len(f.Arguments) > 0 || ft.Kind != ast.Scalar && ft.Kind != ast.Enum {
			return false
		}
	}
	return len(t.Fields) > 0
}
