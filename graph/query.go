package graph

import (
	"context"
	"slices"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// maxFilterText bounds the characters of a nameContains filter.
const maxFilterText = 200

// listRelationships answers the relationships collection. With asOf or
// conditions beyond the plain filter, the matching rows are filtered and
// paged here with the reference semantics; otherwise the reader pages
// them.
func listRelationships(ctx context.Context, s hub.Reader, where *model.RelationshipWhere, asOf *time.Time, args model.PageArgs, orderBy []*model.RelationshipOrder) (*model.RelationshipConnection, error) {
	w, err := relationshipFilter(where)
	if err != nil {
		return nil, err
	}
	f := w.Filter
	opts, err := model.ListOptions(args, model.RelationshipOrders(orderBy), hub.RelationshipOrderFields, hub.OrderByType)
	if err != nil {
		return nil, err
	}
	var (
		page    []*hub.Relationship
		hasNext bool
		count   func(context.Context) (int, error)
	)
	if asOf == nil && w.IsSimple() {
		if page, hasNext, err = s.FindRelationships(ctx, f, opts); err != nil {
			return nil, err
		}
		count = func(ctx context.Context) (int, error) { return s.CountRelationships(ctx, f) }
	} else {
		all, _, err := s.FindRelationships(ctx, f, hub.ListOptions{First: hub.Unlimited})
		if err != nil {
			return nil, err
		}
		all = slices.DeleteFunc(all, func(r *hub.Relationship) bool {
			return (asOf != nil && !r.Period.Contains(*asOf)) || !w.Match(r)
		})
		page, hasNext = hub.PageRelationships(all, opts)
		count = func(context.Context) (int, error) { return len(all), nil }
	}
	return model.NewConnection(model.RelationshipEdges(model.RequestOf(ctx), page, opts.OrderBy), args, hasNext, count), nil
}

// listProvisions answers the provisions query: the light rows of
// hub.ProvisionRows, paged with the fixed provision order; only the page
// is hydrated into provisions with their nodes and relationships.
func listProvisions(ctx context.Context, s hub.Reader, where *model.ProvisionWhere, asOf *time.Time, args model.PageArgs) (*model.ProvisionConnection, error) {
	f, err := provisionFilter(where, asOf)
	if err != nil {
		return nil, err
	}
	order := hub.ProvisionOrder()
	opts, err := model.ListOptions(args, order, nil, "")
	if err != nil {
		return nil, err
	}
	pageRows, hasNext, total, err := hub.ProvisionPage(ctx, s, f, opts)
	if err != nil {
		return nil, err
	}
	page, err := hub.HydrateProvisions(ctx, s, pageRows)
	if err != nil {
		return nil, err
	}
	edges := make([]*model.ProvisionEdge, len(page))
	for i, p := range page {
		edges[i] = model.NewEdge(model.NewProvision(model.RequestOf(ctx), p), func() string {
			return hub.EncodeCursor(order, hub.ProvisionOrderValues(p), p.ID)
		})
	}
	return model.NewConnection(edges, args, hasNext, func(context.Context) (int, error) { return total, nil }), nil
}

// provisionFilter converts a provisions where input.
func provisionFilter(where *model.ProvisionWhere, asOf *time.Time) (hub.ProvisionFilter, error) {
	f := hub.ProvisionFilter{AsOf: asOf}
	if where == nil {
		return f, nil
	}
	for _, l := range [][]string{where.ServiceIn, where.ProviderIn, where.RecipientIn, where.PilotIn, where.RegionIn, where.ThemeIn} {
		if err := checkIDs(l); err != nil {
			return f, err
		}
	}
	f.ServiceIDs, f.ProviderIDs, f.RecipientIDs = where.ServiceIn, where.ProviderIn, where.RecipientIn
	f.ContextIDs, f.RegionIDs, f.ThemeIDs = where.PilotIn, where.RegionIn, where.ThemeIn
	for _, t := range where.ServiceTypeIn {
		f.ServiceTypes = append(f.ServiceTypes, string(t))
	}
	for _, k := range where.RecipientKindIn {
		f.RecipientKinds = append(f.RecipientKinds, hub.Kind(k))
	}
	for _, b := range where.BasisIn {
		f.Bases = append(f.Bases, hub.ProvisionBasis(b))
	}
	return f, nil
}

// relationshipFilter converts a relationships where input.
func relationshipFilter(where *model.RelationshipWhere) (*hub.RelationshipWhere, error) {
	if where == nil {
		return &hub.RelationshipWhere{}, nil
	}
	for _, l := range [][]string{where.FromIn, where.ToIn, where.NodeIn, where.SourceIn} {
		if err := checkIDs(l); err != nil {
			return nil, err
		}
	}
	w := &hub.RelationshipWhere{
		Filter: hub.RelationshipFilter{Types: model.RelationshipTypes(where.TypeIn), FromIDs: where.FromIn, ToIDs: where.ToIn, NodeIDs: where.NodeIn},
	}
	if a := where.Amount; a != nil {
		w.Amount = &hub.FloatRange{Eq: a.Eq, Gt: a.Gt, Gte: a.Gte, Lt: a.Lt, Lte: a.Lte}
	}
	w.Period, w.Role = periodMatch(where.Period), stringMatch(where.Role)
	w.SourceIDs = where.SourceIn
	w.UpdatedSince = where.UpdatedSince
	return w, nil
}

// checkIDs checks a list of client-given ids; inputLimits has bounded
// its length.
func checkIDs(ids []string) error {
	for _, id := range ids {
		if _, err := hub.ParseID(id); err != nil {
			return err
		}
	}
	return nil
}

// loadNodes reads nodes or relationships by global id, nil where missing.
func loadNodes(ctx context.Context, s hub.Reader, ids []string) ([]model.Node, error) {
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	var nodeIDs, relIDs []string
	for _, id := range ids {
		if kind, _ := hub.ParseID(id); kind == "Relationship" {
			relIDs = append(relIDs, id)
		} else {
			nodeIDs = append(nodeIDs, id)
		}
	}
	nodes, err := s.NodesByID(ctx, nodeIDs)
	if err != nil {
		return nil, err
	}
	rels, err := s.RelationshipsByID(ctx, relIDs)
	if err != nil {
		return nil, err
	}
	rq := model.RequestOf(ctx)
	out := make([]model.Node, len(ids))
	for i, id := range ids {
		if kind, _ := hub.ParseID(id); kind == "Relationship" {
			if r := rels[0]; r != nil {
				out[i] = model.NewRelationship(rq, r)
			}
			rels = rels[1:]
		} else {
			if v := model.View(rq, nodes[0]); v != nil {
				out[i] = v
			}
			nodes = nodes[1:]
		}
	}
	return out, nil
}

func searchResults(rq *model.Request, hits []hub.SearchHit) []*model.SearchResult {
	out := make([]*model.SearchResult, 0, len(hits))
	for _, h := range hits {
		if e := model.EntityOf(rq, h.Node); e != nil {
			out = append(out, &model.SearchResult{
				Node:         e,
				Match:        model.MatchQuality(h.Quality.String()),
				MatchedText:  h.Text,
				MatchedField: h.Field,
				Cursor:       h.Cursor,
			})
		}
	}
	return out
}
