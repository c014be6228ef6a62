package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// whereGen builds a hub.Where from fuzzed bytes, from the vocabulary of
// WhereNetwork (its kinds, keys, names, types, regions, days, roles and
// amounts) and some values that hold nowhere, so that most conditions
// select some nodes but not all.
type whereGen struct {
	data []byte
}

func (g *whereGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func pick[T any](g *whereGen, from []T) T { return from[int(g.byte())%len(from)] }

func some[T any](g *whereGen, from []T) []T {
	var out []T
	for range 1 + int(g.byte())%3 {
		out = append(out, pick(g, from))
	}
	return out
}

var (
	fuzzKinds   = []hub.Kind{hub.KindOrganisation, hub.KindPilot, hub.KindRegion, hub.KindTheme, hub.KindEmployer}
	fuzzKeys    = []string{"a", "b", "c", "d", "e", "p1", "p2", "p3", "p4", "r1", "r2", "t", "zz"}
	fuzzTexts   = []string{"Alfa ry", "alfa", "ALPHA", "Beta", "pilotti", "Pilotti neljä", "nelja", "säätiö", "$key", "$key Oy", "p", "", "Hallinnoija", "hallinnoija", "päärahoittaja", "ASSOCIATION", "COMPANY", "OTHER", "x"}
	fuzzTypes   = []string{"ASSOCIATION", "COMPANY", "FOUNDATION", "OTHER", "REGION", "nope"}
	fuzzDays    = []string{"2010-01-01", "2015-06-01", "2016-12-31", "2017-01-01", "2017-06-01", "2018-01-01", "2018-06-30", "2019-12-31", "2030-01-01"}
	fuzzRelType = []hub.RelationshipType{hub.PartnerIn, hub.Administers, hub.Funds, hub.RefersTo, hub.ExpertFor, hub.HasTheme, hub.PartOf}
	fuzzDirs    = []hub.Direction{"", hub.Out, hub.In, hub.Both}
	fuzzQuants  = []hub.Quantifier{"", hub.Some, hub.All, hub.None}
	fuzzNumbers = []int{0, 1, 2, 3}
	fuzzAmounts = []float64{0, 1, 5000, 100000, 100000.5, 1e6}
)

func (g *whereGen) day() *time.Time {
	d, _ := time.Parse(time.DateOnly, pick(g, fuzzDays))
	return &d
}

func (g *whereGen) flag() *bool { b := g.byte()%2 == 0; return &b }

func (g *whereGen) text() *string { s := pick(g, fuzzTexts); return &s }

func (g *whereGen) stringMatch(values []string) *hub.StringMatch {
	m := &hub.StringMatch{Fold: g.byte()%2 == 0}
	switch g.byte() % 7 {
	case 0:
		m.Eq = g.text()
	case 1:
		m.Neq = g.text()
	case 2:
		m.In = some(g, values)
	case 3:
		m.NotIn = some(g, values)
	case 4:
		m.Contains = g.text()
	case 5:
		m.Prefix = g.text()
	default:
		m.IsNull = g.flag()
	}
	return m
}

func (g *whereGen) periodMatch() *hub.PeriodMatch {
	switch g.byte() % 5 {
	case 0:
		return &hub.PeriodMatch{Overlaps: &hub.Period{Start: g.day(), End: g.day()}}
	case 1:
		return &hub.PeriodMatch{Contains: g.day()}
	case 2:
		return &hub.PeriodMatch{StartsFrom: g.day()}
	case 3:
		return &hub.PeriodMatch{StartsBefore: g.day()}
	}
	return &hub.PeriodMatch{IsNull: g.flag()}
}

func (g *whereGen) count() *hub.IntRange {
	n := func() *int { v := pick(g, fuzzNumbers); return &v }
	switch g.byte() % 5 {
	case 0:
		return &hub.IntRange{Eq: n()}
	case 1:
		return &hub.IntRange{Gt: n()}
	case 2:
		return &hub.IntRange{Gte: n(), Lte: n()}
	case 3:
		return &hub.IntRange{Lt: n()}
	}
	return nil
}

func (g *whereGen) relationshipWhere() *hub.RelationshipWhere {
	amount := func() *float64 { v := pick(g, fuzzAmounts); return &v }
	switch g.byte() % 5 {
	case 0:
		return &hub.RelationshipWhere{Amount: &hub.FloatRange{Gte: amount()}}
	case 1:
		return &hub.RelationshipWhere{Amount: &hub.FloatRange{Lt: amount(), Gt: amount()}}
	case 2:
		return &hub.RelationshipWhere{Period: g.periodMatch()}
	case 3:
		return &hub.RelationshipWhere{Role: g.stringMatch(fuzzTexts)}
	}
	return nil
}

// where builds one condition; conditions nest up to depth 10, past
// Where.Check's limit, so that refusals are fuzzed too.
func (g *whereGen) where(depth int) *hub.Where {
	w := &hub.Where{}
	parts := 1 + int(g.byte())%2
	for range parts {
		op := g.byte() % 12
		if depth >= 10 && op >= 6 {
			op %= 6
		}
		switch op {
		case 0:
			w.Filter.Kinds = some(g, fuzzKinds)
		case 1:
			w.Filter.Keys = some(g, fuzzKeys)
		case 2:
			w.Name = g.stringMatch(fuzzTexts)
		case 3:
			w.Key = g.stringMatch(fuzzKeys)
		case 4:
			w.Type = g.stringMatch(fuzzTypes)
		case 5:
			w.Period = g.periodMatch()
		case 6, 7:
			rm := &hub.RelationshipMatch{Dir: pick(g, fuzzDirs), Quantifier: pick(g, fuzzQuants), Count: g.count(), Relationship: g.relationshipWhere()}
			if g.byte()%2 == 0 {
				rm.Types = some(g, fuzzRelType)
			}
			if g.byte()%3 != 0 {
				rm.Where = g.where(depth + 1)
			}
			w.Relationships = append(w.Relationships, rm)
		case 8:
			w.And = []*hub.Where{g.where(depth + 1), g.where(depth + 1)}
		case 9:
			w.Or = []*hub.Where{g.where(depth + 1), g.where(depth + 1)}
		case 10:
			w.Not = g.where(depth + 1)
		default:
			w.Filter.RegionIDs = []string{hub.NodeID(hub.KindRegion, pick(g, []string{"r1", "r2"}))}
		}
	}
	return w
}

// FuzzSelectLikeOracle: hub.Select over a live index picks the nodes
// the brute-force oracle picks, for any condition built from fuzzed
// bytes; a condition over Where.Check's limits is an ETOOLARGE error,
// one that breaks its rules (a quantifier and a count) EINVALID.
func FuzzSelectLikeOracle(f *testing.F) {
	for _, seed := range []string{"", "\x00", "\x01\x06\x00\x01\x02\x03", "\x02\x08\x00\x02\x01\x09\x00\x03", "\x00\x0a\x00\x06\x01\x02\x00\x01\x01",
		"\x01\x07\x02\x02\x01\x04\x01\x01\x00\x00\x00\x00\x03", "\x01\x08" + string(make([]byte, 40)), "\x0b\x0b\x0b\x0b\x0b\x0b\x0b"} {
		f.Add([]byte(seed))
	}
	s := Embedded(f)
	b := WhereNetwork()
	if err := hub.Prepare(f.Context(), s, b, t0); err != nil {
		f.Fatal(err)
	}
	if err := s.Apply(f.Context(), b); err != nil {
		f.Fatal(err)
	}
	var net *plainNetwork
	f.Fuzz(func(t *testing.T, data []byte) {
		if net == nil {
			net = mustLoadPlain(t, s)
		}
		g := &whereGen{data: data}
		var asOf *time.Time
		if g.byte()%3 == 0 {
			asOf = g.day()
		}
		var base hub.NodeFilter
		if g.byte()%3 == 0 {
			base.Kinds = []hub.Kind{pick(g, fuzzKinds)}
		}
		w := g.where(0)
		got, err := hub.Select(t.Context(), s, base, w, asOf)
		if err != nil {
			var he *hub.Error
			if !errors.As(err, &he) || (he.Code != hub.ETOOLARGE && he.Code != hub.EINVALID) {
				t.Fatalf("Select: %v", err)
			}
			return
		}
		want := oracleSelect(net, base, w, asOf)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", names(t, s, got), names(t, s, want))
		}
	})
}
