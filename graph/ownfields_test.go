package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/graph/gqlexec"
)

// The executor marshals a list's elements in place, without a goroutine
// each, when the selection on them asks for gqlexec.OwnFields only: so
// every such field, on every type that has it, must answer from the
// object's own value, reading nothing from the network (which would make
// the elements wait one after the other).
func TestOwnFieldsReadNothing(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})
	ote := MustReadDataset(t)

	// The fields each type has, and the selection below the own fields
	// that return objects.
	fieldsOf := func(typeName string) map[string]string {
		var resp struct {
			Type struct {
				Fields []struct {
					Name string
					Type struct {
						Kind, Name string
						OfType     *struct{ Kind, Name string }
					}
				}
			} `json:"__type"`
		}
		MustQuery(t, c, fmt.Sprintf(`{ __type(name: %q) { fields { name type { kind name ofType { kind name } } } } }`, typeName), &resp)
		out := map[string]string{}
		for _, f := range resp.Type.Fields {
			name := f.Type.Name
			if f.Type.OfType != nil {
				name = f.Type.OfType.Name
			}
			switch name {
			case "LocalizedText":
				out[f.Name] = "{ fi sv en }"
			case "Period":
				out[f.Name] = "{ start end }"
			default:
				out[f.Name] = ""
			}
		}
		return out
	}
	calls := func(query string) int {
		s.reset()
		MustQuery(t, c, query, &map[string]any{})
		_, n := s.snapshot()
		return n
	}
	ownFields := func(fields map[string]string) []string {
		var out []string
		for f := range gqlexec.OwnFields {
			if sub, ok := fields[f]; ok {
				out = append(out, f+" "+sub)
			}
		}
		slices.Sort(out)
		return out
	}

	checked := 0
	kinds := map[string]string{}
	for _, n := range ote.Nodes {
		kinds[n.Kind] = n.Key
	}
	for kind, key := range kinds {
		typeName := strings.ToUpper(kind[:1]) + kind[1:]
		entity := fmt.Sprintf(`entityByKey(kind: %s, key: %q)`, typeName, key)
		base := calls(fmt.Sprintf(`{ %s { __typename } }`, entity))
		for _, f := range ownFields(fieldsOf(typeName)) {
			if got := calls(fmt.Sprintf(`{ %s { __typename ... on %s { %s } } }`, entity, typeName, f)); got != base {
				t.Errorf("%s.%s: %d reads, against %d without it", typeName, f, got, base)
			}
			checked++
		}
	}
	// Source documents, which are nodes but not entities.
	document := fmt.Sprintf(`node(id: %q)`, hub.NodeID(hub.KindSourceDocument, ote.Sources[0].Key))
	base := calls(fmt.Sprintf(`{ %s { __typename } }`, document))
	for _, f := range ownFields(fieldsOf("SourceDocument")) {
		if got := calls(fmt.Sprintf(`{ %s { __typename ... on SourceDocument { %s } } }`, document, f)); got != base {
			t.Errorf("SourceDocument.%s: %d reads, against %d without it", f, got, base)
		}
		checked++
	}
	// Relationships, reached through a node.
	org := `entityByKey(kind: Organisation, key: "eksote")`
	base = calls(fmt.Sprintf(`{ %s { relationships(first: 10) { nodes { __typename } } } }`, org))
	for _, f := range ownFields(fieldsOf("Relationship")) {
		if got := calls(fmt.Sprintf(`{ %s { relationships(first: 10) { nodes { __typename %s } } } }`, org, f)); got != base {
			t.Errorf("Relationship.%s: %d reads, against %d without it", f, got, base)
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("only %d fields checked", checked)
	}
	t.Logf("%d type fields checked", checked)
}
