package graph

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// Every collection has its own where input type (so that each can grow
// kind-specific conditions), but they share their fields. Instead of one
// converter per generated type, an input is converted through its JSON
// form (the generated types carry the schema's field names as JSON tags)
// into wireWhere, which has the union of the fields.

type wireWhere struct {
	IDIn          []string        `json:"idIn"`
	KeyIn         []string        `json:"keyIn"`
	NameContains  *string         `json:"nameContains"`
	RegionIn      []string        `json:"regionIn"`
	TypeIn        []string        `json:"typeIn"`
	LevelIn       []string        `json:"levelIn"`
	KindIn        []string        `json:"kindIn"`
	And           []*wireWhere    `json:"and"`
	Or            []*wireWhere    `json:"or"`
	Not           *wireWhere      `json:"not"`
	Name          *wireString     `json:"name"`
	Key           *wireString     `json:"key"`
	Period        *wirePeriod     `json:"period"`
	Relationships []*wireRelation `json:"relationships"`
}

type wireString struct {
	Eq        *string  `json:"eq"`
	Neq       *string  `json:"neq"`
	In        []string `json:"in"`
	NotIn     []string `json:"notIn"`
	Contains  *string  `json:"contains"`
	HasPrefix *string  `json:"hasPrefix"`
	Fold      *bool    `json:"fold"`
	IsNull    *bool    `json:"isNull"`
}

type wirePeriod struct {
	Overlaps *struct {
		Start *time.Time `json:"start"`
		End   *time.Time `json:"end"`
	} `json:"overlaps"`
	Contains     *time.Time `json:"contains"`
	StartsFrom   *time.Time `json:"startsFrom"`
	StartsBefore *time.Time `json:"startsBefore"`
	IsNull       *bool      `json:"isNull"`
}

type wireRelation struct {
	Types        []string                 `json:"types"`
	Direction    *string                  `json:"direction"`
	Where        *wireWhere               `json:"where"`
	Relationship *model.RelationshipWhere `json:"relationship"`
	Quantifier   *string                  `json:"quantifier"`
	Count        *struct {
		Eq  *int `json:"eq"`
		Gt  *int `json:"gt"`
		Gte *int `json:"gte"`
		Lt  *int `json:"lt"`
		Lte *int `json:"lte"`
	} `json:"count"`
}

// toWhere converts any generated where input (nil allowed) to the domain.
func toWhere(input any) (*hub.Where, error) {
	var w *wireWhere
	if err := convert(input, &w); err != nil {
		return nil, err
	}
	return w.domain()
}

// convert copies a generated input into a wire struct through JSON.
func convert(input, out any) error {
	b, err := json.Marshal(input)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return hub.Wrap(hub.EINTERNAL, err, "convert input")
	}
	return nil
}

func (w *wireWhere) domain() (*hub.Where, error) {
	if w == nil {
		return nil, nil
	}
	for _, l := range [][]string{w.IDIn, w.KeyIn, w.RegionIn, w.TypeIn, w.LevelIn, w.KindIn} {
		if len(l) > maxFilterItems {
			return nil, hub.Errorf(hub.EINVALID, "a filter list holds at most %d items", maxFilterItems)
		}
	}
	if err := checkIDs(w.IDIn); err != nil {
		return nil, err
	}
	if err := checkIDs(w.RegionIn); err != nil {
		return nil, err
	}
	out := &hub.Where{Filter: hub.NodeFilter{IDs: w.IDIn, Keys: w.KeyIn, RegionIDs: w.RegionIn, Types: append(w.TypeIn, w.LevelIn...)}}
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
	out.Name, out.Key = w.Name.domain(), w.Key.domain()
	out.Period = w.Period.domain()
	for _, r := range w.Relationships {
		d, err := r.domain()
		if err != nil {
			return nil, err
		}
		out.Relationships = append(out.Relationships, d)
	}
	return out, out.Check()
}

func (r *wireRelation) domain() (*hub.RelationshipMatch, error) {
	d := &hub.RelationshipMatch{Dir: hub.Both}
	for _, t := range r.Types {
		d.Types = append(d.Types, hub.RelationshipType(t))
	}
	if r.Direction != nil {
		d.Dir = hub.Direction(*r.Direction)
	}
	if r.Quantifier != nil {
		d.Quantifier = hub.Quantifier(*r.Quantifier)
	}
	if r.Count != nil {
		d.Count = &hub.IntRange{Eq: r.Count.Eq, Gt: r.Count.Gt, Gte: r.Count.Gte, Lt: r.Count.Lt, Lte: r.Count.Lte}
	}
	if r.Relationship != nil {
		rw, err := relationshipFilter(r.Relationship)
		if err != nil {
			return nil, err
		}
		d.Relationship = rw
	}
	var err error
	d.Where, err = r.Where.domain()
	return d, err
}

// toRelationMatch converts a RelationshipCondition input (nil allowed).
func toRelationMatch(input *model.RelationshipCondition) (*hub.RelationshipMatch, error) {
	if input == nil {
		return nil, nil
	}
	var r wireRelation
	if err := convert(input, &r); err != nil {
		return nil, err
	}
	return r.domain()
}

func (s *wireString) domain() *hub.StringMatch {
	if s == nil {
		return nil
	}
	return &hub.StringMatch{Eq: s.Eq, Neq: s.Neq, In: s.In, NotIn: s.NotIn, Contains: s.Contains,
		Prefix: s.HasPrefix, Fold: s.Fold != nil && *s.Fold, IsNull: s.IsNull}
}

func (p *wirePeriod) domain() *hub.PeriodMatch {
	if p == nil {
		return nil
	}
	out := &hub.PeriodMatch{Contains: p.Contains, StartsFrom: p.StartsFrom, StartsBefore: p.StartsBefore, IsNull: p.IsNull}
	if p.Overlaps != nil {
		out.Overlaps = &hub.Period{Start: p.Overlaps.Start, End: p.Overlaps.End}
	}
	return out
}

// listNodes answers a collection query for one kind: the reader pages
// simple filters itself; rich conditions and asOf go through hub.Select
// first.
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
	var count func(context.Context) (int, error)
	if w.IsSimple() && asOf == nil {
		if w != nil {
			f = w.Filter
			f.Kinds = base.Kinds
		}
		count = func(ctx context.Context) (int, error) { return s.CountNodes(ctx, f) }
	} else {
		ids, err := hub.Select(ctx, s, base, w, asOf)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return model.NewConnection[T](nil, args, false, func(context.Context) (int, error) { return 0, nil }), nil
		}
		f.IDs = ids
		count = func(context.Context) (int, error) { return len(ids), nil }
	}
	page, more, err := s.FindNodes(ctx, f, opts)
	if err != nil {
		return nil, err
	}
	return model.NewConnection(model.NodeEdges[T](model.RequestOf(ctx), page, opts.OrderBy), args, more, count), nil
}
