// Package loader batches the store calls of one GraphQL request: every
// node and every node's relationships asked for while resolving a level of
// the query are fetched in one store call, so the number of round trips
// grows with the depth of a query, not with the number of rows.
package loader

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/otehub/hub"
)

// Loaders are the request-scoped batch loaders.
type Loaders struct {
	store hub.Store
	// partial holds relationships fetched for some types only (see
	// PrimePartial), by node id.
	partial sync.Map
	// Node loads nodes by id; a missing node is a nil value, not an error.
	Node *dataloadgen.Loader[string, *hub.Node]
	// Relationship loads relationships by id.
	Relationship *dataloadgen.Loader[string, *hub.Relationship]
	// Adjacent loads every relationship touching a node, in either
	// direction; callers filter and page in memory (a node's degree is
	// small next to the graph).
	Adjacent *dataloadgen.Loader[string, []*hub.Relationship]
}

// wait is how long a loader collects keys before it calls the store.
// Resolvers of one level run concurrently, so a short window suffices.
const wait = 500 * time.Microsecond

// New returns fresh loaders over store. Use one per request: they cache.
func New(store hub.Store) *Loaders {
	l := &Loaders{store: store}
	l.Node = dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([]*hub.Node, []error) {
		nodes, err := store.NodesByID(ctx, ids)
		return nodes, fill(len(ids), err)
	}, dataloadgen.WithWait(wait))
	l.Relationship = dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([]*hub.Relationship, []error) {
		rels, err := store.RelationshipsByID(ctx, ids)
		return rels, fill(len(ids), err)
	}, dataloadgen.WithWait(wait))
	l.Adjacent = dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([][]*hub.Relationship, []error) {
		rels, _, err := store.FindRelationships(ctx,
			hub.RelationshipFilter{NodeIDs: ids, Direction: hub.Both},
			hub.ListOptions{First: hub.Unlimited, Unordered: true})
		if err != nil {
			return nil, fill(len(ids), err)
		}
		pos := make(map[string]int, len(ids))
		for i, id := range ids {
			pos[id] = i
		}
		out := make([][]*hub.Relationship, len(ids))
		for _, r := range rels {
			if i, ok := pos[r.FromID]; ok {
				out[i] = append(out[i], r)
			}
			if i, ok := pos[r.ToID]; ok && r.ToID != r.FromID {
				out[i] = append(out[i], r)
			}
		}
		return out, nil
	}, dataloadgen.WithWait(wait))
	return l
}

// partialAdjacency is some of a node's relationships: those in Dir
// (BOTH: either) with one of Types.
type partialAdjacency struct {
	dir   hub.Direction
	types []hub.RelationshipType
	rels  []*hub.Relationship
}

// PrimePartial records a node's relationships of some types in one
// direction, fetched ahead by a caller that knew no other would be
// needed. Covered answers from it.
func (l *Loaders) PrimePartial(id string, dir hub.Direction, types []hub.RelationshipType, rels []*hub.Relationship) {
	l.partial.Store(id, &partialAdjacency{dir: dir, types: types, rels: rels})
}

// Covered returns a node's relationships in dir with one of types when a
// partial prime holds all of them (types must be named).
func (l *Loaders) Covered(id string, dir hub.Direction, types []hub.RelationshipType) ([]*hub.Relationship, bool) {
	v, ok := l.partial.Load(id)
	if !ok || len(types) == 0 {
		return nil, false
	}
	p := v.(*partialAdjacency)
	if p.dir != hub.Both && p.dir != dir {
		return nil, false
	}
	for _, t := range types {
		if !slices.Contains(p.types, t) {
			return nil, false
		}
	}
	return p.rels, true
}

// Store returns the store the loaders read.
func (l *Loaders) Store() hub.Store { return l.store }

func fill(n int, err error) []error {
	if err == nil {
		return nil
	}
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

type ctxKey struct{}

// With returns ctx carrying loaders.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of the operation ctx belongs to (graph.NewHandler
// installs them). It panics without them: that is a wiring bug.
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loader: no loaders in context; the GraphQL handler installs them per operation")
	}
	return l
}
