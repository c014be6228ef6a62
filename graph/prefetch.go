package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/loader"
	"github.com/otehub/hub/graph/model"
)

// The prefetcher makes store round trips grow with the depth of a query,
// never with its rows. When a resolver has a page of rows, it walks the
// query's selection below them level by level and, per level, fetches
// the relationships of every node that needs them in one store call and
// the nodes those lead to in one more, priming the request's loaders.
// The field resolvers then find everything in the loaders. Anything the
// walk does not foresee still works through the loaders, only batched by
// their time window instead.

// level is a set of nodes reached by one field, with the selection the
// query applies to them.
type level struct {
	ids []string
	sel ast.SelectionSet
}

// prefetchNodes primes the loaders for the selection sel below nodes.
func prefetchNodes(ctx context.Context, nodes []*hub.Node, sel ast.SelectionSet) error {
	if len(nodes) == 0 || len(sel) == 0 {
		return nil
	}
	p := newPrefetch(ctx)
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
		p.known[n.ID] = n
		p.l.Node.Prime(n.ID, n)
	}
	return p.run(ctx, []level{{ids, sel}})
}

// prefetchRelationships primes the loaders for the selection sel below
// relationships: their ends and what the query asks of them.
func prefetchRelationships(ctx context.Context, rels []*hub.Relationship, sel ast.SelectionSet) error {
	if len(rels) == 0 || len(sel) == 0 {
		return nil
	}
	p := newPrefetch(ctx)
	next := p.relationshipLevels(rels, sel)
	if err := p.load(ctx, next); err != nil {
		return err
	}
	return p.run(ctx, next)
}

type prefetch struct {
	l        *loader.Loaders
	vars     map[string]any
	known    map[string]*hub.Node
	adjacent map[string][]*hub.Relationship
}

func newPrefetch(ctx context.Context) *prefetch {
	var vars map[string]any
	if graphql.HasOperationContext(ctx) {
		vars = graphql.GetOperationContext(ctx).Variables
	}
	return &prefetch{
		l:        loader.For(ctx),
		vars:     vars,
		known:    map[string]*hub.Node{},
		adjacent: map[string][]*hub.Relationship{},
	}
}

// run walks the levels breadth first: two store calls at most per level.
func (p *prefetch) run(ctx context.Context, levels []level) error {
	for depth := 0; len(levels) > 0 && depth <= MaxDepth; depth++ {
		if err := p.loadAdjacent(ctx, levels); err != nil {
			return err
		}
		var next []level
		for _, lv := range levels {
			next = append(next, p.nodeLevels(lv)...)
		}
		if err := p.load(ctx, next); err != nil {
			return err
		}
		levels = next
	}
	return nil
}

// loadAdjacent fetches, in one call, the relationships of every node
// whose selection follows relationships, and primes the Adjacent loader.
func (p *prefetch) loadAdjacent(ctx context.Context, levels []level) error {
	var ids []string
	// The union of what the level's fields follow: when every field
	// names its relationship types, only those are fetched.
	full, dirs := false, map[hub.Direction]bool{}
	var types []hub.RelationshipType
	for _, lv := range levels {
		fs := fields(lv.sel)
		if !followsRelationships(fs) {
			continue
		}
		for _, f := range fs {
			if follow, ok := model.FollowsByField[f.Name]; ok {
				dirs[follow.Dir] = true
				for _, t := range follow.Types {
					if !slices.Contains(types, t) {
						types = append(types, t)
					}
				}
			} else if f.Name == "relationships" {
				full = true
			}
		}
		for _, id := range lv.ids {
			if _, done := p.adjacent[id]; !done {
				// Claimed now, filled in below.
				p.adjacent[id] = nil
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	filter := hub.RelationshipFilter{NodeIDs: ids, Direction: hub.Both}
	if !full {
		filter.Types = types
		if len(dirs) == 1 {
			for d := range dirs {
				filter.Direction = d
			}
		}
	}
	rels, _, err := p.l.Store().FindRelationships(ctx, filter, hub.ListOptions{First: hub.Unlimited, Unordered: true})
	if err != nil {
		return err
	}
	// Only the nodes of this fetch: an earlier level's nodes have their
	// relationships already. One direction's rows belong to that end
	// alone; both directions' to either end that was fetched.
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	lists := make([][]*hub.Relationship, len(ids))
	for _, r := range rels {
		if filter.Direction != hub.In {
			if i, ok := at[r.FromID]; ok {
				lists[i] = append(lists[i], r)
			}
		}
		if filter.Direction != hub.Out && r.ToID != r.FromID {
			if i, ok := at[r.ToID]; ok {
				lists[i] = append(lists[i], r)
			}
		}
	}
	for i, id := range ids {
		p.adjacent[id] = lists[i]
		if full {
			p.l.Adjacent.Prime(id, lists[i])
		} else {
			p.l.PrimePartial(id, filter.Direction, filter.Types, lists[i])
		}
	}
	return nil
}

// load fetches, in one call, every node of the levels not seen yet.
func (p *prefetch) load(ctx context.Context, levels []level) error {
	var ids []string
	for _, lv := range levels {
		for _, id := range lv.ids {
			if _, ok := p.known[id]; !ok {
				// Claimed now (nil: not loaded), filled in below.
				p.known[id] = nil
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	nodes, err := p.l.Store().NodesByID(ctx, ids)
	if err != nil {
		return err
	}
	for i, n := range nodes {
		p.known[ids[i]] = n
		p.l.Node.Prime(ids[i], n)
	}
	return nil
}

// nodeLevels returns the levels that the fields selected on the nodes of
// lv lead to.
func (p *prefetch) nodeLevels(lv level) []level {
	var out []level
	for _, f := range fields(lv.sel) {
		switch name := f.Name; {
		case name == "regions":
			var ids []string
			for _, id := range lv.ids {
				if n := p.known[id]; n != nil {
					ids = append(ids, n.RegionIDs...)
				}
			}
			out = append(out, level{ids, f.SelectionSet})
		case name == "sources":
			out = append(out, p.documents(lv.ids, f.SelectionSet))
		case name == "relationships":
			follow := p.relationshipsArgs(f)
			rels := p.follow(lv.ids, follow)
			out = append(out, p.relationshipLevels(rels, connectionNodes(f.SelectionSet))...)
		case name == "funding":
			rels := p.follow(lv.ids, model.FollowFunding)
			var funders []string
			for _, r := range rels {
				funders = append(funders, r.FromID)
			}
			sel := append(childSelection(f.SelectionSet, "funder"), childSelection(f.SelectionSet, "recipient")...)
			out = append(out, level{funders, sel})
			out = append(out, p.relationshipLevels(rels, childSelection(f.SelectionSet, "relationship"))...)
		default:
			follow, ok := model.FollowsByField[name]
			if !ok {
				continue
			}
			var ends []string
			for _, id := range lv.ids {
				for _, r := range p.adjacent[id] {
					if follow.Matches(id, r) {
						ends = append(ends, r.Other(id))
					}
				}
			}
			out = append(out, level{ends, f.SelectionSet})
		}
	}
	return out
}

// relationshipLevels returns the levels below a selection on relationship
// rows: their from and to ends, and their cited documents.
func (p *prefetch) relationshipLevels(rels []*hub.Relationship, sel ast.SelectionSet) []level {
	var from, to []string
	for _, r := range rels {
		from = append(from, r.FromID)
		to = append(to, r.ToID)
	}
	out := []level{
		{from, childSelection(sel, "from")},
		{to, childSelection(sel, "to")},
	}
	if docs := childSelection(sel, "sources"); len(docs) > 0 {
		var ids []string
		for _, r := range rels {
			for _, c := range r.Sources {
				ids = append(ids, c.SourceID)
			}
		}
		out = append(out, level{ids, nil})
	}
	return out
}

// documents is the level of the source documents cited by the nodes.
func (p *prefetch) documents(ids []string, sel ast.SelectionSet) level {
	var docs []string
	if len(childSelection(sel, "document")) > 0 {
		for _, id := range ids {
			if n := p.known[id]; n != nil {
				for _, c := range n.Sources {
					docs = append(docs, c.SourceID)
				}
			}
		}
	}
	return level{docs, nil}
}

// follow returns the relationships f follows from the nodes.
func (p *prefetch) follow(ids []string, f model.Follow) []*hub.Relationship {
	var out []*hub.Relationship
	for _, id := range ids {
		out = append(out, p.matching(id, f)...)
	}
	return out
}

func (p *prefetch) matching(id string, f model.Follow) []*hub.Relationship {
	var out []*hub.Relationship
	for _, r := range p.adjacent[id] {
		if f.Matches(id, r) {
			out = append(out, r)
		}
	}
	return out
}

// relationshipsArgs reads the types and direction of an Entity
// relationships field; unreadable arguments follow everything.
func (p *prefetch) relationshipsArgs(f *ast.Field) model.Follow {
	follow := model.Follow{Dir: hub.Both}
	args := f.ArgumentMap(p.vars)
	if d, ok := args["direction"].(string); ok {
		follow.Dir = hub.Direction(d)
	}
	if ts, ok := args["types"].([]any); ok {
		for _, t := range ts {
			if s, ok := t.(string); ok {
				follow.Types = append(follow.Types, hub.RelationshipType(s))
			}
		}
	}
	return follow
}

// followsRelationships reports whether any of the fields needs the
// node's relationships.
func followsRelationships(fs []*ast.Field) bool {
	for _, f := range fs {
		if _, ok := model.FollowsByField[f.Name]; ok || f.Name == "relationships" {
			return true
		}
	}
	return false
}

// fields flattens a selection set into its fields, entering every
// fragment whatever its type condition: the walk may fetch a little more
// than needed, never less.
func fields(sel ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	var walk func(ast.SelectionSet, int)
	walk = func(s ast.SelectionSet, guard int) {
		if guard > MaxDepth {
			return
		}
		for _, x := range s {
			switch x := x.(type) {
			case *ast.Field:
				out = append(out, x)
			case *ast.InlineFragment:
				walk(x.SelectionSet, guard+1)
			case *ast.FragmentSpread:
				if x.Definition != nil {
					walk(x.Definition.SelectionSet, guard+1)
				}
			}
		}
	}
	walk(sel, 0)
	return out
}

// childSelection merges the selections of the named fields of sel.
func childSelection(sel ast.SelectionSet, name string) ast.SelectionSet {
	var out ast.SelectionSet
	for _, f := range fields(sel) {
		if f.Name == name {
			out = append(out, f.SelectionSet...)
		}
	}
	return out
}

// connectionNodes is the selection applied to the rows of a connection:
// its nodes field and its edges' node field.
func connectionNodes(sel ast.SelectionSet) ast.SelectionSet {
	return append(childSelection(sel, "nodes"), childSelection(childSelection(sel, "edges"), "node")...)
}

// fieldSelection is the selection of the field being resolved.
func fieldSelection(ctx context.Context) ast.SelectionSet {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		return fc.Field.Selections
	}
	return nil
}
