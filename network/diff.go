package network

import (
	"context"
	"time"

	"github.com/otehub/hub"
)

// Delta is how a subgraph changed between two dates. Every list is
// sorted by id.
type Delta struct {
	From, To time.Time
	// NodesAppeared are in the subgraph on To only, NodesEnded on From
	// only, NodesChanged on both with a different Period.
	NodesAppeared []*hub.Node
	NodesEnded    []*hub.Node
	NodesChanged  []NodeChange
	// EdgesAppeared, EdgesEnded and EdgesChanged are the same for
	// relationships; a change is a different Period, Role or Amount.
	EdgesAppeared []*hub.Relationship
	EdgesEnded    []*hub.Relationship
	EdgesChanged  []EdgeChange
	// Truncated is true when either subgraph was cut at its node limit,
	// so that a node can look appeared or ended only because the cut
	// fell differently.
	Truncated bool
}

// NodeChange is a node as it was in both subgraphs.
type NodeChange struct{ Before, After *hub.Node }

// EdgeChange is a relationship as it was in both subgraphs.
type EdgeChange struct{ Before, After *hub.Relationship }

// Diff loads the subgraph opt describes as it stood on from and on to
// (opt with AsOf set to each date; opt.AsOf must be nil) and compares
// them with Compare.
//
// The Store keeps the current version of each row, not its history, so
// both loads read the same rows: a node or relationship appears or ends
// because its Period contains one date and not the other, and "changed"
// can only list rows written between the two loads. Compare two graphs
// from two stores (or two dataset versions) to see changed values.
//
// Errors: EINVALID when to is before from or opt.AsOf is set, and those
// of Load. Time and space those of two Loads plus O(V+E).
func Diff(ctx context.Context, s hub.Reader, opt LoadOptions, from, to time.Time) (*Delta, error) {
	if opt.AsOf != nil {
		return nil, hub.Errorf(hub.EINVALID, "a diff sets the date of each subgraph itself: leave asOf empty")
	}
	if to.Before(from) {
		return nil, hub.Errorf(hub.EINVALID, "the diff's end date is before its start date")
	}
	opt.AsOf = &from
	before, err := Load(ctx, s, opt)
	if err != nil {
		return nil, err
	}
	opt.AsOf = &to
	after, err := Load(ctx, s, opt)
	if err != nil {
		return nil, err
	}
	d := Compare(before, after)
	d.From, d.To = from, to
	return d, nil
}

// Compare lists the nodes and relationships that are in after only
// (appeared), in before only (ended), or in both with a different Period
// (nodes) or Period, Role or Amount (relationships). Time O(V+E), space
// O(V+E).
func Compare(before, after *Graph) *Delta {
	d := &Delta{Truncated: before.Truncated || after.Truncated}
	d.NodesAppeared, d.NodesEnded, d.NodesChanged = compare(before.Nodes, after.Nodes,
		func(n *hub.Node) string { return n.ID },
		func(a, b *hub.Node) bool { return samePeriod(a.Period, b.Period) },
		func(a, b *hub.Node) NodeChange { return NodeChange{a, b} })
	d.EdgesAppeared, d.EdgesEnded, d.EdgesChanged = compare(before.Edges, after.Edges,
		func(r *hub.Relationship) string { return r.ID },
		func(a, b *hub.Relationship) bool {
			return samePeriod(a.Period, b.Period) && a.Role == b.Role && sameAmount(a.Amount, b.Amount)
		},
		func(a, b *hub.Relationship) EdgeChange { return EdgeChange{a, b} })
	return d
}

// compare merges two lists sorted by id.
func compare[T any, C any](before, after []T, id func(T) string, same func(a, b T) bool, change func(a, b T) C) (appeared, ended []T, changed []C) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && id(before[i]) < id(after[j])):
			ended = append(ended, before[i])
			i++
		case i == len(before) || id(after[j]) < id(before[i]):
			appeared = append(appeared, after[j])
			j++
		default:
			if !same(before[i], after[j]) {
				changed = append(changed, change(before[i], after[j]))
			}
			i++
			j++
		}
	}
	return appeared, ended, changed
}

func samePeriod(a, b *hub.Period) bool {
	if a == nil || b == nil {
		return (a == nil || (a.Start == nil && a.End == nil)) && (b == nil || (b.Start == nil && b.End == nil))
	}
	return sameTime(a.Start, b.Start) && sameTime(a.End, b.End)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func sameAmount(a, b *hub.Money) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
