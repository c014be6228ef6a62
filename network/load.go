package network

import (
	"context"
	"slices"
	"time"

	"github.com/otehub/hub"
)

// Limits of Load.
const (
	// MaxDepth is the deepest neighbourhood Load expands.
	MaxDepth = 6
	// DefaultLimit is the node limit when LoadOptions.Limit is 0.
	DefaultLimit = 500
	// MaxLimit is the largest subgraph the API returns (its limit
	// argument): a bound on the size of an answer. Load itself reads up
	// to MaxNodes, the cap of the near-linear algorithms, for searches
	// such as paths whose answer is small.
	MaxLimit = 5_000
	// MaxLoadEdges bounds the relationships of a loaded subgraph; a
	// subgraph with more is an ETOOLARGE error (relationships cannot be
	// cut without distorting every metric).
	MaxLoadEdges = 100_000
)

// LoadOptions selects a subgraph.
type LoadOptions struct {
	// Center are the node ids to expand from. When empty, the nodes that
	// Filter and Where select (hub.Select) are the seeds instead; with
	// centers, Filter and Where must be empty.
	Center []string
	Filter hub.NodeFilter
	Where  *hub.Where
	// Depth is the number of levels of neighbours added to the seeds
	// (0..MaxDepth): 0 is the seeds and the relationships among them.
	Depth int
	// Direction is the direction of the relationships followed from a
	// node (BOTH when empty).
	Direction hub.Direction
	// Types are the relationship types followed and kept (all when
	// empty).
	Types []hub.RelationshipType
	// Limit is the maximum number of nodes (DefaultLimit when 0, at most
	// MaxNodes).
	Limit int
	// AsOf, when set, loads the network as it stood on that day: nodes
	// and relationships whose Period does not contain the day are left
	// out (undated ones count).
	AsOf *time.Time
}

func (o *LoadOptions) check() error {
	switch {
	case o.Depth < 0 || o.Depth > MaxDepth:
		return hub.Errorf(hub.EINVALID, "depth must be between 0 and %d, got %d", MaxDepth, o.Depth)
	case o.Limit < 0:
		return hub.Errorf(hub.EINVALID, "limit must not be negative, got %d", o.Limit)
	case o.Limit > MaxNodes:
		return hub.Errorf(hub.ETOOLARGE, "limit must be at most %d nodes, got %d", MaxNodes, o.Limit)
	case len(o.Center) > MaxLimit:
		return hub.Errorf(hub.ETOOLARGE, "at most %d centers, got %d", MaxLimit, len(o.Center))
	case o.Direction != "" && o.Direction != hub.Out && o.Direction != hub.In && o.Direction != hub.Both:
		return hub.Errorf(hub.EINVALID, "unknown direction %q", o.Direction)
	case len(o.Center) > 0 && (!filterIsZero(&o.Filter) || o.Where != nil):
		return hub.Errorf(hub.EINVALID, "a filter selects the seeds when there are no centers; give centers or a filter, not both")
	}
	for _, t := range o.Types {
		if !t.Valid() {
			return hub.Errorf(hub.EINVALID, "unknown relationship type %q", t)
		}
	}
	return nil
}

func filterIsZero(f *hub.NodeFilter) bool {
	return len(f.IDs) == 0 && len(f.Kinds) == 0 && len(f.Keys) == 0 && len(f.Types) == 0 &&
		len(f.RegionIDs) == 0 && f.NameContains == ""
}

// Load returns a subgraph of s by breadth-first frontier expansion.
//
// Level 0 (the seeds) is the Center nodes, or without centers the nodes
// hub.Select returns for Filter, Where and AsOf. Each level then costs
// exactly one s.FindRelationships (the relationships of Types in
// Direction touching the level's nodes, all of them) and one s.NodesByID
// (the new nodes at their other ends), so a subgraph of depth d takes d+1
// relationship queries and at most d+1 node queries (plus hub.Select's
// own without centers) and never reads the whole network. The last
// level's relationship query finds the relationships among the nodes of
// that level, so the result holds every relationship of Types between
// two of its nodes (the induced subgraph), whatever their direction.
//
// Limit caps the nodes: they are kept in breadth-first order (by level,
// then by node id) up to the limit and Truncated is set; the cut never
// happens silently. Edges are those between kept nodes. Nodes and edges
// are sorted by id.
//
// Errors: EINVALID for a bad option (depth outside 0..MaxDepth, unknown
// direction or type, centers with a filter), ETOOLARGE for a limit above
// MaxLimit or a subgraph with more than MaxLoadEdges relationships,
// ENOTFOUND for a center that does not exist (a center that did not
// exist on AsOf is left out), and the store's errors.
//
// The algorithms run on the graph (centralities, communities, brokers,
// k shortest paths) stop with ctx's error once ctx ends: the graph is
// read for one request, and its work should not outlive it.
//
// Time O(d · store round trip + (V+E)·log(V+E)) for the V nodes and E
// relationships read; space O(V+E).
func Load(ctx context.Context, s hub.Reader, opt LoadOptions) (*Graph, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	limit := opt.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	dir := opt.Direction
	if dir == "" {
		dir = hub.Both
	}
	active := func(p *hub.Period) bool { return opt.AsOf == nil || p.Contains(*opt.AsOf) }

	// Level 0.
	var seeds []*hub.Node
	truncated := false
	if len(opt.Center) > 0 {
		ids := slices.Clone(opt.Center)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		nodes, err := s.NodesByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for i, n := range nodes {
			if n == nil {
				return nil, hub.Errorf(hub.ENOTFOUND, "node %q not found", ids[i])
			}
			// A merged node's id resolves to the node kept, which may be
			// a center too.
			if active(n.Period) && !seen[n.ID] {
				seen[n.ID] = true
				seeds = append(seeds, n)
			}
		}
	} else {
		ids, err := hub.Select(ctx, s, opt.Filter, opt.Where, opt.AsOf)
		if err != nil {
			return nil, err
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) > limit {
			ids, truncated = ids[:limit], true
		}
		if len(ids) > 0 {
			nodes, err := s.NodesByID(ctx, ids)
			if err != nil {
				return nil, err
			}
			seeds = slices.DeleteFunc(nodes, func(n *hub.Node) bool { return n == nil })
		}
	}
	if len(seeds) > limit {
		seeds, truncated = seeds[:limit], true
	}

	kept := slices.Clone(seeds)
	// seen holds every node id already decided: kept, or read and
	// refused (missing, or inactive on AsOf), so that it is read once.
	seen := make(map[string]bool, len(kept))
	for _, n := range kept {
		seen[n.ID] = true
	}
	rels := map[string]*hub.Relationship{}
	frontier := seeds
	for level := 0; len(frontier) > 0; level++ {
		ids := make([]string, len(frontier))
		inFrontier := make(map[string]bool, len(frontier))
		for i, n := range frontier {
			ids[i] = n.ID
			inFrontier[n.ID] = true
		}
		found, _, err := s.FindRelationships(ctx,
			hub.RelationshipFilter{NodeIDs: ids, Direction: dir, Types: opt.Types},
			hub.ListOptions{First: hub.Unlimited})
		if err != nil {
			return nil, err
		}
		var next []string
		for _, r := range found {
			if !active(r.Period) {
				continue
			}
			rels[r.ID] = r
			if level == opt.Depth {
				continue
			}
			if dir != hub.In && inFrontier[r.FromID] && !seen[r.ToID] {
				next = append(next, r.ToID)
			}
			if dir != hub.Out && inFrontier[r.ToID] && !seen[r.FromID] {
				next = append(next, r.FromID)
			}
		}
		frontier = nil
		if len(next) == 0 || (truncated && len(kept) >= limit) {
			// Nothing new, or no room left and the cut already known.
			break
		}
		slices.Sort(next)
		next = slices.Compact(next)
		nodes, err := s.NodesByID(ctx, next)
		if err != nil {
			return nil, err
		}
		for i, n := range nodes {
			seen[next[i]] = true
			if n != nil && active(n.Period) {
				frontier = append(frontier, n)
			}
		}
		if room := limit - len(kept); len(frontier) > room {
			frontier, truncated = frontier[:room], true
		}
		kept = append(kept, frontier...)
	}

	keptIDs := make(map[string]bool, len(kept))
	for _, n := range kept {
		keptIDs[n.ID] = true
	}
	var edges []*hub.Relationship
	for _, r := range rels {
		if keptIDs[r.FromID] && keptIDs[r.ToID] {
			edges = append(edges, r)
		}
	}
	if len(edges) > MaxLoadEdges {
		return nil, hub.Errorf(hub.ETOOLARGE, "the subgraph has %d relationships, more than %d: lower the depth or the limit, or name relationship types",
			len(edges), MaxLoadEdges)
	}
	g, err := New(kept, edges)
	if err != nil {
		return nil, err
	}
	g.Truncated = truncated
	g.ctx = ctx
	return g, nil
}
