package graph

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/loader"
	"github.com/otehub/hub/graph/model"
)

// Input limits on filter arguments.
const (
	maxFilterItems = 100
	maxFilterText  = 200
)

// nodeWhere holds the filter fields that every collection's where input
// shares; each resolver fills it from its own input type.
type nodeWhere struct {
	IDIn, KeyIn, RegionIn, TypeIn []string
	NameContains                  *string
}

func (w nodeWhere) filter(kind hub.Kind) (hub.NodeFilter, error) {
	for _, l := range [][]string{w.IDIn, w.KeyIn, w.RegionIn, w.TypeIn} {
		if len(l) > maxFilterItems {
			return hub.NodeFilter{}, hub.Errorf(hub.EINVALID, "a filter list holds at most %d items", maxFilterItems)
		}
	}
	f := hub.NodeFilter{Kinds: []hub.Kind{kind}, IDs: w.IDIn, Keys: w.KeyIn, RegionIDs: w.RegionIn, Types: w.TypeIn}
	if w.NameContains != nil {
		if utf8.RuneCountInString(*w.NameContains) > maxFilterText {
			return hub.NodeFilter{}, hub.Errorf(hub.EINVALID, "nameContains is longer than %d characters", maxFilterText)
		}
		f.NameContains = hub.Normalize(*w.NameContains)
		if f.NameContains == "" {
			return hub.NodeFilter{}, hub.Errorf(hub.EINVALID, "nameContains must contain a letter or a digit")
		}
	}
	return f, nil
}

// listNodes answers a collection query for one kind.
func listNodes[T model.Node](ctx context.Context, s hub.Store, kind hub.Kind, w nodeWhere, first *int, after *string, orderBy []*model.NodeOrder) (*model.Connection[T], error) {
	f, err := w.filter(kind)
	if err != nil {
		return nil, err
	}
	opts, err := model.ListOptions(first, after, model.NodeOrders(orderBy), hub.NodeOrderFields, hub.OrderByName)
	if err != nil {
		return nil, err
	}
	page, hasNext, err := s.FindNodes(ctx, f, opts)
	if err != nil {
		return nil, err
	}
	if err := prefetchNodes(ctx, page, connectionNodes(fieldSelection(ctx))); err != nil {
		return nil, err
	}
	return model.NewConnection(model.NodeEdges[T](page, opts.OrderBy), hasNext, func(ctx context.Context) (int, error) {
		return s.CountNodes(ctx, f)
	}), nil
}

// strs converts a list of enum values to strings.
func strs[E ~string](in []E) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, e := range in {
		out[i] = string(e)
	}
	return out
}

// ids checks a list of client-given ids.
func checkIDs(ids []string) error {
	if len(ids) > maxFilterItems {
		return hub.Errorf(hub.EINVALID, "at most %d ids at once", maxFilterItems)
	}
	for _, id := range ids {
		if _, err := hub.ParseID(id); err != nil {
			return err
		}
	}
	return nil
}

// loadNodes loads nodes or relationships by global id, nil where missing.
func loadNodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	out := make([]model.Node, len(ids))
	var nodeIDs, relIDs []string
	for _, id := range ids {
		if kind, _ := hub.ParseID(id); kind == "Relationship" {
			relIDs = append(relIDs, id)
		} else {
			nodeIDs = append(nodeIDs, id)
		}
	}
	l := loader.For(ctx)
	nodes, err := l.Node.LoadAll(ctx, nodeIDs)
	if err != nil {
		return nil, err
	}
	if err := prefetchNodes(ctx, slices.DeleteFunc(slices.Clone(nodes), func(n *hub.Node) bool { return n == nil }), fieldSelection(ctx)); err != nil {
		return nil, err
	}
	rels, err := l.Relationship.LoadAll(ctx, relIDs)
	if err != nil {
		return nil, err
	}
	if err := prefetchRelationships(ctx, slices.DeleteFunc(slices.Clone(rels), func(r *hub.Relationship) bool { return r == nil }), fieldSelection(ctx)); err != nil {
		return nil, err
	}
	for i, id := range ids {
		if kind, _ := hub.ParseID(id); kind == "Relationship" {
			if r := rels[0]; r != nil {
				out[i] = model.NewRelationship(r)
			}
			rels = rels[1:]
		} else {
			if v := model.View(nodes[0]); v != nil {
				out[i] = v
			}
			nodes = nodes[1:]
		}
	}
	return out, nil
}

func searchResults(hits []hub.SearchHit) []*model.SearchResult {
	out := make([]*model.SearchResult, 0, len(hits))
	for _, h := range hits {
		if e := model.EntityOf(h.Node); e != nil {
			out = append(out, &model.SearchResult{
				Node:         e,
				Match:        model.MatchQuality(h.Quality.String()),
				MatchedText:  h.Text,
				MatchedField: h.Field,
			})
		}
	}
	return out
}
