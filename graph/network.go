package graph

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
	"github.com/otehub/hub/network"
)

// subgraph are the arguments that select a subgraph, shared by network,
// networkMetrics and networkDiff.
type subgraph struct {
	center    []string
	depth     *int
	direction *model.Direction
	types     []model.RelationshipType
	kinds     []model.NodeKind
	where     *model.EntityWhere
	limit     *int
	asOf      *time.Time
}

func (a subgraph) options() (network.LoadOptions, error) {
	if err := checkIDs(a.center); err != nil {
		return network.LoadOptions{}, err
	}
	opt := network.LoadOptions{Center: a.center, Types: model.RelationshipTypes(a.types), AsOf: a.asOf}
	if a.direction != nil {
		opt.Direction = hub.Direction(*a.direction)
	}
	if a.limit != nil {
		opt.Limit = *a.limit
		if opt.Limit < 1 {
			return opt, hub.Errorf(hub.EINVALID, "limit must be at least 1")
		}
		if opt.Limit > network.MaxLimit {
			return opt, hub.Errorf(hub.ETOOLARGE, "limit must be at most %d nodes, got %d", network.MaxLimit, opt.Limit)
		}
	}
	if len(a.center) > 0 {
		if len(a.kinds) > 0 || a.where != nil {
			return opt, hub.Errorf(hub.EINVALID, "kinds and where select nodes without center; with center, use depth and relationshipTypes")
		}
		if a.depth != nil {
			opt.Depth = *a.depth
		}
		return opt, nil
	}
	// Without centers the subgraph is the selected nodes and the
	// relationships among them.
	opt.Filter.Kinds = entityKinds(a.kinds)
	w, err := toWhere(a.where)
	if err != nil {
		return opt, err
	}
	opt.Where = w
	return opt, nil
}

func loadNetwork(ctx context.Context, s hub.Reader, a subgraph) (*model.Network, error) {
	opt, err := a.options()
	if err != nil {
		return nil, err
	}
	g, err := network.Load(ctx, s, opt)
	if err != nil {
		return nil, err
	}
	deg, err := network.Degree(g)
	if err != nil {
		return nil, err
	}
	return &model.Network{G: g, Degrees: deg, Rq: model.RequestOf(ctx)}, nil
}

// maxPathCandidates bounds the neighbourhood paths are searched in: the
// cap of the breadth-first search, which is linear in it.
const maxPathCandidates = network.MaxNodes

func paths(ctx context.Context, s hub.Reader, from, to string, maxLength *int, types []model.RelationshipType, directed *bool, first *int, asOf *time.Time) ([]*model.Path, error) {
	if err := checkIDs([]string{from, to}); err != nil {
		return nil, err
	}
	length, k, dir := 6, 1, false
	if maxLength != nil {
		length = *maxLength
	}
	if first != nil {
		k = *first
	}
	if directed != nil {
		dir = *directed
	}
	if length < 1 || length > network.MaxDepth {
		return nil, hub.Errorf(hub.EINVALID, "maxLength must be between 1 and %d", network.MaxDepth)
	}
	if k < 1 || k > hub.MaxPageSize {
		return nil, hub.Errorf(hub.EINVALID, "first must be between 1 and %d", hub.MaxPageSize)
	}
	ends, err := s.NodesByID(ctx, []string{from, to})
	if err != nil {
		return nil, err
	}
	for i, n := range ends {
		if n == nil {
			return nil, hub.Errorf(hub.ENOTFOUND, "node %q not found", []string{from, to}[i])
		}
	}
	opt := network.LoadOptions{Center: []string{from}, Depth: length, Types: model.RelationshipTypes(types), Limit: maxPathCandidates, AsOf: asOf}
	if dir {
		opt.Direction = hub.Out
	}
	g, err := network.Load(ctx, s, opt)
	if err != nil {
		return nil, err
	}
	if g.Truncated {
		return nil, hub.Errorf(hub.ETOOLARGE, "more than %d nodes lie within %d steps; lower maxLength or name relationshipTypes", maxPathCandidates, length)
	}
	if !g.Has(from) || !g.Has(to) {
		// Both exist, but no path of at most maxLength steps joins them
		// (or one of them is not in the network on asOf).
		return []*model.Path{}, nil
	}
	var found []network.Path
	if k == 1 {
		found, err = network.AllShortestPaths(g, from, to, length, dir, hub.MaxPageSize)
	} else {
		found, err = network.ShortestPaths(g, from, to, length, k, dir)
	}
	if err != nil {
		return nil, err
	}
	out := make([]*model.Path, len(found))
	rq := model.RequestOf(ctx)
	for i, p := range found {
		out[i] = model.NewPath(rq, p)
	}
	return out, nil
}

func networkMetrics(ctx context.Context, s hub.Reader, a subgraph) (*model.NetworkMetrics, error) {
	opt, err := a.options()
	if err != nil {
		return nil, err
	}
	g, err := network.Load(ctx, s, opt)
	if err != nil {
		return nil, err
	}
	m := &model.NetworkMetrics{G: g, Rq: model.RequestOf(ctx)}
	if m.Degrees, err = network.Degree(g); err != nil {
		return nil, err
	}
	if m.Betweenness, err = network.Betweenness(g, true); err != nil {
		return nil, err
	}
	if m.Closeness, err = network.Closeness(g); err != nil {
		return nil, err
	}
	if m.EigenvectorM, err = network.Eigenvector(g); errors.Is(err, network.ErrNotConverged) {
		m.EigenvectorM, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m.Partition, err = network.Communities(g, 1); err != nil {
		return nil, err
	}
	if m.BrokerList, err = network.Brokers(g); err != nil {
		return nil, err
	}
	// The pilots each broker takes part in: its pilot neighbours.
	kinds := make(map[string]hub.Kind, len(g.Nodes))
	for _, n := range g.Nodes {
		kinds[n.ID] = n.Kind
	}
	m.PilotsOf = map[string][]string{}
	for _, b := range m.BrokerList {
		for _, e := range g.Edges {
			other := ""
			switch b.NodeID {
			case e.FromID:
				other = e.ToID
			case e.ToID:
				other = e.FromID
			}
			if other != "" && kinds[other] == hub.KindPilot && !slices.Contains(m.PilotsOf[b.NodeID], other) {
				m.PilotsOf[b.NodeID] = append(m.PilotsOf[b.NodeID], other)
			}
		}
	}
	return m, nil
}

// networkDiff compares the subgraph between two days of valid time
// (from, to), two recorded times (recordedFrom, recordedTo), or both.
func (r *Resolver) networkDiff(ctx context.Context, from, to, recordedFrom, recordedTo *time.Time, a subgraph) (*model.NetworkDiff, error) {
	if from == nil && to == nil && recordedFrom == nil && recordedTo == nil {
		return nil, hub.Errorf(hub.EINVALID, "give the days (from, to), the recorded times (recordedFrom, recordedTo) or both to compare")
	}
	if from != nil && to != nil && to.Before(*from) {
		return nil, hub.Errorf(hub.EINVALID, "to must not be before from")
	}
	if recordedFrom != nil && recordedTo != nil && recordedTo.Before(*recordedFrom) {
		return nil, hub.Errorf(hub.EINVALID, "recordedTo must not be before recordedFrom")
	}
	opt, err := a.options()
	if err != nil {
		return nil, err
	}
	before, err := r.reader(ctx, recordedFrom)
	if err != nil {
		return nil, err
	}
	after, err := r.reader(ctx, recordedTo)
	if err != nil {
		return nil, err
	}
	d, err := network.DiffBetween(ctx, before, after, opt, from, to)
	if err != nil {
		return nil, err
	}
	rq := model.RequestOf(ctx)
	return &model.NetworkDiff{D: d, Before: rq.On(before), After: rq.On(after)}, nil
}
