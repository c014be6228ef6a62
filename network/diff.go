package network

import (
	"context"
	"time"

	"github.com/otehub/hub"
)

// Delta is how a subgraph changed between two networks: two dates of
// valid time, two recorded times (the network as the hub recorded it
// then), or both. Every list is sorted by id.
type Delta struct {
	// From and To are the dates of valid time compared (nil: every row
	// counts whatever its period).
	From, To *time.Time
	// NodesAppeared are in the later subgraph only, NodesEnded in the
	// earlier only, NodesChanged in both with different facts.
	NodesAppeared []*hub.Node
	NodesEnded    []*hub.Node
	NodesChanged  []NodeChange
	// EdgesAppeared, EdgesEnded and EdgesChanged are the same for
	// relationships.
	EdgesAppeared []*hub.Relationship
	EdgesEnded    []*hub.Relationship
	EdgesChanged  []EdgeChange
	// Truncated is true when either subgraph was cut at its node limit,
	// so that a node can look appeared or ended only because the cut
	// fell differently.
	Truncated bool
}

// NodeChange is a node as it was in both subgraphs, and the facts that
// differ (hub.NodeChanges).
type NodeChange struct {
	Before, After *hub.Node
	Changes       []hub.FieldChange
}

// EdgeChange is a relationship as it was in both subgraphs, and the
// facts that differ.
type EdgeChange struct {
	Before, After *hub.Relationship
	Changes       []hub.FieldChange
}

// Diff loads the subgraph opt describes as it stood on from and on to
// (opt with AsOf set to each date; opt.AsOf must be nil) from one
// network and compares them with Compare.
//
// Both loads read the same rows, so a node or relationship appears or
// ends because its Period contains one date and not the other, and
// nothing changes but what was written between the two loads. To see
// corrected values, compare the network as the hub recorded it at two
// times (DiffBetween with two snapshots, index.Live.AsRecorded).
//
// Errors: EINVALID when to is before from or opt.AsOf is set, and those
// of Load. Time and space those of two Loads plus O(V+E).
func Diff(ctx context.Context, s hub.Reader, opt LoadOptions, from, to time.Time) (*Delta, error) {
	return DiffBetween(ctx, s, s, opt, &from, &to)
}

// DiffBetween loads the subgraph opt describes from the network before
// as it stood on from, and from after as it stood on to, and compares
// them with Compare. A nil date takes every row whatever its period.
// before and after are two networks, such as the network as the hub
// recorded it at two times; they may be the same one.
//
// Errors: EINVALID when to is before from or opt.AsOf is set, and those
// of Load. Time and space those of two Loads plus O(V+E), and the
// marshalling of every row that is in both and not the same value.
func DiffBetween(ctx context.Context, before, after hub.Reader, opt LoadOptions, from, to *time.Time) (*Delta, error) {
	if opt.AsOf != nil {
		return nil, hub.Errorf(hub.EINVALID, "a diff sets the date of each subgraph itself: leave asOf empty")
	}
	if from != nil && to != nil && to.Before(*from) {
		return nil, hub.Errorf(hub.EINVALID, "the diff's end date is before its start date")
	}
	opt.AsOf = from
	b, err := Load(ctx, before, opt)
	if err != nil {
		return nil, err
	}
	opt.AsOf = to
	a, err := Load(ctx, after, opt)
	if err != nil {
		return nil, err
	}
	d := Compare(b, a)
	d.From, d.To = from, to
	return d, nil
}

// Compare lists the nodes and relationships that are in after only
// (appeared), in before only (ended), or in both with different facts
// (changed, field by field as hub.NodeChanges and
// hub.RelationshipChanges compare them: an empty value is no value).
// Time O(V+E) plus a marshalling of every row in both that is not the
// same value, space O(V+E).
func Compare(before, after *Graph) *Delta {
	d := &Delta{Truncated: before.Truncated || after.Truncated}
	d.NodesAppeared, d.NodesEnded, d.NodesChanged = compare(before.Nodes, after.Nodes,
		func(n *hub.Node) string { return n.ID },
		func(a, b *hub.Node) (NodeChange, bool) {
			if a == b {
				return NodeChange{}, false
			}
			c := hub.NodeChanges(a, b)
			return NodeChange{a, b, c}, len(c) > 0
		})
	d.EdgesAppeared, d.EdgesEnded, d.EdgesChanged = compare(before.Edges, after.Edges,
		func(r *hub.Relationship) string { return r.ID },
		func(a, b *hub.Relationship) (EdgeChange, bool) {
			if a == b {
				return EdgeChange{}, false
			}
			c := hub.RelationshipChanges(a, b)
			return EdgeChange{a, b, c}, len(c) > 0
		})
	return d
}

// compare merges two lists sorted by id; change reports how a row in
// both differs, and whether it does.
func compare[T any, C any](before, after []T, id func(T) string, change func(a, b T) (C, bool)) (appeared, ended []T, changed []C) {
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
			if c, ok := change(before[i], after[j]); ok {
				changed = append(changed, c)
			}
			i++
			j++
		}
	}
	return appeared, ended, changed
}
