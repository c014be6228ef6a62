package hub

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A group-by turns a collection into a flat table of facts, expands
// multi-valued fields (a node in two regions counts in both) and groups
// the rows by the chosen fields with count, sum, min, max and average of
// a numeric measure, over the Reader (the in-memory index).

// GroupCollection is what a group-by groups.
type GroupCollection string

// Group-by collections.
const (
	GroupNodes         GroupCollection = "NODES"
	GroupRelationships GroupCollection = "RELATIONSHIPS"
)

// GroupField is a field to group by. On nodes: KIND, TYPE, KEY, REGION,
// START_YEAR, ACTIVE_YEAR (every year of the period), and RELATED (the
// node at the other end of the relationships in Follow). On
// relationships: TYPE, START_YEAR, ACTIVE_YEAR, and FROM_* / TO_* fields
// of either end (KIND, TYPE, KEY, REGION), plus TO_PARENT (the PART_OF
// parent of the to-node, e.g. a pilot's programme).
type GroupField string

// Group fields.
const (
	ByKind       GroupField = "KIND"
	ByType       GroupField = "TYPE"
	ByKey        GroupField = "KEY"
	ByRegion     GroupField = "REGION"
	ByStartYear  GroupField = "START_YEAR"
	ByActiveYear GroupField = "ACTIVE_YEAR"
	ByRelated    GroupField = "RELATED"
	ByFromKind   GroupField = "FROM_KIND"
	ByFromType   GroupField = "FROM_TYPE"
	ByFromKey    GroupField = "FROM_KEY"
	ByFromRegion GroupField = "FROM_REGION"
	ByToKind     GroupField = "TO_KIND"
	ByToType     GroupField = "TO_TYPE"
	ByToKey      GroupField = "TO_KEY"
	ByToRegion   GroupField = "TO_REGION"
	ByToParent   GroupField = "TO_PARENT"
)

var (
	nodeGroupFields = []GroupField{ByKind, ByType, ByKey, ByRegion, ByStartYear, ByActiveYear, ByRelated}
	relGroupFields  = []GroupField{ByType, ByStartYear, ByActiveYear, ByFromKind, ByFromType, ByFromKey,
		ByFromRegion, ByToKind, ByToType, ByToKey, ByToRegion, ByToParent}
)

// GroupKey is one grouping field with its options.
type GroupKey struct {
	Field GroupField
	// Follow is the relationships RELATED follows (nodes only).
	Dir   Direction
	Types []RelationshipType
}

// Measure is the numeric value summed, minimised, maximised and averaged.
type Measure string

// Measures.
const (
	// MeasureNone: only counts.
	MeasureNone Measure = ""
	// MeasureAmount is a FUNDS relationship's amount in major units.
	MeasureAmount Measure = "AMOUNT"
	// MeasureDegree is a node's number of relationships (of Follow).
	MeasureDegree Measure = "DEGREE"
)

// FundingPolicy says how to count FUNDS relationships that are
// alternative figures for the same funder and recipient (sources that
// disagree, or one source that gives two figures). Under HIGHEST and
// LOWEST a total is less than the sum of every figure wherever figures
// disagree; the policy applies after any source filter, to the figures
// the filter keeps.
type FundingPolicy string

// Funding policies.
const (
	// FundingHighest counts the highest figure once (the default).
	FundingHighest FundingPolicy = "HIGHEST"
	// FundingLowest counts the lowest figure once.
	FundingLowest FundingPolicy = "LOWEST"
	// FundingEvery counts every figure (sums disagreeing figures; for
	// seeing per-source figures, not for totals).
	FundingEvery FundingPolicy = "EVERY"
)

// FundingSplit says how funding totals attribute a figure whose
// recipient falls in several groups (a pilot in two regions).
type FundingSplit string

// Funding splits.
const (
	// FundingInEach counts the whole figure in each of its groups (the
	// default): the buckets then add up to more than the funding.
	FundingInEach FundingSplit = "EACH"
	// FundingEqual splits the figure equally among its groups, in cents;
	// the cents left over go one each to the first groups by key, so the
	// buckets add up to the funding exactly.
	FundingEqual FundingSplit = "EQUAL"
)

// GroupSpec is a group-by request.
type GroupSpec struct {
	Collection GroupCollection
	// Nodes and Where select the rows of a NODES group-by.
	Nodes NodeFilter
	Where *Where
	// Relationships selects the rows of a RELATIONSHIPS group-by, and
	// RelationshipWhere, when set, narrows them further (its filter and
	// its amount, period, role and source conditions); the funding
	// policy applies to what it keeps.
	Relationships     RelationshipFilter
	RelationshipWhere *RelationshipWhere
	By                []GroupKey
	Measure           Measure
	// DegreeDir and DegreeTypes say which relationships the DEGREE
	// measure counts (BOTH and any type when empty).
	DegreeDir   Direction
	DegreeTypes []RelationshipType
	// Funding applies to FUNDS rows when Measure is MeasureAmount
	// (default FundingHighest); counts without a measure count every row.
	Funding FundingPolicy
	AsOf    *time.Time
	// Having keeps groups whose count is in range.
	Having *IntRange
}

// Group is one group of a group-by.
type Group struct {
	// Keys are the group's values, one per GroupKey ("" when missing;
	// node ids for node-valued fields).
	Keys  []string
	Count int
	// Sum, Min, Max and Avg are over the measure (nil without one or
	// without values).
	Sum, Min, Max, Avg *float64
}

// Limits of a group-by.
const (
	maxGroupKeys  = 3
	maxGroupRows  = 1_000_000
	maxGroupCount = 10_000
)

// Check validates a spec.
func (g *GroupSpec) Check() error {
	allowed := nodeGroupFields
	switch g.Collection {
	case GroupNodes:
	case GroupRelationships:
		allowed = relGroupFields
	default:
		return Errorf(EINVALID, "unknown collection %q", g.Collection)
	}
	if len(g.By) == 0 || len(g.By) > maxGroupKeys {
		return Errorf(EINVALID, "group by 1 to %d fields", maxGroupKeys)
	}
	related := 0
	for _, k := range g.By {
		if !slices.Contains(allowed, k.Field) {
			return Errorf(EINVALID, "cannot group %s by %s", strings.ToLower(string(g.Collection)), k.Field)
		}
		if k.Field == ByRelated {
			related++
		}
	}
	if related > 1 {
		return Errorf(EINVALID, "group by RELATED at most once")
	}
	if g.Measure == MeasureAmount && g.Collection != GroupRelationships {
		return Errorf(EINVALID, "the AMOUNT measure applies to relationships (FUNDS)")
	}
	if g.Measure == MeasureDegree && g.Collection != GroupNodes {
		return Errorf(EINVALID, "the DEGREE measure applies to nodes")
	}
	if g.Measure == MeasureDegree && slices.ContainsFunc(g.By, func(k GroupKey) bool { return k.Field == ByRelated }) {
		return Errorf(EINVALID, "group by RELATED or measure DEGREE, not both")
	}
	return g.Where.Check()
}

// GroupBy computes a group-by. Groups are ordered by count descending,
// then by keys.
func GroupBy(ctx context.Context, s Reader, spec *GroupSpec) ([]Group, error) {
	if err := spec.Check(); err != nil {
		return nil, err
	}
	var rows []groupRow
	var err error
	if spec.Collection == GroupNodes {
		rows, err = nodeRows(ctx, s, spec)
	} else {
		rows, err = relationshipRows(ctx, s, spec)
	}
	if err != nil {
		return nil, err
	}
	// Rows of a large collection take a while to build and to group:
	// do not group them for a request that has ended.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return finishGroups(aggregateRows(rows, spec.Measure), spec), nil
}

// groupRow is one fact: its values per key (several for multi-valued
// fields) and its measure, in the measure's integer unit (cents for
// AMOUNT), so that sums are exact; measured says the row has one (a
// FUNDS relationship without an amount has none).
type groupRow struct {
	values   [][]string
	measure  int64
	measured bool
}

// measureScale is how many integer units of a measure make one unit of
// its answer: amounts are summed in cents and answered in euros.
func measureScale(m Measure) float64 {
	if m == MeasureAmount {
		return 100
	}
	return 1
}

func aggregateRows(rows []groupRow, measure Measure) []Group {
	type acc struct {
		g             Group
		sum, min, max int64
		n             int // rows with a measure
	}
	groups := map[string]*acc{}
	var order []string
	for _, r := range rows {
		for _, keys := range cartesian(r.values) {
			id := strings.Join(keys, "\x00")
			a, ok := groups[id]
			if !ok {
				a = &acc{g: Group{Keys: keys}}
				groups[id] = a
				order = append(order, id)
			}
			a.g.Count++
			if r.measured {
				if a.n == 0 || r.measure < a.min {
					a.min = r.measure
				}
				if a.n == 0 || r.measure > a.max {
					a.max = r.measure
				}
				a.sum += r.measure
				a.n++
			}
		}
	}
	scale := measureScale(measure)
	out := make([]Group, 0, len(order))
	for _, id := range order {
		a := groups[id]
		// A group none of whose rows has a value has no sum, min, max or
		// average: zero would be a value it does not have.
		if measure != MeasureNone && a.n > 0 {
			a.g.Sum = ptr(float64(a.sum) / scale)
			a.g.Min = ptr(float64(a.min) / scale)
			a.g.Max = ptr(float64(a.max) / scale)
			a.g.Avg = ptr(round2(float64(a.sum) / float64(a.n) / scale))
		}
		out = append(out, a.g)
	}
	return out
}

// finishGroups applies having, the order and the size limit.
func finishGroups(groups []Group, spec *GroupSpec) []Group {
	if spec.Having != nil {
		groups = slices.DeleteFunc(groups, func(g Group) bool { return !spec.Having.Holds(g.Count) })
	}
	slices.SortFunc(groups, func(a, b Group) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return slices.Compare(a.Keys, b.Keys)
	})
	if len(groups) > maxGroupCount {
		groups = groups[:maxGroupCount]
	}
	return groups
}

func cartesian(values [][]string) [][]string {
	out := [][]string{{}}
	for _, vs := range values {
		if len(vs) == 0 {
			vs = []string{""}
		}
		var next [][]string
		for _, prefix := range out {
			for _, v := range vs {
				next = append(next, append(slices.Clone(prefix), v))
			}
		}
		out = next
	}
	return out
}

func nodeRows(ctx context.Context, s Reader, spec *GroupSpec) ([]groupRow, error) {
	ids, err := Select(ctx, s, spec.Nodes, spec.Where, spec.AsOf)
	if err != nil {
		return nil, err
	}
	if len(ids) > maxGroupRows {
		return nil, Errorf(ETOOLARGE, "a group-by reads at most %d rows", maxGroupRows)
	}
	nodes, err := s.NodesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Related nodes and degrees need the nodes' relationships: one call.
	var related map[string][]string
	var degree map[string]int
	needRel := spec.Measure == MeasureDegree || slices.ContainsFunc(spec.By, func(k GroupKey) bool { return k.Field == ByRelated })
	if needRel && len(ids) > 0 {
		related, degree = map[string][]string{}, map[string]int{}
		follow := GroupKey{Dir: spec.DegreeDir, Types: spec.DegreeTypes}
		for _, k := range spec.By {
			if k.Field == ByRelated {
				follow = k
			}
		}
		rels, _, err := s.FindRelationships(ctx, RelationshipFilter{NodeIDs: ids, Direction: follow.Dir, Types: follow.Types}, ListOptions{First: Unlimited})
		if err != nil {
			return nil, err
		}
		rels = activeRelationships(rels, spec.AsOf)
		in := set(ids)
		for _, r := range rels {
			if in(r.FromID) && follow.Dir != In {
				related[r.FromID] = append(related[r.FromID], r.ToID)
			}
			if in(r.ToID) && follow.Dir != Out {
				related[r.ToID] = append(related[r.ToID], r.FromID)
			}
		}
		// The degree counts distinct related nodes, like relationship
		// conditions' counts.
		for id, others := range related {
			related[id] = unique(others)
			degree[id] = len(related[id])
		}
	}
	rows := make([]groupRow, 0, len(nodes))
	for _, n := range nodes {
		if n == nil {
			continue
		}
		row := groupRow{measure: int64(degree[n.ID]), measured: true}
		for _, k := range spec.By {
			if k.Field == ByRelated {
				row.values = append(row.values, related[n.ID])
			} else {
				row.values = append(row.values, nodeField(n, k.Field, spec.AsOf))
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// nodeField returns the values of a node field for grouping.
func nodeField(n *Node, f GroupField, asOf *time.Time) []string {
	if n == nil {
		return nil
	}
	switch f {
	case ByKind:
		return []string{string(n.Kind)}
	case ByType:
		return []string{n.Type}
	case ByKey:
		return []string{n.ID}
	case ByRegion:
		return n.Regions()
	case ByStartYear:
		if n.Period != nil && n.Period.Start != nil {
			return []string{strconv.Itoa(n.Period.Start.Year())}
		}
	case ByActiveYear:
		return activeYears(n.Period)
	}
	return nil
}

// maxYearSpan bounds the years an open-ended period is spread over.
const maxYearSpan = 50

// activeYears lists the years a period touches; a period with an unknown
// end counts only its start year (the hub does not guess how long it ran).
func activeYears(p *Period) []string {
	if p == nil || p.Start == nil {
		if p != nil && p.End != nil {
			return []string{strconv.Itoa(p.End.Year())}
		}
		return nil
	}
	last := p.Start.Year()
	if p.End != nil {
		last = min(p.End.Year(), p.Start.Year()+maxYearSpan)
	}
	var out []string
	for y := p.Start.Year(); y <= last; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return out
}

func relationshipRows(ctx context.Context, s Reader, spec *GroupSpec) ([]groupRow, error) {
	rels, _, err := s.FindRelationships(ctx, spec.Relationships, ListOptions{First: Unlimited})
	if err != nil {
		return nil, err
	}
	rels = activeRelationships(rels, spec.AsOf)
	if rw := spec.RelationshipWhere; rw != nil {
		match := rw.Filter.Matcher()
		rels = slices.DeleteFunc(rels, func(r *Relationship) bool { return !match(r) || !rw.Match(r) })
	}
	if len(rels) > maxGroupRows {
		return nil, Errorf(ETOOLARGE, "a group-by reads at most %d rows", maxGroupRows)
	}
	if spec.Measure == MeasureAmount {
		// Disagreeing figures are alternatives, not additions: sum one.
		rels = ApplyFundingPolicy(rels, spec.Funding)
	}
	values, err := relationshipRowsOf(ctx, s, rels, spec)
	if err != nil {
		return nil, err
	}
	rows := make([]groupRow, 0, len(rels))
	for i, r := range rels {
		if values[i] == nil {
			continue
		}
		row := groupRow{values: values[i]}
		if r.Amount != nil {
			row.measure, row.measured = r.Amount.Minor, true
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// relationshipRowsOf returns, per relationship, its values of the spec's
// keys; nil for a relationship left out (an end inactive on AsOf).
func relationshipRowsOf(ctx context.Context, s Reader, rels []*Relationship, spec *GroupSpec) ([][][]string, error) {
	var ids []string
	for _, r := range rels {
		ids = append(ids, r.FromID, r.ToID)
	}
	ids = unique(ids)
	list, err := s.NodesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	nodes := make(map[string]*Node, len(list))
	for _, n := range list {
		if n != nil {
			nodes[n.ID] = n
		}
	}
	parents := map[string]string{}
	if slices.ContainsFunc(spec.By, func(k GroupKey) bool { return k.Field == ByToParent }) && len(ids) > 0 {
		partOf, _, err := s.FindRelationships(ctx, RelationshipFilter{Types: []RelationshipType{PartOf}, FromIDs: ids}, ListOptions{First: Unlimited})
		if err != nil {
			return nil, err
		}
		for _, p := range partOf {
			parents[p.FromID] = p.ToID
		}
	}
	out := make([][][]string, len(rels))
	for i, r := range rels {
		from, to := nodes[r.FromID], nodes[r.ToID]
		if spec.AsOf != nil && ((from != nil && !from.Period.Contains(*spec.AsOf)) || (to != nil && !to.Period.Contains(*spec.AsOf))) {
			continue
		}
		var row [][]string
		for _, k := range spec.By {
			var v []string
			switch k.Field {
			case ByType:
				v = []string{string(r.Type)}
			case ByStartYear:
				if r.Period != nil && r.Period.Start != nil {
					v = []string{strconv.Itoa(r.Period.Start.Year())}
				} else if to != nil && to.Period != nil && to.Period.Start != nil {
					// Undated relationships take the year of what they
					// are about (a pilot's funding, its start year).
					v = []string{strconv.Itoa(to.Period.Start.Year())}
				}
			case ByActiveYear:
				v = activeYears(r.Period)
				if v == nil && to != nil {
					v = activeYears(to.Period)
				}
			case ByFromKind, ByFromType, ByFromKey, ByFromRegion:
				v = nodeField(from, GroupField(strings.TrimPrefix(string(k.Field), "FROM_")), nil)
			case ByToKind, ByToType, ByToKey, ByToRegion:
				v = nodeField(to, GroupField(strings.TrimPrefix(string(k.Field), "TO_")), nil)
			case ByToParent:
				if p, ok := parents[r.ToID]; ok {
					v = []string{p}
				}
			}
			row = append(row, v)
		}
		out[i] = row
	}
	return out, nil
}

// ApplyFundingPolicy reduces FUNDS relationships that are alternative
// figures for the same funder and recipient to one, by the policy; other
// relationships pass unchanged. The kept row is the highest (lowest)
// figure, ties broken by id.
func ApplyFundingPolicy(rels []*Relationship, policy FundingPolicy) []*Relationship {
	if policy == FundingEvery {
		return rels
	}
	best := map[string]*Relationship{}
	var out []*Relationship
	for _, r := range rels {
		if r.Type != Funds || r.Amount == nil {
			out = append(out, r)
			continue
		}
		pair := r.FromID + "|" + r.ToID + "|" + r.Amount.Currency
		b, ok := best[pair]
		better := !ok || (policy == FundingLowest && r.Amount.Minor < b.Amount.Minor) ||
			(policy != FundingLowest && r.Amount.Minor > b.Amount.Minor) ||
			(r.Amount.Minor == b.Amount.Minor && r.ID < b.ID)
		if better {
			best[pair] = r
		}
	}
	for _, r := range rels {
		if r.Type == Funds && r.Amount != nil && best[r.FromID+"|"+r.ToID+"|"+r.Amount.Currency] == r {
			out = append(out, r)
		}
	}
	return out
}

func ptr(f float64) *float64 { return &f }

// round2 rounds to cents, so that float sums of money print cleanly.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// String describes a spec for logs.
func (g *GroupSpec) String() string { return fmt.Sprintf("%s by %v", g.Collection, g.By) }

// FundingBucket is the funding of one group: the total by the policy and
// every figure behind it, disagreeing ones included. The figures are
// relationship ids, in ascending order: a caller reads them (with their
// sources) only when it shows them.
type FundingBucket struct {
	Key      string
	Currency string
	// TotalMinor is the total in minor units (cents), summed exactly;
	// Total is the same in major units.
	TotalMinor int64
	Total      float64
	// CountedIDs are the FUNDS relationships the total counts.
	CountedIDs []string
	// FigureIDs are all FUNDS relationships of the bucket, including
	// alternatives the policy left out.
	FigureIDs []string
}

// FundingSpec is a checked funding-totals request, with the recipients
// already selected.
type FundingSpec struct {
	By     GroupKey
	Policy FundingPolicy
	// Split attributes a figure with several keys (FundingInEach when
	// empty).
	Split FundingSplit
	// RecipientIDs, when not nil, are the only recipients (to-nodes)
	// counted. It is never empty: FundingTotals answers an empty
	// selection itself.
	RecipientIDs []string
	// SourceIDs, when not empty, keeps only the figures that one of
	// these source documents states (see CitedBy): the buckets, their
	// figures and their totals are those of the figures kept.
	SourceIDs []string
	AsOf      *time.Time
}

// FundingTotals groups FUNDS relationships by one field (TO_REGION,
// FROM_KEY, TO_PARENT, TO_KEY, START_YEAR...), totals them by the policy
// and keeps every figure for inspection. With sources, only the figures
// those source documents state count, and the policy chooses among
// them. Buckets are ordered by total, largest first.
func FundingTotals(ctx context.Context, s Reader, by GroupKey, policy FundingPolicy, recipients *Where, sources []string, asOf *time.Time) ([]FundingBucket, error) {
	return FundingTotalsSplit(ctx, s, by, policy, FundingInEach, recipients, sources, asOf)
}

// FundingTotalsSplit is FundingTotals with a rule for figures whose
// recipient falls in several groups: FundingInEach counts the whole
// figure in each, FundingEqual splits it equally among them.
func FundingTotalsSplit(ctx context.Context, s Reader, by GroupKey, policy FundingPolicy, split FundingSplit, recipients *Where, sources []string, asOf *time.Time) ([]FundingBucket, error) {
	switch split {
	case "", FundingInEach, FundingEqual:
	default:
		return nil, Errorf(EINVALID, "unknown funding split %q", split)
	}
	spec, err := fundingSpec(ctx, s, by, policy, recipients, asOf)
	if err != nil || spec == nil {
		return nil, err
	}
	spec.Split = split
	spec.SourceIDs = sources
	return fundingTotals(ctx, s, spec)
}

// fundingSpec selects the recipients and checks the key; a nil spec (and
// no error) means no recipient matched, so there is nothing to total.
func fundingSpec(ctx context.Context, s Reader, by GroupKey, policy FundingPolicy, recipients *Where, asOf *time.Time) (*FundingSpec, error) {
	spec := &FundingSpec{By: by, Policy: policy, AsOf: asOf}
	if recipients != nil {
		ids, err := Select(ctx, s, NodeFilter{}, recipients, asOf)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		spec.RecipientIDs = ids
	}
	if err := spec.groupSpec().Check(); err != nil {
		return nil, err
	}
	return spec, nil
}

// groupSpec is the FUNDS group-by whose rows the totals are made of;
// every figure is a row (the policy only decides which ones count).
func (f *FundingSpec) groupSpec() *GroupSpec {
	return &GroupSpec{Collection: GroupRelationships, By: []GroupKey{f.By},
		Relationships: RelationshipFilter{Types: []RelationshipType{Funds}, ToIDs: f.RecipientIDs}, Funding: FundingEvery, AsOf: f.AsOf}
}

func fundingTotals(ctx context.Context, s Reader, f *FundingSpec) ([]FundingBucket, error) {
	spec := f.groupSpec()
	all, _, err := s.FindRelationships(ctx, spec.Relationships, ListOptions{First: Unlimited})
	if err != nil {
		return nil, err
	}
	all = activeRelationships(all, f.AsOf)
	// The source filter comes before the policy: the policy chooses
	// among the figures of the chosen sources.
	all = slices.DeleteFunc(all, func(r *Relationship) bool { return !CitedBy(r, f.SourceIDs) })
	counted := map[string]bool{}
	for _, r := range ApplyFundingPolicy(all, f.Policy) {
		counted[r.ID] = true
	}
	// One row per relationship: reuse the group-by's field extraction.
	rows, err := relationshipRowsOf(ctx, s, all, spec)
	if err != nil {
		return nil, err
	}
	buckets := map[string]*FundingBucket{}
	var order []string
	for i, r := range all {
		if r.Amount == nil || rows[i] == nil {
			continue
		}
		keys := rows[i][0]
		if len(keys) == 0 {
			keys = []string{""}
		}
		shares := fundingShares(r.Amount.Minor, keys, f.Split)
		if f.Split == FundingEqual {
			keys = sortedUnique(keys)
		}
		for j, k := range keys {
			id := k + "|" + r.Amount.Currency
			b, ok := buckets[id]
			if !ok {
				b = &FundingBucket{Key: k, Currency: r.Amount.Currency}
				buckets[id] = b
				order = append(order, id)
			}
			b.FigureIDs = append(b.FigureIDs, r.ID)
			if counted[r.ID] {
				b.CountedIDs = append(b.CountedIDs, r.ID)
				b.TotalMinor += shares[j]
			}
		}
	}
	out := make([]FundingBucket, 0, len(order))
	for _, id := range order {
		b := buckets[id]
		b.Total = float64(b.TotalMinor) / 100
		out = append(out, *b)
	}
	sortFundingBuckets(out)
	return out, nil
}

// fundingShares is what a figure of minor units counts in each of its
// keys: the whole in each, or (FundingEqual) equal shares of the distinct
// keys in key order, the cents left over going one each to the first.
func fundingShares(minor int64, keys []string, split FundingSplit) []int64 {
	if split != FundingEqual {
		shares := make([]int64, len(keys))
		for i := range shares {
			shares[i] = minor
		}
		return shares
	}
	n := int64(len(sortedUnique(keys)))
	q, rem := minor/n, minor%n
	if rem < 0 { // floor division, so negative figures split exactly too
		q, rem = q-1, rem+n
	}
	shares := make([]int64, n)
	for i := range shares {
		shares[i] = q
		if int64(i) < rem {
			shares[i]++
		}
	}
	return shares
}

// sortedUnique returns the distinct keys in ascending order.
func sortedUnique(keys []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(keys)))
}

// sortFundingBuckets orders buckets by total, largest first, then by key
// and currency.
func sortFundingBuckets(out []FundingBucket) {
	slices.SortFunc(out, func(a, b FundingBucket) int {
		if a.TotalMinor != b.TotalMinor {
			if a.TotalMinor > b.TotalMinor {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Currency, b.Currency))
	})
}

// CoverageCell is one cell of the services × regions matrix.
type CoverageCell struct {
	ServiceID, RegionID string
	// Provisions counts provision rows; Providers are the distinct
	// providers.
	Provisions int
	Providers  []string
}

// Coverage is the services × regions matrix of the provisions matching
// f: which service is provided in which region, by how many providers.
// A provision counts in every region of its provider and service. It is
// computed from the provision rows alone, without hydrated provisions,
// and without putting the rows in order (a third of the work on a large
// network): cells are ordered by service and region, each cell's
// providers by name, then id.
func Coverage(ctx context.Context, s Reader, f ProvisionFilter) ([]CoverageCell, error) {
	rows, _, err := provisionRows(ctx, s, f)
	if err != nil {
		return nil, err
	}
	cells := map[[2]string]*CoverageCell{}
	var order [][2]string
	names := map[string]string{} // provider id → its name's sort key
	for _, p := range rows {
		names[p.ProviderID] = p.ProviderName
		for _, region := range p.RegionIDs {
			k := [2]string{p.ServiceID, region}
			c, ok := cells[k]
			if !ok {
				c = &CoverageCell{ServiceID: k[0], RegionID: k[1]}
				cells[k] = c
				order = append(order, k)
			}
			c.Provisions++
			if !slices.Contains(c.Providers, p.ProviderID) {
				c.Providers = append(c.Providers, p.ProviderID)
			}
		}
	}
	out := make([]CoverageCell, 0, len(order))
	for _, k := range order {
		c := cells[k]
		slices.SortFunc(c.Providers, func(a, b string) int {
			return cmp.Or(strings.Compare(names[a], names[b]), strings.Compare(a, b))
		})
		out = append(out, *c)
	}
	sortCoverage(out)
	return out, nil
}

// sortCoverage orders cells by service, then region.
func sortCoverage(cells []CoverageCell) {
	slices.SortFunc(cells, func(a, b CoverageCell) int {
		return cmp.Or(strings.Compare(a.ServiceID, b.ServiceID), strings.Compare(a.RegionID, b.RegionID))
	})
}

// Participation is an organisation with the pilots it takes part in.
type Participation struct {
	NodeID   string
	PilotIDs []string
}

// participationTypes are the ways an organisation takes part in a pilot.
var participationTypes = []RelationshipType{Administers, PartnerIn, ExpertFor}

// OrganisationsInPilots lists the organisations and employers that take
// part (administer, partner or advise) in at least minPilots distinct
// pilots, most pilots first, then by id. On asOf, only relationships and
// pilots active that day count, as in relationship conditions. It
// selects the organisations with a relationship condition and then
// reads only their participations.
func OrganisationsInPilots(ctx context.Context, s Reader, minPilots int, where *Where, asOf *time.Time) ([]Participation, error) {
	if minPilots < 1 {
		return nil, Errorf(EINVALID, "minPilots must be at least 1")
	}
	pilots := &Where{Filter: NodeFilter{Kinds: []Kind{KindPilot}}}
	w := &Where{Relationships: []*RelationshipMatch{{Dir: Out, Types: participationTypes, Where: pilots, Count: &IntRange{Gte: &minPilots}}}}
	if where != nil {
		w.And = []*Where{where}
	}
	ids, err := Select(ctx, s, NodeFilter{Kinds: []Kind{KindOrganisation, KindEmployer}}, w, asOf)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	rels, _, err := s.FindRelationships(ctx, RelationshipFilter{NodeIDs: ids, Direction: Out, Types: participationTypes},
		ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, err
	}
	rels = activeRelationships(rels, asOf)
	var ends []string
	for _, r := range rels {
		ends = append(ends, r.ToID)
	}
	ends = unique(ends)
	nodes, err := s.NodesByID(ctx, ends)
	if err != nil {
		return nil, err
	}
	pilot := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if n != nil && n.Kind == KindPilot && (asOf == nil || n.Period.Contains(*asOf)) {
			pilot[n.ID] = true
		}
	}
	byOrg := map[string][]string{}
	for _, r := range rels {
		if pilot[r.ToID] {
			byOrg[r.FromID] = append(byOrg[r.FromID], r.ToID)
		}
	}
	out := make([]Participation, 0, len(ids))
	for _, id := range ids {
		// The condition counted the same pilots; the check keeps the
		// answer right should a write land between the two reads.
		if p := unique(byOrg[id]); len(p) >= minPilots {
			out = append(out, Participation{NodeID: id, PilotIDs: p})
		}
	}
	slices.SortFunc(out, func(a, b Participation) int {
		if len(a.PilotIDs) != len(b.PilotIDs) {
			return len(b.PilotIDs) - len(a.PilotIDs)
		}
		return strings.Compare(a.NodeID, b.NodeID)
	})
	return out, nil
}
