package graph

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
)

// at returns the context and network of the aggregates' fields: those
// of the aggregates field, which may have asked for the network as
// recorded at a past time.
func aggregatesAt(ctx context.Context, a *model.Aggregates) (context.Context, hub.Reader) {
	return model.WithRequest(ctx, a.Rq), a.Rq.Reader()
}

// entityKinds are the kinds counted when a caller names none.
func entityKinds(kinds []model.NodeKind) []hub.Kind {
	var out []hub.Kind
	for _, k := range kinds {
		out = append(out, hub.Kind(k))
	}
	if len(out) == 0 {
		out = hub.EntityKinds
	}
	return out
}

func countBuckets(rq *model.Request, groups []hub.Group) []*model.CountBucket {
	out := make([]*model.CountBucket, len(groups))
	for i, g := range groups {
		out[i] = model.NewCountBucket(rq, g.Keys[0], g.Count)
	}
	return out
}

// nodeCounts answers aggregates.nodeCounts with a one-key group-by.
func nodeCounts(ctx context.Context, s hub.Reader, by model.NodeCountField, kinds []model.NodeKind, where *model.EntityWhere, asOf *time.Time) ([]*model.CountBucket, error) {
	w, err := toWhere(where)
	if err != nil {
		return nil, err
	}
	key := hub.GroupKey{Field: hub.GroupField(by)}
	if by == model.NodeCountFieldTheme {
		key = hub.GroupKey{Field: hub.ByRelated, Dir: model.FollowThemes.Dir, Types: model.FollowThemes.Types}
	}
	groups, err := hub.GroupBy(ctx, s, &hub.GroupSpec{Collection: hub.GroupNodes, Nodes: hub.NodeFilter{Kinds: entityKinds(kinds)},
		Where: w, By: []hub.GroupKey{key}, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	if by == model.NodeCountFieldTheme {
		// Nodes without a theme form no theme bucket.
		groups = slices.DeleteFunc(groups, func(g hub.Group) bool { return g.Keys[0] == "" })
	}
	return countBuckets(model.RequestOf(ctx), groups), nil
}

// fundingKeys maps the funding aggregate's fields to group-by fields.
var fundingKeys = map[model.FundingGroupField]hub.GroupField{
	model.FundingGroupFieldRegion:    hub.ByToRegion,
	model.FundingGroupFieldFunder:    hub.ByFromKey,
	model.FundingGroupFieldProgramme: hub.ByToParent,
	model.FundingGroupFieldPilot:     hub.ByToKey,
	model.FundingGroupFieldYear:      hub.ByStartYear,
}

func fundingTotals(ctx context.Context, s hub.Reader, by model.FundingGroupField, policy *model.FundingPolicy, split *model.FundingSplit, where *model.EntityWhere, sourceIn []string, asOf *time.Time) ([]*model.FundingBucket, error) {
	p := hub.FundingHighest
	if policy != nil {
		p = hub.FundingPolicy(*policy)
	}
	sp := hub.FundingInEach
	if split != nil {
		sp = hub.FundingSplit(*split)
	}
	w, err := toWhere(where)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(sourceIn); err != nil {
		return nil, err
	}
	buckets, err := hub.FundingTotalsSplit(ctx, s, hub.GroupKey{Field: fundingKeys[by]}, p, sp, w, sourceIn, asOf)
	if err != nil {
		return nil, err
	}
	out := make([]*model.FundingBucket, len(buckets))
	for i, b := range buckets {
		out[i] = model.NewFundingBucket(model.RequestOf(ctx), b)
	}
	return out, nil
}

// partnersPerPilot counts each pilot's distinct partners, zero included.
func partnersPerPilot(ctx context.Context, s hub.Reader, where *model.PilotWhere, asOf *time.Time) ([]*model.CountBucket, error) {
	w, err := toWhere(where)
	if err != nil {
		return nil, err
	}
	groups, err := hub.GroupBy(ctx, s, &hub.GroupSpec{Collection: hub.GroupNodes, Nodes: hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}},
		Where: w, By: []hub.GroupKey{{Field: hub.ByKey}}, Measure: hub.MeasureDegree,
		DegreeDir: model.FollowPartners.Dir, DegreeTypes: model.FollowPartners.Types, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	out := make([]*model.CountBucket, len(groups))
	rq := model.RequestOf(ctx)
	for i, g := range groups {
		out[i] = model.NewCountBucket(rq, g.Keys[0], int(*g.Sum))
	}
	sortBuckets(out)
	return out, nil
}

// sortBuckets orders buckets by count, largest first, then by key.
func sortBuckets(b []*model.CountBucket) {
	slices.SortFunc(b, func(x, y *model.CountBucket) int {
		if x.Count != y.Count {
			return y.Count - x.Count
		}
		return strings.Compare(x.Value, y.Value)
	})
}

func coverage(ctx context.Context, s hub.Reader, where *model.ProvisionWhere, asOf *time.Time) ([]*model.CoverageCell, error) {
	f, err := provisionFilter(where, asOf)
	if err != nil {
		return nil, err
	}
	cells, err := hub.Coverage(ctx, s, f)
	if err != nil {
		return nil, err
	}
	out := make([]*model.CoverageCell, len(cells))
	rq := model.RequestOf(ctx)
	for i, c := range cells {
		out[i] = model.NewCoverageCell(rq, c)
	}
	return out, nil
}

func organisationsInPilots(ctx context.Context, s hub.Reader, minPilots *int, where *model.EntityWhere, asOf *time.Time) ([]*model.Participation, error) {
	least := 2
	if minPilots != nil {
		least = *minPilots
	}
	w, err := toWhere(where)
	if err != nil {
		return nil, err
	}
	ps, err := hub.OrganisationsInPilots(ctx, s, least, w, asOf)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Participation, len(ps))
	rq := model.RequestOf(ctx)
	for i, p := range ps {
		out[i] = model.NewParticipation(rq, p)
	}
	return out, nil
}

func pilotsPerYear(ctx context.Context, s hub.Reader, where *model.PilotWhere) ([]*model.CountBucket, error) {
	w, err := toWhere(where)
	if err != nil {
		return nil, err
	}
	groups, err := hub.GroupBy(ctx, s, &hub.GroupSpec{Collection: hub.GroupNodes, Nodes: hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}},
		Where: w, By: []hub.GroupKey{{Field: hub.ByActiveYear}}})
	if err != nil {
		return nil, err
	}
	out := countBuckets(model.RequestOf(ctx), groups)
	// A timeline reads in year order; pilots without a known period form
	// the bucket with no key, listed last.
	slices.SortFunc(out, func(a, b *model.CountBucket) int {
		switch {
		case a.Value == b.Value:
			return 0
		case a.Value == "":
			return 1
		case b.Value == "":
			return -1
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out, nil
}

func groupBy(ctx context.Context, s hub.Reader, collection model.GroupCollection, by []*model.GroupByKey, kinds []model.NodeKind, where *model.EntityWhere, relWhere *model.RelationshipWhere, measure *model.Measure, degree *model.RelationshipCondition, policy *model.FundingPolicy, asOf *time.Time, having *model.IntFilter) ([]*model.Group, error) {
	spec := &hub.GroupSpec{Collection: hub.GroupCollection(collection), AsOf: asOf, Funding: hub.FundingHighest}
	var err error
	if spec.Where, err = toWhere(where); err != nil {
		return nil, err
	}
	rw, err := relationshipFilter(relWhere)
	if err != nil {
		return nil, err
	}
	spec.Relationships = rw.Filter
	if !rw.IsSimple() {
		spec.RelationshipWhere = rw
	}
	if spec.Collection == hub.GroupNodes {
		spec.Nodes.Kinds = entityKinds(kinds)
	}
	fields := make([]model.GroupField, len(by))
	for i, k := range by {
		fields[i] = k.Field
		key := hub.GroupKey{Field: hub.GroupField(k.Field), Types: model.RelationshipTypes(k.Types), Dir: hub.Both}
		if k.Direction != nil {
			key.Dir = hub.Direction(*k.Direction)
		}
		spec.By = append(spec.By, key)
	}
	if measure != nil {
		spec.Measure = hub.Measure(*measure)
	}
	if d, err := toRelationMatch(degree); err != nil {
		return nil, err
	} else if d != nil {
		if d.Where != nil || d.Relationship != nil || d.Quantifier != "" || d.Count != nil {
			return nil, hub.Errorf(hub.EINVALID, "degree takes types and direction only")
		}
		spec.DegreeDir, spec.DegreeTypes = d.Dir, d.Types
	}
	if policy != nil {
		spec.Funding = hub.FundingPolicy(*policy)
	}
	spec.Having = intRange(having)
	groups, err := hub.GroupBy(ctx, s, spec)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Group, len(groups))
	rq := model.RequestOf(ctx)
	for i, g := range groups {
		out[i] = model.NewGroup(rq, g, fields)
	}
	return out, nil
}
