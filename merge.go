package hub

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Merge folds the node Remove into the node Keep, of the same kind: every
// relationship of Remove moves to Keep (one that would link Keep to
// itself is dropped, one that Keep has already gains its sources), Keep
// gains Remove's names as aliases, its sources and regions, and the
// facts Keep lacks; Remove is deleted, and its id (and so its key)
// resolves to Keep from then on (Node.MergedIDs).
type Merge struct {
	Keep, Remove string
}

// expandMerges turns a batch of merges into the rows they write, read
// from the stored rows: the kept nodes, the moved relationships and the
// deletions. It returns, for each removed node, the node kept.
func expandMerges(ctx context.Context, rows RowReader, b *Batch, now time.Time) (*Batch, map[string]string, error) {
	if len(b.Nodes)+len(b.Relationships)+len(b.DeleteNodes)+len(b.DeleteRelationships) > 0 {
		return nil, nil, Errorf(EINVALID, "a merge is a write of its own: no other rows in its batch")
	}
	var ids []string
	role := map[string]string{}
	for _, m := range b.Merges {
		if m.Keep == m.Remove {
			return nil, nil, Invalid("remove", "a node cannot be merged into itself")
		}
		for _, id := range []string{m.Keep, m.Remove} {
			if kind, err := ParseID(id); err != nil || kind == relationshipPrefix {
				return nil, nil, Invalid("keep", "%q is not a node id", truncate(id, 64))
			}
			if role[id] != "" {
				return nil, nil, Invalid("remove", "node %s is in two merges of one write", id)
			}
			role[id] = "merged"
			ids = append(ids, id)
		}
	}
	stored, err := rows.Nodes(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := &Batch{Expect: b.Expect, Actor: b.Actor, Sources: b.Sources}
	into := map[string]string{}
	for _, m := range b.Merges {
		keep, rem := stored[m.Keep], stored[m.Remove]
		if keep == nil {
			return nil, nil, &Error{Code: ENOTFOUND, Field: "keep", Message: "there is no node " + m.Keep + " to keep"}
		}
		if rem == nil {
			return nil, nil, &Error{Code: ENOTFOUND, Field: "remove", Message: "there is no node " + m.Remove + " to merge"}
		}
		if keep.Kind != rem.Kind {
			return nil, nil, Invalid("remove", "a %s cannot be merged into a %s: merge nodes of one kind", rem.Kind, keep.Kind)
		}
		k := mergedNode(keep, rem)
		if err := prepareNode(k, now); err != nil {
			return nil, nil, err
		}
		out.Nodes = append(out.Nodes, k)
		out.DeleteNodes = append(out.DeleteNodes, rem.ID)
		into[rem.ID] = keep.ID
		moved, dropped, err := moveRelationships(ctx, rows, keep, rem, now)
		if err != nil {
			return nil, nil, err
		}
		out.Relationships = append(out.Relationships, moved...)
		out.DeleteRelationships = append(out.DeleteRelationships, dropped...)
	}
	return out, into, nil
}

// mergedNode is keep with what rem adds to it.
func mergedNode(keep, rem *Node) *Node {
	k := keep.Clone()
	known := map[string]bool{}
	for _, s := range slices.Concat(k.Name.All(), k.Abbreviations, k.Aliases) {
		known[Normalize(s)] = true
	}
	for _, s := range slices.Concat(rem.Name.All(), rem.Abbreviations, rem.Aliases) {
		if t := Normalize(s); t != "" && !known[t] {
			known[t] = true
			k.Aliases = append(k.Aliases, s)
		}
	}
	for _, c := range rem.Sources {
		if !slices.ContainsFunc(k.Sources, c.Equal) {
			k.Sources = append(k.Sources, c)
		}
	}
	for _, r := range rem.RegionIDs {
		if !slices.Contains(k.RegionIDs, r) {
			k.RegionIDs = append(k.RegionIDs, r)
		}
	}
	// An external id of a scheme the kept node lacks joins it; where both
	// have one of the scheme, the kept node's stays (one per scheme).
	for _, e := range rem.ExternalIDs {
		if len(k.ExternalIDs) < maxExternalIDs && !slices.ContainsFunc(k.ExternalIDs, func(o ExternalID) bool { return o.Scheme == e.Scheme }) {
			k.ExternalIDs = append(k.ExternalIDs, e)
		}
	}
	k.MergedIDs = append(append(k.MergedIDs, rem.ID), rem.MergedIDs...)
	// Facts the kept node lacks come from the other.
	if k.Description.IsZero() {
		k.Description = rem.Description
	}
	if k.Period == nil {
		k.Period = rem.Period.clone()
	}
	if len(k.Goals) == 0 {
		k.Goals = slices.Clone(rem.Goals)
	}
	if k.Code == "" {
		k.Code = rem.Code
		if rem.Classification != nil {
			c := *rem.Classification
			k.Classification = &c
		}
	}
	if k.Title == "" {
		k.Title = rem.Title
	}
	for _, a := range rem.Alternatives {
		if !slices.ContainsFunc(k.Alternatives, func(o Alternative) bool { return o.Field == a.Field && string(o.Value) == string(a.Value) }) {
			k.Alternatives = append(k.Alternatives, a)
		}
	}
	if k.Contact == nil && rem.Contact != nil {
		c := *rem.Contact
		k.Contact = &c
	}
	return k
}

// moveRelationships rewrites the relationships of rem to end at keep:
// new rows under their new keys, and the old rows to delete.
func moveRelationships(ctx context.Context, rows RowReader, keep, rem *Node, now time.Time) (moved []*Relationship, dropped []string, err error) {
	touching, err := rows.RelationshipsTouching(ctx, []string{rem.ID, keep.ID})
	if err != nil {
		return nil, nil, err
	}
	keepParent := ""
	for _, r := range touching {
		if r.Type == PartOf && r.FromID == keep.ID {
			keepParent = r.ToID
		}
	}
	byID := map[string]*Relationship{}
	var newIDs []string
	for _, r := range touching {
		if r.FromID != rem.ID && r.ToID != rem.ID {
			continue
		}
		dropped = append(dropped, r.ID)
		if r.Other(rem.ID) == keep.ID {
			continue // it would link the kept node to itself
		}
		if r.Type == PartOf && r.FromID == rem.ID && keepParent != "" && keepParent != r.ToID {
			return nil, nil, &Error{Code: ECONFLICT, Field: "remove", Message: "both nodes are PART_OF another parent: delete one of the two PART_OF relationships first"}
		}
		n := r.Clone()
		if n.FromID == rem.ID {
			n.FromID = keep.ID
		}
		if n.ToID == rem.ID {
			n.ToID = keep.ID
		}
		n.Key = rekey(r.Key, rem, keep)
		n.ID = RelationshipID(n.Key)
		if old, ok := byID[n.ID]; ok {
			// Two of rem's relationships become one.
			mergeSources(old, n.Sources)
			continue
		}
		byID[n.ID] = n
		newIDs = append(newIDs, n.ID)
		moved = append(moved, n)
	}
	existing, err := rows.Relationships(ctx, newIDs)
	if err != nil {
		return nil, nil, err
	}
	for i, n := range moved {
		if e := existing[n.ID]; e != nil {
			// The kept node has this relationship already: it keeps
			// its own facts and gains the sources.
			c := e.Clone()
			mergeSources(c, n.Sources)
			c.UpdatedAt = now
			moved[i] = c
		} else {
			n.Version, n.CreatedAt, n.UpdatedAt = 0, now, now
		}
	}
	return moved, dropped, nil
}

func mergeSources(r *Relationship, cs []Citation) {
	for _, c := range cs {
		if !slices.ContainsFunc(r.Sources, c.Equal) {
			r.Sources = append(r.Sources, c)
		}
	}
}

// rekey replaces rem's reference by keep's in a relationship key
// ("TYPE:fromRef:toRef[:discriminator]"; references are NodeRef's,
// which hold no colon). A key that names an end by its kind's type name
// ("Organisation/x", as rows written by older hubs do) is recognised too.
func rekey(key string, rem, keep *Node) string {
	parts := strings.SplitN(key, ":", 4)
	if len(parts) < 3 {
		return key
	}
	remRef, remOld, keepRef := NodeRef(rem.Kind, rem.Key), string(rem.Kind)+"/"+rem.Key, NodeRef(keep.Kind, keep.Key)
	for i := 1; i <= 2; i++ {
		if parts[i] == remRef || parts[i] == remOld {
			parts[i] = keepRef
		}
	}
	return strings.Join(parts, ":")
}
