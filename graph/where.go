package graph

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// nodeWhere is what the where inputs of every node collection, and of
// related entities, share: the per-kind inputs differ only in the type
// of their own type filter. The typed converters from each generated
// input are generated from the table of kinds (kinds_gen.go).
type nodeWhere struct {
	IDIn, KeyIn, RegionIn, TypeIn, KindIn []string
	NameContains                          *string
	And, Or                               []*nodeWhere
	Not                                   *nodeWhere
	Name, Key                             *model.StringFilter
	Period                                *model.PeriodFilter
	Relationships                         []*model.RelationshipCondition
	UpdatedSince                          *time.Time
	ExternalID                            *model.ExternalIDInput
}

// fromEntityWhere converts the where input of related entities.
func fromEntityWhere(w *model.EntityWhere) *nodeWhere {
	if w == nil {
		return nil
	}
	return &nodeWhere{
		IDIn: w.IDIn, KeyIn: w.KeyIn, NameContains: w.NameContains, RegionIn: w.RegionIn,
		TypeIn: w.TypeIn, KindIn: enumStrings(w.KindIn),
		And: convertAll(w.And, fromEntityWhere), Or: convertAll(w.Or, fromEntityWhere), Not: fromEntityWhere(w.Not),
		Name: w.Name, Key: w.Key, Period: w.Period, Relationships: w.Relationships, UpdatedSince: w.UpdatedSince,
	}
}

// enumStrings returns the names of enum values.
func enumStrings[E ~string](values []E) []string {
	if values == nil {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// convertAll converts every input of a list.
func convertAll[I, O any](in []*I, convert func(*I) *O) []*O {
	if in == nil {
		return nil
	}
	out := make([]*O, len(in))
	for i, v := range in {
		out[i] = convert(v)
	}
	return out
}

// toWhere converts the where input of any node collection or of related
// entities (nil allowed) to the domain.
func toWhere(input any) (*hub.Where, error) {
	w, err := nodeWhereOf(input)
	if err != nil {
		return nil, err
	}
	return w.domain()
}

func (w *nodeWhere) domain() (*hub.Where, error) {
	if w == nil {
		return nil, nil
	}
	if err := checkIDs(w.IDIn); err != nil {
		return nil, err
	}
	if err := checkIDs(w.RegionIn); err != nil {
		return nil, err
	}
	out := &hub.Where{Filter: hub.NodeFilter{IDs: w.IDIn, Keys: w.KeyIn, RegionIDs: w.RegionIn, Types: w.TypeIn}}
	for _, k := range w.KindIn {
		out.Filter.Kinds = append(out.Filter.Kinds, hub.Kind(k))
	}
	if w.NameContains != nil {
		if utf8.RuneCountInString(*w.NameContains) > maxFilterText {
			return nil, hub.Errorf(hub.EINVALID, "nameContains is longer than %d characters", maxFilterText)
		}
		if out.Filter.NameContains = hub.Normalize(*w.NameContains); out.Filter.NameContains == "" {
			return nil, hub.Errorf(hub.EINVALID, "nameContains must contain a letter or a digit")
		}
	}
	var err error
	for _, sub := range w.And {
		d, err := sub.domain()
		if err != nil {
			return nil, err
		}
		out.And = append(out.And, d)
	}
	for _, sub := range w.Or {
		d, err := sub.domain()
		if err != nil {
			return nil, err
		}
		out.Or = append(out.Or, d)
	}
	if out.Not, err = w.Not.domain(); err != nil {
		return nil, err
	}
	out.Name, out.Key = stringMatch(w.Name), stringMatch(w.Key)
	out.Period = periodMatch(w.Period)
	out.UpdatedSince = w.UpdatedSince
	if e := w.ExternalID; e != nil {
		out.ExternalID = &hub.ExternalID{Scheme: e.Scheme, ID: e.ID}
	}
	for _, r := range w.Relationships {
		d, err := toRelationMatch(r)
		if err != nil {
			return nil, err
		}
		out.Relationships = append(out.Relationships, d)
	}
	return out, out.Check()
}

// toRelationMatch converts a RelationshipCondition input (nil allowed).
func toRelationMatch(r *model.RelationshipCondition) (*hub.RelationshipMatch, error) {
	if r == nil {
		return nil, nil
	}
	d := &hub.RelationshipMatch{Dir: hub.Both, Types: model.RelationshipTypes(r.Types)}
	if r.Direction != nil {
		d.Dir = hub.Direction(*r.Direction)
	}
	if r.Quantifier != nil {
		d.Quantifier = hub.Quantifier(*r.Quantifier)
	}
	d.Count = intRange(r.Count)
	if r.Relationship != nil {
		rw, err := relationshipFilter(r.Relationship)
		if err != nil {
			return nil, err
		}
		d.Relationship = rw
	}
	var err error
	d.Where, err = fromEntityWhere(r.Where).domain()
	return d, err
}

// stringMatch converts a StringFilter input (nil allowed). An empty
// list is no condition, like an omitted one.
func stringMatch(s *model.StringFilter) *hub.StringMatch {
	if s == nil {
		return nil
	}
	return &hub.StringMatch{Eq: s.Eq, Neq: s.Neq, In: nilIfEmpty(s.In), NotIn: nilIfEmpty(s.NotIn), Contains: s.Contains,
		Prefix: s.HasPrefix, Fold: s.Fold != nil && *s.Fold, IsNull: s.IsNull}
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// intRange converts an IntFilter input (nil allowed).
func intRange(f *model.IntFilter) *hub.IntRange {
	if f == nil {
		return nil
	}
	return &hub.IntRange{Eq: f.Eq, Gt: f.Gt, Gte: f.Gte, Lt: f.Lt, Lte: f.Lte}
}

// periodMatch converts a PeriodFilter input (nil allowed).
func periodMatch(p *model.PeriodFilter) *hub.PeriodMatch {
	if p == nil {
		return nil
	}
	out := &hub.PeriodMatch{Contains: p.Contains, StartsFrom: p.StartsFrom, StartsBefore: p.StartsBefore, IsNull: p.IsNull}
	if p.Overlaps != nil {
		out.Overlaps = &hub.Period{Start: p.Overlaps.Start, End: p.Overlaps.End}
	}
	return out
}

// listNodes answers a collection query for one kind. A simple filter's
// page and total come from one evaluation by the reader (NodePage);
// rich conditions and asOf go through hub.Select first.
func listNodes[T model.Node](ctx context.Context, s hub.Reader, kind hub.Kind, where any, asOf *time.Time, args model.PageArgs, orderBy []*model.NodeOrder) (*model.Connection[T], error) {
	w, err := toWhere(where)
	if err != nil {
		return nil, err
	}
	opts, err := model.ListOptions(args, model.NodeOrders(orderBy), hub.NodeOrderFields, hub.OrderByName)
	if err != nil {
		return nil, err
	}
	base := hub.NodeFilter{Kinds: []hub.Kind{kind}}
	f := base
	if w.IsSimple() && asOf == nil {
		if w != nil {
			f = w.Filter
			f.Kinds = base.Kinds
		}
	} else {
		ids, err := hub.Select(ctx, s, base, w, asOf)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return model.NewConnection[T](nil, args, false, func(context.Context) (int, error) { return 0, nil }), nil
		}
		f.IDs = ids
	}
	page, more, total, err := s.NodePage(ctx, f, opts)
	if err != nil {
		return nil, err
	}
	return model.NewConnection(model.NodeEdges[T](model.RequestOf(ctx), page, opts.OrderBy), args, more,
		func(context.Context) (int, error) { return total, nil }), nil
}
