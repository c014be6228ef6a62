package storetest

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/otehub/hub"
)

// The oracle: brute-force evaluators of the query semantics over plain
// rows, for the query tests to compare the hub's answers with. They are
// written from the documentation of the hub's types (Where, GroupSpec,
// FundingPolicy, ProvisionFilter, Search, ListOptions…), not from the
// code that answers queries: every evaluation loops over every node and
// relationship the store loads, nested conditions recurse, and derived
// values (search terms, sort names, start days) are computed here from
// the rows' own fields rather than read from what Prepare stored.

// plainNetwork is every row of a store, as its Load streams them.
type plainNetwork struct {
	nodes []*hub.Node
	rels  []*hub.Relationship
	byID  map[string]*hub.Node
}

// mustLoadPlain reads every row of the store itself (not of the index
// the suite reads through).
func mustLoadPlain(t *testing.T, s Store) *plainNetwork {
	t.Helper()
	p := &plainNetwork{byID: map[string]*hub.Node{}}
	err := s.Load(t.Context(),
		func(n *hub.Node) error { p.nodes = append(p.nodes, n); p.byID[n.ID] = n; return nil },
		func(r *hub.Relationship) error { p.rels = append(p.rels, r); return nil })
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

// fold reads hub.Normalize's contract: lower case, diacritics dropped,
// every run of characters that are neither letters nor digits one
// space, trimmed.
func fold(s string) string {
	bare, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn))), s)
	if err != nil {
		panic(err)
	}
	words := strings.FieldsFunc(strings.ToLower(bare), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.Join(words, " ")
}

// namesOf returns the node's names, Finnish, Swedish and English, those
// it has.
func namesOf(n *hub.Node) []string {
	var out []string
	for _, s := range []string{n.Name.FI, n.Name.SV, n.Name.EN} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sortName is the NAME order key: the display name (in Finnish, else
// the first other language, else the key), folded.
func sortName(n *hub.Node) string {
	if names := namesOf(n); len(names) > 0 {
		return fold(names[0])
	}
	return fold(n.Key)
}

// dayOf is the UTC calendar day of t as YYYY-MM-DD: days compare as
// strings.
func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// bounds are a period's first and last days, "" when unknown.
func bounds(p *hub.Period) (start, end string) {
	if p == nil {
		return "", ""
	}
	if p.Start != nil {
		start = dayOf(*p.Start)
	}
	if p.End != nil {
		end = dayOf(*p.End)
	}
	return start, end
}

// within reports whether day d lies in p; unknown ends, and a missing
// period, are open.
func within(p *hub.Period, d string) bool {
	start, end := bounds(p)
	return (start == "" || start <= d) && (end == "" || d <= end)
}

// activeOn is the asOf rule: without a day everything counts; with one,
// only rows whose period contains it (undated ones always).
func activeOn(p *hub.Period, asOf *time.Time) bool { return asOf == nil || within(p, dayOf(*asOf)) }

// nodeFilterHolds reads hub.NodeFilter: empty fields do not filter, a
// list holds when the node's value is one of its items; a region, when
// it is one of the node's regions in p (see regionsOf; its own alone
// when p is nil).
func nodeFilterHolds(f *hub.NodeFilter, n *hub.Node, p *plainNetwork) bool {
	switch {
	case len(f.IDs) > 0 && !slices.Contains(f.IDs, n.ID),
		len(f.Kinds) > 0 && !slices.Contains(f.Kinds, n.Kind),
		len(f.Keys) > 0 && !slices.Contains(f.Keys, n.Key),
		len(f.Types) > 0 && !slices.Contains(f.Types, n.Type),
		len(f.RegionIDs) > 0 && !sharesAny(f.RegionIDs, p.regionsOf(n)):
		return false
	}
	if f.NameContains == "" {
		return true
	}
	needle := fold(f.NameContains)
	for _, s := range slices.Concat(namesOf(n), n.Abbreviations, n.Aliases) {
		if t := fold(s); t != "" && strings.Contains(t, needle) {
			return true
		}
	}
	return false
}

// plainOf is a plain network of rows at hand.
func plainOf(nodes []*hub.Node, rels []*hub.Relationship) *plainNetwork {
	p := &plainNetwork{nodes: nodes, rels: rels, byID: map[string]*hub.Node{}}
	for _, n := range nodes {
		p.byID[n.ID] = n
	}
	return p
}

// regionsOf reads hub.Node.Regions: a node's own regions and, for a
// service, the own regions of every node with a PROVIDES relationship
// to it (in p; own regions alone when p is nil).
func (p *plainNetwork) regionsOf(n *hub.Node) []string {
	out := slices.Clone(n.RegionIDs)
	if p == nil || n.Kind != hub.KindService {
		return out
	}
	for _, r := range p.rels {
		if r.Type == hub.Provides && r.ToID == n.ID {
			if provider := p.byID[r.FromID]; provider != nil {
				out = append(out, provider.RegionIDs...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sharesAny reports whether some value is in list.
func sharesAny(list, values []string) bool {
	for _, v := range values {
		if slices.Contains(list, v) {
			return true
		}
	}
	return false
}

// relFilterHolds reads hub.RelationshipFilter.
func relFilterHolds(f *hub.RelationshipFilter, r *hub.Relationship) bool {
	switch {
	case len(f.IDs) > 0 && !slices.Contains(f.IDs, r.ID),
		len(f.Types) > 0 && !slices.Contains(f.Types, r.Type),
		len(f.FromIDs) > 0 && !slices.Contains(f.FromIDs, r.FromID),
		len(f.ToIDs) > 0 && !slices.Contains(f.ToIDs, r.ToID):
		return false
	case len(f.NodeIDs) > 0:
		from, to := slices.Contains(f.NodeIDs, r.FromID), slices.Contains(f.NodeIDs, r.ToID)
		switch f.Direction {
		case hub.Out:
			return from
		case hub.In:
			return to
		default:
			return from || to
		}
	}
	return true
}

// sameText compares two strings, folded when m says so.
func sameText(m *hub.StringMatch, a, b string) bool {
	if m.Fold {
		return fold(a) == fold(b)
	}
	return a == b
}

// positiveHolds checks the conditions a value must meet itself: eq, in,
// contains and prefix.
func positiveHolds(m *hub.StringMatch, v string) bool {
	f := func(s string) string { return s }
	if m.Fold {
		f = fold
	}
	return (m.Eq == nil || sameText(m, v, *m.Eq)) &&
		(m.In == nil || slices.ContainsFunc(m.In, func(x string) bool { return sameText(m, v, x) })) &&
		(m.Contains == nil || strings.Contains(f(v), f(*m.Contains))) &&
		(m.Prefix == nil || strings.HasPrefix(f(v), f(*m.Prefix)))
}

// negativeHolds checks the conditions a value must not meet: neq and
// notIn.
func negativeHolds(m *hub.StringMatch, v string) bool {
	return (m.Neq == nil || !sameText(m, v, *m.Neq)) &&
		(m.NotIn == nil || !slices.ContainsFunc(m.NotIn, func(x string) bool { return sameText(m, v, x) }))
}

// valueHolds applies m to a single-valued field (key, type, role), ""
// when missing. Every condition given must hold.
func valueHolds(m *hub.StringMatch, v string) bool {
	if m == nil {
		return true
	}
	if m.IsNull != nil && *m.IsNull != (v == "") {
		return false
	}
	return positiveHolds(m, v) && negativeHolds(m, v)
}

// namesHold applies m to a node's names: isNull to whether it has any,
// the positive conditions to one name (together), the negative ones to
// every name.
func namesHold(m *hub.StringMatch, names []string) bool {
	if m == nil {
		return true
	}
	if m.IsNull != nil && *m.IsNull != (len(names) == 0) {
		return false
	}
	positive := m.Eq != nil || m.In != nil || m.Contains != nil || m.Prefix != nil
	if positive && !slices.ContainsFunc(names, func(v string) bool { return positiveHolds(m, v) }) {
		return false
	}
	for _, v := range names {
		if !negativeHolds(m, v) {
			return false
		}
	}
	return true
}

// periodHolds reads hub.PeriodMatch (and the GraphQL PeriodFilter): a
// period's unknown ends are open, days are UTC days.
func periodHolds(m *hub.PeriodMatch, p *hub.Period) bool {
	if m == nil {
		return true
	}
	start, end := bounds(p)
	if m.IsNull != nil && *m.IsNull != (start == "" && end == "") {
		return false
	}
	if o := m.Overlaps; o != nil {
		// Two spans share a day when each begins no later than the other
		// ends.
		if o.End != nil && start != "" && start > dayOf(*o.End) {
			return false
		}
		if o.Start != nil && end != "" && end < dayOf(*o.Start) {
			return false
		}
	}
	if m.Contains != nil && !within(p, dayOf(*m.Contains)) {
		return false
	}
	if m.StartsFrom != nil && (start == "" || start < dayOf(*m.StartsFrom)) {
		return false
	}
	if m.StartsBefore != nil && (start == "" || start >= dayOf(*m.StartsBefore)) {
		return false
	}
	return true
}

// countHolds reads hub.IntRange: every given bound must hold.
func countHolds(r *hub.IntRange, n int) bool {
	return (r.Eq == nil || n == *r.Eq) && (r.Gt == nil || n > *r.Gt) && (r.Gte == nil || n >= *r.Gte) &&
		(r.Lt == nil || n < *r.Lt) && (r.Lte == nil || n <= *r.Lte)
}

// amountHolds reads hub.FloatRange on an amount in major units; a
// relationship without an amount fails every amount condition.
func amountHolds(r *hub.FloatRange, a *hub.Money) bool {
	if a == nil {
		return false
	}
	f := float64(a.Minor) / 100
	return (r.Eq == nil || f == *r.Eq) && (r.Gt == nil || f > *r.Gt) && (r.Gte == nil || f >= *r.Gte) &&
		(r.Lt == nil || f < *r.Lt) && (r.Lte == nil || f <= *r.Lte)
}

// relWhereHolds reads hub.RelationshipWhere: its filter and its amount,
// period, role and source conditions.
func relWhereHolds(w *hub.RelationshipWhere, r *hub.Relationship) bool {
	if w == nil {
		return true
	}
	return relFilterHolds(&w.Filter, r) && (w.Amount == nil || amountHolds(w.Amount, r.Amount)) &&
		periodHolds(w.Period, r.Period) && valueHolds(w.Role, r.Role) && statedBy(r, w.SourceIDs)
}

// statedBy reads the source conditions: without sources every row
// holds; with them, a row one of whose citations names one of them.
func statedBy(r *hub.Relationship, sources []string) bool {
	if len(sources) == 0 {
		return true
	}
	for _, c := range r.Sources {
		for _, s := range sources {
			if c.SourceID != "" && c.SourceID == s {
				return true
			}
		}
	}
	return false
}

// neighbours returns the distinct nodes at the other end of n's
// relationships in direction dir (BOTH when empty) of types (any when
// empty) for which keep holds, in id order. The nodes need not exist.
func (p *plainNetwork) neighbours(n string, dir hub.Direction, types []hub.RelationshipType, keep func(*hub.Relationship) bool) []string {
	var out []string
	for _, r := range p.rels {
		if (len(types) > 0 && !slices.Contains(types, r.Type)) || !keep(r) {
			continue
		}
		other := ""
		if r.FromID == n && dir != hub.In {
			other = r.ToID
		} else if r.ToID == n && dir != hub.Out {
			other = r.FromID
		}
		if other != "" && !slices.Contains(out, other) {
			out = append(out, other)
		}
	}
	slices.Sort(out)
	return out
}

// whereHolds reads hub.Where: every part that is set must hold; on asOf,
// related nodes and the relationships leading to them count only when
// active that day.
func (p *plainNetwork) whereHolds(w *hub.Where, n *hub.Node, asOf *time.Time) bool {
	if w == nil {
		return true
	}
	if !nodeFilterHolds(&w.Filter, n, p) || !namesHold(w.Name, namesOf(n)) || !valueHolds(w.Key, n.Key) ||
		!valueHolds(w.Type, n.Type) || !periodHolds(w.Period, n.Period) {
		return false
	}
	if w.ExternalID != nil && !slices.ContainsFunc(n.ExternalIDs, func(e hub.ExternalID) bool {
		return e.Scheme == w.ExternalID.Scheme && e.ID == w.ExternalID.ID
	}) {
		return false
	}
	for _, rm := range w.Relationships {
		if !p.relatedHold(rm, n, asOf) {
			return false
		}
	}
	for _, sub := range w.And {
		if !p.whereHolds(sub, n, asOf) {
			return false
		}
	}
	if len(w.Or) > 0 && !slices.ContainsFunc(w.Or, func(sub *hub.Where) bool { return p.whereHolds(sub, n, asOf) }) {
		return false
	}
	return w.Not == nil || !p.whereHolds(w.Not, n, asOf)
}

// relatedHold reads hub.RelationshipMatch for one node.
func (p *plainNetwork) relatedHold(rm *hub.RelationshipMatch, n *hub.Node, asOf *time.Time) bool {
	keep := func(r *hub.Relationship) bool { return activeOn(r.Period, asOf) && relWhereHolds(rm.Relationship, r) }
	related, hits := 0, 0
	for _, id := range p.neighbours(n.ID, rm.Dir, rm.Types, keep) {
		m := p.byID[id]
		if m == nil || !activeOn(m.Period, asOf) {
			continue
		}
		related++
		if p.whereHolds(rm.Where, m, asOf) {
			hits++
		}
	}
	switch {
	case rm.Count != nil:
		return countHolds(rm.Count, hits)
	case rm.Quantifier == hub.None:
		return hits == 0
	case rm.Quantifier == hub.All:
		return hits == related
	default:
		return hits > 0
	}
}

// oracleSelect answers hub.Select: the ids of the nodes active on asOf
// that match base and w, in no particular order.
func oracleSelect(p *plainNetwork, base hub.NodeFilter, w *hub.Where, asOf *time.Time) []string {
	var ids []string
	for _, n := range p.nodes {
		if activeOn(n.Period, asOf) && nodeFilterHolds(&base, n, p) && p.whereHolds(w, n, asOf) {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// oracleOrganisationsInPilots answers hub.OrganisationsInPilots: the
// organisations and employers that administer, partner in or advise at
// least minPilots distinct pilots (on asOf, counting only relationships
// and pilots active that day), most pilots first, then by id.
func oracleOrganisationsInPilots(p *plainNetwork, minPilots int, where *hub.Where, asOf *time.Time) []hub.Participation {
	orgs := hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation, hub.KindEmployer}}
	var out []hub.Participation
	for _, id := range oracleSelect(p, orgs, where, asOf) {
		var pilots []string
		for _, other := range p.neighbours(id, hub.Out, []hub.RelationshipType{hub.Administers, hub.PartnerIn, hub.ExpertFor},
			func(r *hub.Relationship) bool { return activeOn(r.Period, asOf) }) {
			if m := p.byID[other]; m != nil && m.Kind == hub.KindPilot && activeOn(m.Period, asOf) {
				pilots = append(pilots, other)
			}
		}
		if len(pilots) >= minPilots {
			out = append(out, hub.Participation{NodeID: id, PilotIDs: pilots})
		}
	}
	slices.SortFunc(out, func(a, b hub.Participation) int {
		return cmp.Or(cmp.Compare(len(b.PilotIDs), len(a.PilotIDs)), strings.Compare(a.NodeID, b.NodeID))
	})
	return out
}

// yearsOf lists the years a period is active in, as group-bys count
// them: every year from the start to the end, a span cut after 50
// years; only the start year when the end is unknown, only the end year
// when the start is.
func yearsOf(p *hub.Period) []string {
	switch {
	case p == nil || (p.Start == nil && p.End == nil):
		return nil
	case p.Start == nil:
		return []string{strconv.Itoa(p.End.UTC().Year())}
	case p.End == nil:
		return []string{strconv.Itoa(p.Start.UTC().Year())}
	}
	var out []string
	for y := p.Start.UTC().Year(); y <= p.End.UTC().Year() && y <= p.Start.UTC().Year()+50; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return out
}

// startYear is the year a period starts in, none when unknown.
func startYear(p *hub.Period) []string {
	if p == nil || p.Start == nil {
		return nil
	}
	return []string{strconv.Itoa(p.Start.UTC().Year())}
}

// nodeValues are a node's values of a group field; node-valued fields
// give ids.
func (p *plainNetwork) nodeValues(n *hub.Node, f hub.GroupField) []string {
	if n == nil {
		return nil
	}
	switch f {
	case hub.ByKind:
		return []string{string(n.Kind)}
	case hub.ByType:
		return []string{n.Type}
	case hub.ByKey:
		return []string{n.ID}
	case hub.ByRegion:
		return p.regionsOf(n)
	case hub.ByStartYear:
		return startYear(n.Period)
	case hub.ByActiveYear:
		return yearsOf(n.Period)
	}
	panic("nodeValues: " + string(f))
}

// relationshipGroupFields are the fields a relationship group-by takes,
// as GroupField lists them.
var relationshipGroupFields = []hub.GroupField{hub.ByType, hub.ByStartYear, hub.ByActiveYear,
	hub.ByFromKind, hub.ByFromType, hub.ByFromKey, hub.ByFromRegion,
	hub.ByToKind, hub.ByToType, hub.ByToKey, hub.ByToRegion, hub.ByToParent}

// relationshipValues are a relationship's values of a group field.
// Undated relationships take their years from their to-node (a pilot's
// funding, its years).
func (p *plainNetwork) relationshipValues(r *hub.Relationship, f hub.GroupField) []string {
	from, to := p.byID[r.FromID], p.byID[r.ToID]
	switch f {
	case hub.ByType:
		return []string{string(r.Type)}
	case hub.ByStartYear:
		if y := startYear(r.Period); y != nil || to == nil {
			return y
		}
		return startYear(to.Period)
	case hub.ByActiveYear:
		if y := yearsOf(r.Period); y != nil || to == nil {
			return y
		}
		return yearsOf(to.Period)
	case hub.ByFromKind, hub.ByFromType, hub.ByFromKey, hub.ByFromRegion:
		return p.nodeValues(from, hub.GroupField(strings.TrimPrefix(string(f), "FROM_")))
	case hub.ByToKind, hub.ByToType, hub.ByToKey, hub.ByToRegion:
		return p.nodeValues(to, hub.GroupField(strings.TrimPrefix(string(f), "TO_")))
	case hub.ByToParent:
		var parents []string
		for _, x := range p.rels {
			if x.Type == hub.PartOf && x.FromID == r.ToID {
				parents = append(parents, x.ToID)
			}
		}
		return parents
	}
	panic("relationshipValues: " + string(f))
}

// combinations expands one row's values per key into every tuple of
// them (a missing value is "").
func combinations(values [][]string) [][]string {
	if len(values) == 0 {
		return [][]string{nil}
	}
	first := values[0]
	if len(first) == 0 {
		first = []string{""}
	}
	var out [][]string
	for _, v := range first {
		for _, rest := range combinations(values[1:]) {
			out = append(out, append([]string{v}, rest...))
		}
	}
	return out
}

// chosenFigures applies a funding policy to FUNDS relationships: among
// the figures with an amount for one funder, recipient and currency,
// HIGHEST (the default) keeps the highest, LOWEST the lowest, ties going
// to the smallest id; EVERY keeps every one. It reports, by id, whether
// each relationship counts; relationships it does not judge count.
func chosenFigures(rels []*hub.Relationship, policy hub.FundingPolicy) map[string]bool {
	counts := map[string]bool{}
	for _, r := range rels {
		counts[r.ID] = true
		if policy == hub.FundingEvery || r.Type != hub.Funds || r.Amount == nil {
			continue
		}
		for _, o := range rels {
			if o.Type != hub.Funds || o.Amount == nil || o.ID == r.ID || o.FromID != r.FromID || o.ToID != r.ToID ||
				o.Amount.Currency != r.Amount.Currency {
				continue
			}
			better := o.Amount.Minor > r.Amount.Minor
			if policy == hub.FundingLowest {
				better = o.Amount.Minor < r.Amount.Minor
			}
			if better || (o.Amount.Minor == r.Amount.Minor && o.ID < r.ID) {
				counts[r.ID] = false
			}
		}
	}
	return counts
}

// cents turns an amount in cents into major units.
func cents(c int64) *float64 {
	f := float64(c) / 100
	return &f
}

// oracleGroupBy answers hub.GroupBy for a valid spec: rows (nodes as
// oracleSelect picks them, or relationships), each counted once in every
// combination of its values, groups by count descending, then keys. The
// measure is over the rows that have one (a relationship without an
// amount has none), in cents here so that sums are exact, the average
// rounded half away from zero to a cent; a group without such rows has
// none (Group: nil "without values").
func oracleGroupBy(p *plainNetwork, spec *hub.GroupSpec) []hub.Group {
	type row struct {
		values   [][]string
		measure  int64
		measured bool
	}
	var rows []row
	if spec.Collection == hub.GroupNodes {
		active := func(r *hub.Relationship) bool { return activeOn(r.Period, spec.AsOf) }
		for _, id := range oracleSelect(p, spec.Nodes, spec.Where, spec.AsOf) {
			n := p.byID[id]
			var x row
			for _, k := range spec.By {
				if k.Field == hub.ByRelated {
					x.values = append(x.values, p.neighbours(id, k.Dir, k.Types, active))
				} else {
					x.values = append(x.values, p.nodeValues(n, k.Field))
				}
			}
			if spec.Measure == hub.MeasureDegree {
				x.measure, x.measured = 100*int64(len(p.neighbours(id, spec.DegreeDir, spec.DegreeTypes, active))), true
			}
			rows = append(rows, x)
		}
	} else {
		var rels []*hub.Relationship
		for _, r := range p.rels {
			from, to := p.byID[r.FromID], p.byID[r.ToID]
			if relFilterHolds(&spec.Relationships, r) && relWhereHolds(spec.RelationshipWhere, r) && activeOn(r.Period, spec.AsOf) &&
				(from == nil || activeOn(from.Period, spec.AsOf)) && (to == nil || activeOn(to.Period, spec.AsOf)) {
				rels = append(rels, r)
			}
		}
		counts := map[string]bool{}
		if spec.Measure == hub.MeasureAmount {
			counts = chosenFigures(rels, spec.Funding)
		}
		for _, r := range rels {
			if spec.Measure == hub.MeasureAmount && !counts[r.ID] {
				continue
			}
			var x row
			for _, k := range spec.By {
				x.values = append(x.values, p.relationshipValues(r, k.Field))
			}
			if spec.Measure == hub.MeasureAmount && r.Amount != nil {
				x.measure, x.measured = r.Amount.Minor, true
			}
			rows = append(rows, x)
		}
	}

	type group struct {
		keys     []string
		count    int
		measures []int64
	}
	var groups []*group
	for _, x := range rows {
		for _, keys := range combinations(x.values) {
			i := slices.IndexFunc(groups, func(g *group) bool { return slices.Equal(g.keys, keys) })
			if i < 0 {
				groups = append(groups, &group{keys: keys})
				i = len(groups) - 1
			}
			groups[i].count++
			if x.measured {
				groups[i].measures = append(groups[i].measures, x.measure)
			}
		}
	}
	var out []hub.Group
	for _, g := range groups {
		if spec.Having != nil && !countHolds(spec.Having, g.count) {
			continue
		}
		res := hub.Group{Keys: g.keys, Count: g.count}
		if n := int64(len(g.measures)); n > 0 {
			var sum int64
			for _, m := range g.measures {
				sum += m
			}
			res.Sum, res.Min, res.Max = cents(sum), cents(slices.Min(g.measures)), cents(slices.Max(g.measures))
			// Measures are not negative: half a cent and more rounds up.
			res.Avg = cents((2*sum + n) / (2 * n))
		}
		out = append(out, res)
	}
	slices.SortFunc(out, func(a, b hub.Group) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		for i := range a.Keys {
			if c := strings.Compare(a.Keys[i], b.Keys[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// oracleFundingTotals answers hub.FundingTotals: FUNDS relationships
// with an amount, to the recipients selects (all when nil), stated by
// one of the sources (any when none), active on
// asOf together with both their ends, in buckets of a key value and a
// currency; each bucket lists every figure and the ones the policy
// counts (ids ascending) and totals those. Buckets come by total,
// largest first, then by key and currency.
func oracleFundingTotals(p *plainNetwork, by hub.GroupKey, policy hub.FundingPolicy, recipients *hub.Where, sources []string, asOf *time.Time) ([]hub.FundingBucket, error) {
	if !slices.Contains(relationshipGroupFields, by.Field) {
		return nil, hub.Errorf(hub.EINVALID, "cannot group relationships by %s", by.Field)
	}
	var to []string
	if recipients != nil {
		if to = oracleSelect(p, hub.NodeFilter{}, recipients, asOf); len(to) == 0 {
			return nil, nil
		}
	}
	var figures []*hub.Relationship
	for _, r := range p.rels {
		from, rec := p.byID[r.FromID], p.byID[r.ToID]
		if r.Type == hub.Funds && r.Amount != nil && (to == nil || slices.Contains(to, r.ToID)) && statedBy(r, sources) && activeOn(r.Period, asOf) &&
			(from == nil || activeOn(from.Period, asOf)) && (rec == nil || activeOn(rec.Period, asOf)) {
			figures = append(figures, r)
		}
	}
	slices.SortFunc(figures, func(a, b *hub.Relationship) int { return strings.Compare(a.ID, b.ID) })
	counts := chosenFigures(figures, policy)
	type bucket struct {
		hub.FundingBucket
		total int64
	}
	var buckets []*bucket
	for _, r := range figures {
		keys := p.relationshipValues(r, by.Field)
		if len(keys) == 0 {
			keys = []string{""}
		}
		for _, k := range keys {
			i := slices.IndexFunc(buckets, func(b *bucket) bool { return b.Key == k && b.Currency == r.Amount.Currency })
			if i < 0 {
				buckets = append(buckets, &bucket{FundingBucket: hub.FundingBucket{Key: k, Currency: r.Amount.Currency}})
				i = len(buckets) - 1
			}
			b := buckets[i]
			b.FigureIDs = append(b.FigureIDs, r.ID)
			if counts[r.ID] {
				b.CountedIDs = append(b.CountedIDs, r.ID)
				b.total += r.Amount.Minor
			}
		}
	}
	out := []hub.FundingBucket{}
	for _, b := range buckets {
		b.Total = *cents(b.total)
		out = append(out, b.FundingBucket)
	}
	slices.SortFunc(out, func(a, b hub.FundingBucket) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Key, b.Key), strings.Compare(a.Currency, b.Currency))
	})
	return out, nil
}

// oracleProvisionID is a provision's id as clients keep it (its format
// is pinned by hub's TestProvisionIDsAreStable): the keys of the
// PROVIDES and, when there is one, the SERVES relationship, hashed.
func oracleProvisionID(providesKey, servesKey string) string {
	key := providesKey
	if servesKey != "" {
		key += "|" + servesKey
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString([]byte("Provision:" + hex.EncodeToString(sum[:10])))
}

// oracleProvision is a provision as the oracle builds it: the row and
// the rows it joins.
type oracleProvision struct {
	row                          hub.ProvisionRow
	provides, serves             *hub.Relationship
	provider, service, recipient *hub.Node
}

// sortedSet returns the distinct values, sorted; nil when there are
// none.
func sortedSet(values ...[]string) []string {
	var out []string
	for _, vs := range values {
		for _, v := range vs {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// oracleProvisionList answers "who provides what to whom" (see
// hub.Provision and hub.ProvisionFilter): every PROVIDES relationship
// joined with the SERVES relationships of its service (basis SERVICE),
// else with those of its provider (PROVIDER), else with none (NONE). On
// asOf a provision is made of the relationships active that day and
// kept when its nodes are active too. Provisions come in the provision
// order: service, provider and recipient sort name, then id.
func oracleProvisionList(p *plainNetwork, f hub.ProvisionFilter) []oracleProvision {
	active := func(r *hub.Relationship) bool { return activeOn(r.Period, f.AsOf) }
	servesFrom := func(id string) []*hub.Relationship {
		var out []*hub.Relationship
		for _, r := range p.rels {
			if r.Type == hub.Serves && r.FromID == id && active(r) {
				out = append(out, r)
			}
		}
		return out
	}
	themesOf := func(id string) []string {
		var out []string
		for _, r := range p.rels {
			if r.Type == hub.HasTheme && r.FromID == id && active(r) {
				out = append(out, r.ToID)
			}
		}
		return out
	}
	kept := func(n *hub.Node) bool { return n != nil && activeOn(n.Period, f.AsOf) }
	anyOf := func(want []string, have ...string) bool { return len(want) == 0 || sharesAny(want, have) }

	var out []oracleProvision
	for _, pr := range p.rels {
		if pr.Type != hub.Provides || !active(pr) {
			continue
		}
		provider, service := p.byID[pr.FromID], p.byID[pr.ToID]
		serves, basis := servesFrom(pr.ToID), hub.BasisService
		if len(serves) == 0 {
			serves, basis = servesFrom(pr.FromID), hub.BasisProvider
		}
		if len(serves) == 0 {
			serves, basis = []*hub.Relationship{nil}, hub.BasisNone
		}
		for _, sv := range serves {
			x := oracleProvision{provides: pr, serves: sv, provider: provider, service: service}
			if !kept(provider) || !kept(service) {
				continue
			}
			x.row = hub.ProvisionRow{ProvidesID: pr.ID, ProvidesKey: pr.Key, Basis: basis,
				ProviderID: provider.ID, ServiceID: service.ID,
				ServiceName: sortName(service), ProviderName: sortName(provider),
				RegionIDs: sortedSet(provider.RegionIDs, service.RegionIDs)}
			themes := themesOf(service.ID)
			if provider.Kind == hub.KindPilot || provider.Kind == hub.KindProgramme {
				x.row.ContextID = provider.ID
				themes = append(themes, themesOf(provider.ID)...)
			}
			x.row.ThemeIDs = sortedSet(themes)
			recipientKind := hub.Kind("")
			if sv != nil {
				if x.recipient = p.byID[sv.ToID]; !kept(x.recipient) {
					continue
				}
				x.row.ServesID, x.row.ServesKey = sv.ID, sv.Key
				x.row.RecipientID, x.row.RecipientName = x.recipient.ID, sortName(x.recipient)
				recipientKind = x.recipient.Kind
			}
			x.row.ID = oracleProvisionID(x.row.ProvidesKey, x.row.ServesKey)
			if anyOf(f.ServiceIDs, service.ID) && anyOf(f.ServiceTypes, service.Type) && anyOf(f.ProviderIDs, provider.ID) &&
				anyOf(f.RecipientIDs, x.row.RecipientID) && anyOf(f.ContextIDs, x.row.ContextID) &&
				anyOf(f.RegionIDs, x.row.RegionIDs...) && anyOf(f.ThemeIDs, x.row.ThemeIDs...) &&
				(len(f.RecipientKinds) == 0 || slices.Contains(f.RecipientKinds, recipientKind)) &&
				(len(f.Bases) == 0 || slices.Contains(f.Bases, basis)) {
				out = append(out, x)
			}
		}
	}
	slices.SortFunc(out, func(a, b oracleProvision) int { return compareRows(&a.row, &b.row) })
	return out
}

// compareRows compares provision rows in the provision order.
func compareRows(a, b *hub.ProvisionRow) int {
	return cmp.Or(strings.Compare(a.ServiceName, b.ServiceName), strings.Compare(a.ProviderName, b.ProviderName),
		strings.Compare(a.RecipientName, b.RecipientName), strings.Compare(a.ID, b.ID))
}

// rowKeys are a provision row's values in the provision order (service,
// provider and recipient name), as a cursor on it holds them.
func rowKeys(r hub.ProvisionRow) []string {
	return []string{r.ServiceName, r.ProviderName, r.RecipientName}
}

// oracleProvisionRows answers hub.ProvisionRows.
func oracleProvisionRows(p *plainNetwork, f hub.ProvisionFilter) []hub.ProvisionRow {
	var out []hub.ProvisionRow
	for _, x := range oracleProvisionList(p, f) {
		out = append(out, x.row)
	}
	return out
}

// oracleProvisions answers hub.Provisions: the rows with what they join,
// the context (the provider when it is a pilot or programme) and the
// period in which both relationships hold.
func oracleProvisions(p *plainNetwork, f hub.ProvisionFilter) []*hub.Provision {
	var out []*hub.Provision
	for _, x := range oracleProvisionList(p, f) {
		v := &hub.Provision{ID: x.row.ID, Provides: x.provides, Serves: x.serves, Basis: x.row.Basis,
			Provider: x.provider, Service: x.service, Recipient: x.recipient,
			RegionIDs: x.row.RegionIDs, ThemeIDs: x.row.ThemeIDs, Period: x.provides.Period}
		if x.row.ContextID != "" {
			v.Context = x.provider
		}
		if x.serves != nil && x.serves.Period != nil {
			v.Period = &hub.Period{}
			for _, q := range []*hub.Period{x.provides.Period, x.serves.Period} {
				if q == nil {
					continue
				}
				if q.Start != nil && (v.Period.Start == nil || q.Start.After(*v.Period.Start)) {
					v.Period.Start = q.Start
				}
				if q.End != nil && (v.Period.End == nil || q.End.Before(*v.Period.End)) {
					v.Period.End = q.End
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// oracleCoverage answers hub.Coverage: a cell per service and region of
// the provisions matching f, a provision counting in each of its
// regions, with its providers each once, by name (their sort names),
// then id. Cells come by service id, then region id.
func oracleCoverage(p *plainNetwork, f hub.ProvisionFilter) []hub.CoverageCell {
	var out []hub.CoverageCell
	names := map[string]string{}
	for _, row := range oracleProvisionRows(p, f) {
		names[row.ProviderID] = row.ProviderName
		for _, region := range row.RegionIDs {
			i := slices.IndexFunc(out, func(c hub.CoverageCell) bool { return c.ServiceID == row.ServiceID && c.RegionID == region })
			if i < 0 {
				out = append(out, hub.CoverageCell{ServiceID: row.ServiceID, RegionID: region})
				i = len(out) - 1
			}
			out[i].Provisions++
			if !slices.Contains(out[i].Providers, row.ProviderID) {
				out[i].Providers = append(out[i].Providers, row.ProviderID)
			}
		}
	}
	for _, c := range out {
		slices.SortFunc(c.Providers, func(a, b string) int {
			return cmp.Or(strings.Compare(names[a], names[b]), strings.Compare(a, b))
		})
	}
	slices.SortFunc(out, func(a, b hub.CoverageCell) int {
		return cmp.Or(strings.Compare(a.ServiceID, b.ServiceID), strings.Compare(a.RegionID, b.RegionID))
	})
	return out
}

// nodeKeys are a node's values of order fields, from its own fields.
func nodeKeys(n *hub.Node, orders []hub.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		switch o.Field {
		case hub.OrderByName:
			out[i] = sortName(n)
		case hub.OrderByStartDate:
			out[i], _ = bounds(n.Period)
		case hub.OrderByKind:
			out[i] = string(n.Kind)
		case hub.OrderByID:
			out[i] = n.ID
		default:
			panic("nodeKeys: " + string(o.Field))
		}
	}
	return out
}

// relationshipKeys are a relationship's values of order fields.
func relationshipKeys(r *hub.Relationship, orders []hub.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		switch o.Field {
		case hub.OrderByType:
			out[i] = string(r.Type)
		case hub.OrderByStartDate:
			out[i], _ = bounds(r.Period)
		case hub.OrderByID:
			out[i] = r.ID
		default:
			panic("relationshipKeys: " + string(o.Field))
		}
	}
	return out
}

// compareAt compares two positions in an order: each key byte-wise,
// reversed when descending, then ascending id.
func compareAt(orders []hub.Order, a []string, aID string, b []string, bID string) int {
	for i, o := range orders {
		c := strings.Compare(a[i], b[i])
		if o.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(aID, bID)
}

// oraclePage reads hub.ListOptions on rows: sorted by the order, the
// rows after opts.After (all without it), First of them; with Reverse,
// the rows before it, nearest first. hasNext says rows remain beyond
// the page.
func oraclePage[T any](rows []T, opts hub.ListOptions, keys func(T, []hub.Order) []string, id func(T) string) (page []T, hasNext bool) {
	type keyed struct {
		row  T
		keys []string
		id   string
	}
	sorted := make([]keyed, len(rows))
	for i, r := range rows {
		sorted[i] = keyed{r, keys(r, opts.OrderBy), id(r)}
	}
	slices.SortFunc(sorted, func(a, b keyed) int { return compareAt(opts.OrderBy, a.keys, a.id, b.keys, b.id) })
	var side []T
	for _, r := range sorted {
		c := -1
		if opts.After != nil {
			c = compareAt(opts.OrderBy, opts.After.Values, opts.After.ID, r.keys, r.id)
		}
		if (!opts.Reverse && c < 0) || (opts.Reverse && (opts.After == nil || c > 0)) {
			side = append(side, r.row)
		}
	}
	if opts.Reverse {
		slices.Reverse(side)
	}
	if opts.First != hub.Unlimited && len(side) > opts.First {
		return side[:opts.First], true
	}
	return side, false
}
