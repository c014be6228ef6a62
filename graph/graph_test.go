package graph_test

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

// str reads an optional string of a response.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// ref is an entity as a response shows it, written as the dataset's
// "kind/key" reference.
type ref struct {
	Typename string `json:"__typename"`
	Key      string
}

func (r ref) String() string { return refOf(r.Typename, r.Key) }

func refs(rs []ref) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// pilotPage is the answer of pilotPageQuery.
type pilotPage struct {
	Pilots struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct{ Key string }
		}
		Nodes    []struct{ Key string }
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
}

const pilotPageQuery = `query($first: Int, $after: String, $orderBy: [NodeOrder!]) {
	pilots(first: $first, after: $after, orderBy: $orderBy) {
		totalCount
		edges { cursor node { key } }
		nodes { key }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	}
}`

func order(field, direction string) []map[string]any {
	return []map[string]any{{"field": field, "direction": direction}}
}

func (p pilotPage) edgeKeys() []string {
	out := make([]string, len(p.Pilots.Edges))
	for i, e := range p.Pilots.Edges {
		out[i] = e.Node.Key
	}
	return out
}

func TestConnections(t *testing.T) {
	ote := MustReadDataset(t)
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	pilots := ote.keys("pilot", nil)
	if len(pilots) != 7 {
		t.Fatalf("the dataset has %d pilots, the tests expect 7", len(pilots))
	}

	// expected orders the pilots by one key with ties broken by ascending
	// id, the documented order of every connection.
	expected := func(value func(oteNode) string, desc bool) []string {
		var ns []oteNode
		for _, k := range pilots {
			ns = append(ns, ote.node("pilot/"+k))
		}
		slices.SortFunc(ns, func(a, b oteNode) int {
			c := strings.Compare(value(a), value(b))
			if desc {
				c = -c
			}
			return cmp.Or(c, strings.Compare(ote.id(a.ref()), ote.id(b.ref())))
		})
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = n.Key
		}
		return out
	}
	sortName := func(n oteNode) string { return hub.Normalize(n.Name.In(hub.Finnish)) }
	start := func(n oteNode) string {
		if n.Period == nil {
			return ""
		}
		return n.Period.Start
	}
	fetch := func(t *testing.T, first int, after *string, orderBy any) pilotPage {
		t.Helper()
		var p pilotPage
		MustQuery(t, c, pilotPageQuery, &p, client.Var("first", first), client.Var("after", after), client.Var("orderBy", orderBy))
		return p
	}

	t.Run("paging two at a time visits every pilot exactly once in name order", func(t *testing.T) {
		var seen []string
		var after *string
		for page := 1; ; page++ {
			if page > len(pilots) {
				t.Fatalf("still paging after %d pages", page)
			}
			p := fetch(t, 2, after, nil)
			if p.Pilots.TotalCount != 7 {
				t.Errorf("page %d: totalCount = %d, want 7", page, p.Pilots.TotalCount)
			}
			if p.Pilots.PageInfo.HasPreviousPage != (after != nil) {
				t.Errorf("page %d: hasPreviousPage = %v, want whether after was given", page, p.Pilots.PageInfo.HasPreviousPage)
			}
			keys := p.edgeKeys()
			if len(keys) == 0 || len(keys) > 2 {
				t.Fatalf("page %d has %d rows", page, len(keys))
			}
			if pi := p.Pilots.PageInfo; str(pi.StartCursor) != p.Pilots.Edges[0].Cursor || str(pi.EndCursor) != p.Pilots.Edges[len(keys)-1].Cursor {
				t.Errorf("page %d: start/end cursors do not match the edges", page)
			}
			seen = append(seen, keys...)
			last := len(seen) >= len(pilots)
			if p.Pilots.PageInfo.HasNextPage == last {
				t.Errorf("page %d: hasNextPage = %v after %d of %d pilots", page, p.Pilots.PageInfo.HasNextPage, len(seen), len(pilots))
			}
			if !p.Pilots.PageInfo.HasNextPage {
				if page != 4 {
					t.Errorf("%d pages, want 4", page)
				}
				break
			}
			after = p.Pilots.PageInfo.EndCursor
		}
		if want := expected(sortName, false); !slices.Equal(seen, want) {
			t.Errorf("visited %v\nwant    %v", seen, want)
		}
	})

	t.Run("paging backwards two at a time visits every pilot exactly once, pages in order", func(t *testing.T) {
		const backQuery = `query($last: Int, $before: String) {
			pilots(last: $last, before: $before) {
				totalCount
				edges { cursor node { key } }
				nodes { key }
				pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			}
		}`
		var pages [][]string
		var before *string
		for page := 1; ; page++ {
			if page > len(pilots) {
				t.Fatalf("still paging after %d pages", page)
			}
			var p pilotPage
			MustQuery(t, c, backQuery, &p, client.Var("last", 2), client.Var("before", before))
			keys := p.edgeKeys()
			if len(keys) == 0 || len(keys) > 2 || p.Pilots.TotalCount != 7 {
				t.Fatalf("page %d: %v of %d", page, keys, p.Pilots.TotalCount)
			}
			if p.Pilots.PageInfo.HasNextPage != (before != nil) {
				t.Errorf("page %d: hasNextPage = %v, want whether before was given", page, p.Pilots.PageInfo.HasNextPage)
			}
			pages = append([][]string{keys}, pages...)
			if !p.Pilots.PageInfo.HasPreviousPage {
				break
			}
			before = p.Pilots.PageInfo.StartCursor
		}
		if got, want := slices.Concat(pages...), expected(sortName, false); !slices.Equal(got, want) {
			t.Errorf("visited %v\nwant    %v", got, want)
		}
	})

	t.Run("a cursor from a forward page pages backwards from there", func(t *testing.T) {
		first := fetch(t, 4, nil, nil)
		var back pilotPage
		MustQuery(t, c, `query($before: String) { pilots(last: 3, before: $before) { totalCount edges { cursor node { key } } nodes { key } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
			&back, client.Var("before", first.Pilots.PageInfo.EndCursor))
		if got, want := back.edgeKeys(), first.edgeKeys()[:3]; !slices.Equal(got, want) {
			t.Errorf("last 3 before the 4th: %v, want %v", got, want)
		}
	})

	t.Run("first with last, or after with before, is refused", func(t *testing.T) {
		for _, q := range []string{`{ pilots(first: 2, last: 2) { totalCount } }`, `{ pilots(after: "x", before: "y") { totalCount } }`, `{ pilots(first: 2, before: "y") { totalCount } }`} {
			MustFailWith(t, c, "BAD_USER_INPUT", q)
		}
	})

	t.Run("nodes are the edges' nodes", func(t *testing.T) {
		for _, first := range []int{0, 1, 3, 100} {
			p := fetch(t, first, nil, nil)
			nodes := make([]string, len(p.Pilots.Nodes))
			for i, n := range p.Pilots.Nodes {
				nodes[i] = n.Key
			}
			if !slices.Equal(nodes, p.edgeKeys()) {
				t.Errorf("first %d: nodes %v, edges %v", first, nodes, p.edgeKeys())
			}
		}
	})

	t.Run("first 0 gives an empty page that still counts and says more follow", func(t *testing.T) {
		p := fetch(t, 0, nil, nil)
		if len(p.Pilots.Edges) != 0 || len(p.Pilots.Nodes) != 0 {
			t.Errorf("edges %v", p.edgeKeys())
		}
		if pi := p.Pilots.PageInfo; pi.StartCursor != nil || pi.EndCursor != nil || !pi.HasNextPage {
			t.Errorf("pageInfo = %+v, want null cursors and hasNextPage", pi)
		}
		if p.Pilots.TotalCount != 7 {
			t.Errorf("totalCount = %d", p.Pilots.TotalCount)
		}
	})

	t.Run("orderBy NAME DESC is the reverse of ASC", func(t *testing.T) {
		asc := fetch(t, 100, nil, order("NAME", "ASC")).edgeKeys()
		desc := fetch(t, 100, nil, order("NAME", "DESC")).edgeKeys()
		if len(asc) != 7 || !slices.Equal(desc, reversed(asc)) {
			t.Errorf("ASC %v\nDESC %v", asc, desc)
		}
	})

	t.Run("orders follow the sort key with ties broken by ascending id", func(t *testing.T) {
		byID := slices.Clone(pilots)
		slices.SortFunc(byID, func(a, b string) int { return strings.Compare(ote.id("pilot/"+a), ote.id("pilot/"+b)) })
		for _, tc := range []struct {
			field, direction string
			want             []string
		}{
			{"NAME", "ASC", expected(sortName, false)},
			{"NAME", "DESC", expected(sortName, true)},
			// Only the Kainuu pilot has a known start: it comes last
			// ascending (unknown starts first) and first descending.
			{"START_DATE", "ASC", expected(start, false)},
			{"START_DATE", "DESC", expected(start, true)},
			{"ID", "ASC", byID},
			{"ID", "DESC", reversed(byID)},
		} {
			if got := fetch(t, 100, nil, order(tc.field, tc.direction)).edgeKeys(); !slices.Equal(got, tc.want) {
				t.Errorf("%s %s: %v\nwant %v", tc.field, tc.direction, got, tc.want)
			}
		}
		if got := fetch(t, 100, nil, order("START_DATE", "DESC")).edgeKeys(); got[0] != "kainuu-polut-kuntoon" {
			t.Errorf("START_DATE DESC starts with %s, want the only dated pilot", got[0])
		}
	})

	t.Run("paging by START_DATE visits every pilot exactly once", func(t *testing.T) {
		var seen []string
		var after *string
		for range pilots {
			p := fetch(t, 3, after, order("START_DATE", "DESC"))
			seen = append(seen, p.edgeKeys()...)
			if !p.Pilots.PageInfo.HasNextPage {
				break
			}
			after = p.Pilots.PageInfo.EndCursor
		}
		if want := expected(start, true); !slices.Equal(seen, want) {
			t.Errorf("visited %v\nwant    %v", seen, want)
		}
	})

	nameCursor := str(fetch(t, 2, nil, order("NAME", "ASC")).Pilots.PageInfo.EndCursor)

	t.Run("a cursor is refused under another orderBy", func(t *testing.T) {
		for _, orderBy := range [][]map[string]any{order("NAME", "DESC"), order("START_DATE", "ASC"), order("ID", "ASC"), order("KIND", "ASC")} {
			errs := MustFailWith(t, c, "BAD_USER_INPUT", pilotPageQuery, client.Var("first", 2), client.Var("after", nameCursor), client.Var("orderBy", orderBy))
			if !strings.Contains(errs[0].Message, "orderBy") {
				t.Errorf("%v: message %q does not say the orderBy changed", orderBy, errs[0].Message)
			}
		}
	})

	t.Run("a cursor made under the default order works when orderBy is omitted", func(t *testing.T) {
		p := fetch(t, 2, &nameCursor, nil)
		if want := expected(sortName, false)[2:4]; !slices.Equal(p.edgeKeys(), want) {
			t.Errorf("second page %v, want %v", p.edgeKeys(), want)
		}
	})

	t.Run("a tampered cursor is refused", func(t *testing.T) {
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for name, cursor := range map[string]string{
			"truncated":                nameCursor[:len(nameCursor)/2],
			"not base64":               nameCursor + "!",
			"not json":                 b64("hello"),
			"without an id":            b64(`{"o":"NAME,","v":["x"]}`),
			"with too few values":      b64(`{"o":"NAME,","v":[],"i":"x"}`),
			"of another order":         b64(`{"o":"START_DATE,","v":[""],"i":"x"}`),
			"longer than any real one": strings.Repeat("A", 3000),
		} {
			t.Run(name, func(t *testing.T) {
				MustFailWith(t, c, "BAD_USER_INPUT", pilotPageQuery, client.Var("first", 2), client.Var("after", cursor), client.Var("orderBy", nil))
			})
		}
	})

	t.Run("first outside 0 to 100 is refused on every connection", func(t *testing.T) {
		for _, first := range []int{101, -1} {
			for _, query := range []string{
				`query($first: Int) { pilots(first: $first) { totalCount } }`,
				`query($first: Int) { organisations(first: $first) { totalCount } }`,
				`query($first: Int) { relationships(first: $first) { totalCount } }`,
				`query($first: Int) { entityByKey(kind: Organisation, key: "kela") { relationships(first: $first) { totalCount } } }`,
			} {
				MustFailWith(t, c, "BAD_USER_INPUT", query, client.Var("first", first))
			}
		}
	})

	t.Run("an entity's relationships page by cursor like a collection", func(t *testing.T) {
		const q = `query($after: String) { entityByKey(kind: Programme, key: "ote") {
			relationships(first: 3, after: $after) { totalCount edges { cursor node { id type } } pageInfo { hasNextPage endCursor } } } }`
		var resp struct {
			EntityByKey struct {
				Relationships struct {
					TotalCount int
					Edges      []struct {
						Cursor string
						Node   struct{ ID, Type string }
					}
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
		}
		want := len(ote.rels(func(r oteRel) bool { return r.From == "programme/ote" || r.To == "programme/ote" }))
		var ids, types []string
		var after *string
		for range want + 1 {
			MustQuery(t, c, q, &resp, client.Var("after", after))
			if got := resp.EntityByKey.Relationships.TotalCount; got != want {
				t.Fatalf("totalCount = %d, want %d", got, want)
			}
			for _, e := range resp.EntityByKey.Relationships.Edges {
				ids = append(ids, e.Node.ID)
				types = append(types, e.Node.Type)
			}
			if !resp.EntityByKey.Relationships.PageInfo.HasNextPage {
				break
			}
			after = resp.EntityByKey.Relationships.PageInfo.EndCursor
		}
		if len(ids) != want || len(slices.Compact(sorted(ids))) != want {
			t.Errorf("visited %d relationships (%d distinct), want %d", len(ids), len(slices.Compact(sorted(ids))), want)
		}
		if !slices.IsSorted(types) {
			t.Errorf("default order is by type, got %v", types)
		}
	})
}

// keyPage is the answer of a collection query aliased as c.
type keyPage struct {
	C struct {
		TotalCount int
		Nodes      []struct{ Key string }
	}
}

func (p keyPage) keys() []string {
	out := make([]string, len(p.C.Nodes))
	for i, n := range p.C.Nodes {
		out[i] = n.Key
	}
	return sorted(out)
}

func TestFilters(t *testing.T) {
	ote := MustReadDataset(t)
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})

	regionID := func(t *testing.T, key string) string {
		t.Helper()
		var resp struct {
			Regions struct{ Nodes []struct{ ID string } }
		}
		MustQuery(t, c, `query($k: String!) { regions(where: {keyIn: [$k]}) { nodes { id } } }`, &resp, client.Var("k", key))
		if len(resp.Regions.Nodes) != 1 {
			t.Fatalf("region %s: %d matches", key, len(resp.Regions.Nodes))
		}
		return resp.Regions.Nodes[0].ID
	}
	etelaKarjala, kainuu := regionID(t, "09"), regionID(t, "18")
	inRegion := func(refs ...string) func(oteNode) bool {
		return func(n oteNode) bool {
			return slices.ContainsFunc(n.Regions, func(r string) bool { return slices.Contains(refs, r) })
		}
	}
	ofType := func(types ...string) func(oteNode) bool {
		return func(n oteNode) bool { return slices.Contains(types, n.Type) }
	}
	nameContains := func(text string) func(oteNode) bool {
		needle := hub.Normalize(text)
		return func(n oteNode) bool {
			return slices.ContainsFunc(n.terms(), func(s string) bool { return strings.Contains(hub.Normalize(s), needle) })
		}
	}
	both := func(a, b func(oteNode) bool) func(oteNode) bool {
		return func(n oteNode) bool { return a(n) && b(n) }
	}

	for _, tc := range []struct {
		name, collection, where string
		vars                    map[string]any
		want                    []string
		mustHave                []string
	}{
		{"organisations by one type", "organisations", `{typeIn: [WELLBEING_DISTRICT]}`, nil,
			ote.keys("organisation", ofType("WELLBEING_DISTRICT")), []string{"eksote", "soite", "kainuun-sote"}},
		{"organisations by several types", "organisations", `{typeIn: [MINISTRY, GOVERNMENT_AGENCY, RESEARCH_INSTITUTE]}`, nil,
			ote.keys("organisation", ofType("MINISTRY", "GOVERNMENT_AGENCY", "RESEARCH_INSTITUTE")), []string{"stm", "kela", "thl", "ttl", "avi"}},
		{"organisations in a region given by its API id", "organisations", `{regionIn: [$r1]}`, map[string]any{"r1": etelaKarjala},
			ote.keys("organisation", inRegion("region/09")), []string{"eksote"}},
		{"organisations in any of two regions", "organisations", `{regionIn: [$r1, $r2]}`, map[string]any{"r1": etelaKarjala, "r2": kainuu},
			ote.keys("organisation", inRegion("region/09", "region/18")), []string{"eksote", "kainuun-sote"}},
		{"organisations by type and region together", "organisations", `{typeIn: [WELLBEING_DISTRICT], regionIn: [$r1]}`, map[string]any{"r1": etelaKarjala},
			[]string{"eksote"}, nil},
		{"organisations whose name contains kela", "organisations", `{nameContains: "kela"}`, nil,
			ote.keys("organisation", nameContains("kela")), []string{"kela"}},
		{"organisations whose name contains paijat, without diacritics", "organisations", `{nameContains: "paijat"}`, nil,
			ote.keys("organisation", nameContains("paijat")), []string{"paijat-hameen-hyvinvointikuntayhtyma"}},
		{"organisations whose name contains PÄIJÄT, in capitals with diacritics", "organisations", `{nameContains: "PÄIJÄT"}`, nil,
			ote.keys("organisation", nameContains("paijat")), []string{"paijat-hameen-hyvinvointikuntayhtyma"}},
		{"regions whose name contains paijat", "regions", `{nameContains: "paijat"}`, nil,
			[]string{"07", "hyvinvointialue-09"}, nil},
		{"organisations by keys, unknown keys ignored", "organisations", `{keyIn: ["stm", "kela", "no-such-key"]}`, nil,
			[]string{"kela", "stm"}, nil},
		{"organisations by ids, ids of other kinds ignored", "organisations", `{idIn: [$o, $p]}`,
			map[string]any{"o": ote.id("organisation/thl"), "p": ote.id("pilot/fokus")},
			[]string{"thl"}, nil},
		{"regions at municipality level", "regions", `{levelIn: [MUNICIPALITY]}`, nil,
			ote.keys("region", ofType("MUNICIPALITY")), []string{"405", "609"}},
		{"regions at region level", "regions", `{levelIn: [REGION]}`, nil,
			ote.keys("region", ofType("REGION")), []string{"01", "21"}},
		{"services by one type", "services", `{typeIn: [METHOD]}`, nil,
			ote.keys("service", ofType("METHOD")), []string{"ratko"}},
		{"services by two types", "services", `{typeIn: [SERVICE, OPERATING_MODEL]}`, nil,
			ote.keys("service", ofType("SERVICE", "OPERATING_MODEL")), []string{"tyohonvalmennus", "palveluohjausmalli"}},
		{"services by name and type", "services", `{typeIn: [SERVICE], nameContains: "tyohon"}`, nil,
			ote.keys("service", both(ofType("SERVICE"), nameContains("tyohon"))), []string{"tyohonvalmennus"}},
		{"pilots in a region", "pilots", `{regionIn: [$r1]}`, map[string]any{"r1": kainuu},
			ote.keys("pilot", inRegion("region/18")), []string{"kainuu-polut-kuntoon"}},
		{"events by type", "events", `{typeIn: [TOUR]}`, nil,
			ote.keys("event", ofType("TOUR")), []string{"ote-kokeilukiertue"}},
		{"employers without a filter", "employers", `{}`, nil,
			ote.keys("employer", nil), nil},
		{"contacts by name", "contacts", `{nameContains: "heinisto"}`, nil,
			[]string{"anna-kaisa-heinisto"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var decl []string
			var vars []client.Option
			for k, v := range tc.vars {
				decl = append(decl, "$"+k+": ID!")
				vars = append(vars, client.Var(k, v))
			}
			q := fmt.Sprintf("query%s { c: %s(first: 100, where: %s) { totalCount nodes { key } } }", params(decl), tc.collection, tc.where)
			var resp keyPage
			MustQuery(t, c, q, &resp, vars...)
			if !slices.Equal(resp.keys(), tc.want) {
				t.Errorf("keys %v\nwant %v", resp.keys(), tc.want)
			}
			if resp.C.TotalCount != len(tc.want) {
				t.Errorf("totalCount = %d, want %d", resp.C.TotalCount, len(tc.want))
			}
			for _, k := range tc.mustHave {
				if !slices.Contains(resp.keys(), k) {
					t.Errorf("%s is missing", k)
				}
			}
			if len(tc.want) == 0 {
				t.Error("the case matches nothing; it tests nothing")
			}
		})
	}

	t.Run("a blank nameContains is refused", func(t *testing.T) {
		MustFailWith(t, c, "BAD_USER_INPUT", `{ organisations(where: {nameContains: " - "}) { totalCount } }`)
	})

	const relQuery = `query($where: RelationshipWhere) { relationships(first: 100, where: $where) {
		totalCount nodes { type from { __typename key } to { __typename key } } } }`
	type relPage struct {
		Relationships struct {
			TotalCount int
			Nodes      []struct {
				Type     string
				From, To ref
			}
		}
	}
	touches := func(r oteRel, refs ...string) bool {
		return slices.Contains(refs, r.From) || slices.Contains(refs, r.To)
	}
	for _, tc := range []struct {
		name  string
		where map[string]any
		keep  func(oteRel) bool
	}{
		{"relationships of one type", map[string]any{"typeIn": []string{"FUNDS"}},
			func(r oteRel) bool { return r.Type == "FUNDS" }},
		{"relationships of two types", map[string]any{"typeIn": []string{"PART_OF", "HAS_THEME"}},
			func(r oteRel) bool { return r.Type == "PART_OF" || r.Type == "HAS_THEME" }},
		{"relationships from a node", map[string]any{"fromIn": []string{ote.id("programme/ote")}},
			func(r oteRel) bool { return r.From == "programme/ote" }},
		{"relationships to a node", map[string]any{"toIn": []string{ote.id("pilot/yhdessa-hyva-ote")}},
			func(r oteRel) bool { return r.To == "pilot/yhdessa-hyva-ote" }},
		{"relationships touching a node", map[string]any{"nodeIn": []string{ote.id("organisation/kela")}},
			func(r oteRel) bool { return touches(r, "organisation/kela") }},
		{"relationships touching any of two nodes", map[string]any{"nodeIn": []string{ote.id("organisation/kela"), ote.id("pilot/fokus")}},
			func(r oteRel) bool { return touches(r, "organisation/kela", "pilot/fokus") }},
		{"relationships of a type to a node", map[string]any{"typeIn": []string{"PARTNER_IN"}, "toIn": []string{ote.id("pilot/yhdessa-hyva-ote")}},
			func(r oteRel) bool { return r.Type == "PARTNER_IN" && r.To == "pilot/yhdessa-hyva-ote" }},
		{"relationships between two nodes", map[string]any{"fromIn": []string{ote.id("organisation/validia-ammattiopisto")}, "toIn": []string{ote.id("pilot/fokus")}},
			func(r oteRel) bool { return r.From == "organisation/validia-ammattiopisto" && r.To == "pilot/fokus" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, r := range ote.rels(tc.keep) {
				want = append(want, relLine(r.Type, r.From, r.To))
			}
			if len(want) == 0 || len(want) > 100 {
				t.Fatalf("the case matches %d relationships; pick one that fits a page", len(want))
			}
			var resp relPage
			MustQuery(t, c, relQuery, &resp, client.Var("where", tc.where))
			var got []string
			for _, r := range resp.Relationships.Nodes {
				got = append(got, relLine(r.Type, r.From.String(), r.To.String()))
			}
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Errorf("got  %v\nwant %v", sorted(got), sorted(want))
			}
			if resp.Relationships.TotalCount != len(want) {
				t.Errorf("totalCount = %d, want %d", resp.Relationships.TotalCount, len(want))
			}
		})
	}

	t.Run("all relationships are counted without a filter", func(t *testing.T) {
		var resp struct{ Relationships struct{ TotalCount int } }
		MustQuery(t, c, `{ relationships { totalCount } }`, &resp)
		if resp.Relationships.TotalCount != len(ote.Relationships) {
			t.Errorf("totalCount = %d, want %d", resp.Relationships.TotalCount, len(ote.Relationships))
		}
	})

	t.Run("a malformed id in a relationship filter is refused", func(t *testing.T) {
		for _, field := range []string{"fromIn", "toIn", "nodeIn"} {
			MustFailWith(t, c, "BAD_USER_INPUT", relQuery, client.Var("where", map[string]any{field: []string{"not an id"}}))
		}
	})
}

// params writes GraphQL variable declarations, or nothing.
func params(decl []string) string {
	if len(decl) == 0 {
		return ""
	}
	slices.Sort(decl)
	return "(" + strings.Join(decl, ", ") + ")"
}

func TestNodeInterface(t *testing.T) {
	ote := MustReadDataset(t)
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	administers := hub.RelationshipID(hub.RelationshipKey(hub.Administers, "organisation/eksote", "pilot/yhdessa-hyva-ote", ""))
	seed002 := hub.NodeID(hub.KindSourceDocument, "seed-002")
	unknown := hub.NodeID(hub.KindOrganisation, "no-such-key")

	type node struct {
		Typename string `json:"__typename"`
		ID, Key  string
		Type     string
		Name     string
		Title    string
	}
	const nodeFields = `__typename id
		... on Entity { key name }
		... on Relationship { key type }
		... on SourceDocument { key title }`

	t.Run("node returns each kind with its own type", func(t *testing.T) {
		for _, tc := range []struct {
			id, typename, key, detail string
		}{
			{ote.id("organisation/eksote"), "Organisation", "eksote", "Etelä-Karjalan sosiaali- ja terveystoimi"},
			{ote.id("pilot/fokus"), "Pilot", "fokus", "Fokus – opinnoista tuetusti työelämään"},
			{ote.id("region/405"), "Region", "405", "Lappeenranta"},
			{ote.id("contact/timo-pesu"), "Contact", "timo-pesu", "Timo Pesu"},
			{administers, "Relationship", "ADMINISTERS:organisation/eksote:pilot/yhdessa-hyva-ote", "ADMINISTERS"},
			{seed002, "SourceDocument", "seed-002", "YHDESSÄ HYVÄ OTE"},
		} {
			t.Run(tc.typename, func(t *testing.T) {
				var resp struct{ Node *node }
				MustQuery(t, c, `query($id: ID!) { node(id: $id) { `+nodeFields+` } }`, &resp, client.Var("id", tc.id))
				n := resp.Node
				if n == nil {
					t.Fatal("node is null")
				}
				if n.Typename != tc.typename || n.ID != tc.id || n.Key != tc.key {
					t.Errorf("got %+v, want %s %s", *n, tc.typename, tc.key)
				}
				if detail := n.Name + n.Type + n.Title; detail != tc.detail {
					t.Errorf("name/type/title %q, want %q", detail, tc.detail)
				}
			})
		}
	})

	t.Run("node of an unknown but well-formed id is null", func(t *testing.T) {
		var resp struct{ Node *node }
		MustQuery(t, c, `query($id: ID!) { node(id: $id) { `+nodeFields+` } }`, &resp, client.Var("id", unknown))
		if resp.Node != nil {
			t.Errorf("got %+v", *resp.Node)
		}
	})

	t.Run("nodes keep the order of the ids with null for unknown ones", func(t *testing.T) {
		ids := []string{ote.id("pilot/fokus"), unknown, administers, ote.id("organisation/kela"), seed002, ote.id("pilot/fokus")}
		want := []string{"Pilot/fokus", "", "Relationship/ADMINISTERS:organisation/eksote:pilot/yhdessa-hyva-ote", "Organisation/kela", "SourceDocument/seed-002", "Pilot/fokus"}
		var resp struct{ Nodes []*node }
		MustQuery(t, c, `query($ids: [ID!]!) { nodes(ids: $ids) { `+nodeFields+` } }`, &resp, client.Var("ids", ids))
		var got []string
		for _, n := range resp.Nodes {
			if n == nil {
				got = append(got, "")
			} else {
				got = append(got, n.Typename+"/"+n.Key)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})

	t.Run("a malformed id is refused", func(t *testing.T) {
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for name, id := range map[string]string{
			"not base64":         "garbage!",
			"empty":              "",
			"unknown kind":       b64("Nope:x"),
			"kind without a key": b64("Organisation:"),
			"no separator":       b64("Organisation"),
			"too long":           b64("Organisation:" + strings.Repeat("k", 600)),
		} {
			t.Run(name, func(t *testing.T) {
				MustFailWith(t, c, "BAD_USER_INPUT", `query($id: ID!) { node(id: $id) { id } }`, client.Var("id", id))
				MustFailWith(t, c, "BAD_USER_INPUT", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, client.Var("ids", []string{seed002, id}))
			})
		}
	})

	t.Run("more than 100 ids at once are refused", func(t *testing.T) {
		ids := make([]string, 101)
		for i := range ids {
			ids[i] = hub.NodeID(hub.KindOrganisation, fmt.Sprintf("k%d", i))
		}
		MustFailWith(t, c, "BAD_USER_INPUT", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, client.Var("ids", ids))
	})

	t.Run("entityByKey finds a node of every kind the dataset has", func(t *testing.T) {
		seen := map[string]bool{}
		for _, n := range ote.Nodes {
			if seen[n.Kind] {
				continue
			}
			seen[n.Kind] = true
			kind := string(fileKinds[n.Kind])
			t.Run(kind, func(t *testing.T) {
				var resp struct {
					EntityByKey *struct {
						Typename      string `json:"__typename"`
						ID, Kind, Key string
						Name          string
						Abbreviations []string
						Aliases       []string
						Sources       []struct{ Locator *string }
					}
				}
				MustQuery(t, c, `query($kind: NodeKind!, $key: String!) { entityByKey(kind: $kind, key: $key) {
					__typename id kind key name abbreviations aliases sources { locator } } }`,
					&resp, client.Var("kind", kind), client.Var("key", n.Key))
				e := resp.EntityByKey
				if e == nil {
					t.Fatalf("%s not found", n.ref())
				}
				if e.Typename != kind || e.Kind != kind || e.Key != n.Key || e.ID != ote.id(n.ref()) {
					t.Errorf("got %s %s %s %s", e.Typename, e.Kind, e.Key, e.ID)
				}
				if e.Name != n.Name.In(hub.Finnish) {
					t.Errorf("name %q, want %q", e.Name, n.Name.In(hub.Finnish))
				}
				if !slices.Equal(e.Abbreviations, n.Abbreviations) || !slices.Equal(e.Aliases, n.Aliases) {
					t.Errorf("abbreviations %v aliases %v, want %v %v", e.Abbreviations, e.Aliases, n.Abbreviations, n.Aliases)
				}
				if len(e.Sources) != len(n.Sources) {
					t.Errorf("%d sources, want %d", len(e.Sources), len(n.Sources))
				}
			})
		}
		if len(seen) < 12 {
			t.Errorf("the dataset has %d entity kinds, want all 12", len(seen))
		}
	})

	t.Run("entityByKey of an unknown key is null", func(t *testing.T) {
		var resp struct{ EntityByKey *struct{ Key string } }
		MustQuery(t, c, `{ entityByKey(kind: Pilot, key: "no-such-pilot") { key } }`, &resp)
		if resp.EntityByKey != nil {
			t.Errorf("got %+v", *resp.EntityByKey)
		}
	})

	t.Run("entityByKey refuses source documents, which are not entities", func(t *testing.T) {
		MustFailWith(t, c, "BAD_USER_INPUT", `{ entityByKey(kind: SourceDocument, key: "seed-002") { key } }`)
	})
}

func TestEntityFields(t *testing.T) {
	ote := MustReadDataset(t)
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})

	t.Run("names and name fall back to Finnish, then Swedish, then English", func(t *testing.T) {
		const q = `query($kind: NodeKind!, $key: String!) { entityByKey(kind: $kind, key: $key) {
			names { fi sv en } fi: name sv: name(language: SV) en: name(language: EN) } }`
		for _, tc := range []struct {
			kind, key  string
			names      [3]string // fi, sv, en as stored ("" is null)
			fi, sv, en string    // name in each language
		}{
			{"Region", "405", [3]string{"Lappeenranta", "Villmanstrand", "Lappeenranta"}, "Lappeenranta", "Villmanstrand", "Lappeenranta"},
			{"Region", "09", [3]string{"Etelä-Karjala", "Södra Karelen", "South Karelia"}, "Etelä-Karjala", "Södra Karelen", "South Karelia"},
			{"Organisation", "eksote", [3]string{"Etelä-Karjalan sosiaali- ja terveystoimi", "", ""},
				"Etelä-Karjalan sosiaali- ja terveystoimi", "Etelä-Karjalan sosiaali- ja terveystoimi", "Etelä-Karjalan sosiaali- ja terveystoimi"},
			// No Swedish name: Swedish falls back to Finnish, not English.
			{"Organisation", "ttl", [3]string{"Työterveyslaitos", "", "Finnish Institute of Occupational Health"},
				"Työterveyslaitos", "Työterveyslaitos", "Finnish Institute of Occupational Health"},
		} {
			t.Run(tc.kind+" "+tc.key, func(t *testing.T) {
				var resp struct {
					EntityByKey struct {
						Names      struct{ Fi, Sv, En *string }
						Fi, Sv, En string
					}
				}
				MustQuery(t, c, q, &resp, client.Var("kind", tc.kind), client.Var("key", tc.key))
				e := resp.EntityByKey
				if got := [3]string{str(e.Names.Fi), str(e.Names.Sv), str(e.Names.En)}; got != tc.names {
					t.Errorf("names %q, want %q", got, tc.names)
				}
				if e.Fi != tc.fi || e.Sv != tc.sv || e.En != tc.en {
					t.Errorf("name FI %q SV %q EN %q, want %q %q %q", e.Fi, e.Sv, e.En, tc.fi, tc.sv, tc.en)
				}
			})
		}
	})

	t.Run("a language given by a variable applies to every row, per request", func(t *testing.T) {
		// The executor computes a field's arguments once per operation:
		// each request must see its own variables, every row the same.
		const q = `query($lang: Language) { regions(first: 100) { nodes { key name(language: $lang) } } }`
		want := map[string]map[string]string{"SV": {}, "EN": {}}
		for _, n := range ote.Nodes {
			if n.Kind != "region" || n.Name.SV == "" || n.Name.EN == "" {
				continue
			}
			want["SV"][n.Key], want["EN"][n.Key] = n.Name.SV, n.Name.EN
		}
		if len(want["SV"]) < 2 {
			t.Fatalf("the test needs regions named in Swedish and English; found %d", len(want["SV"]))
		}
		for _, lang := range []string{"SV", "EN", "SV"} {
			var resp struct {
				Regions struct{ Nodes []struct{ Key, Name string } }
			}
			MustQuery(t, c, q, &resp, client.Var("lang", lang))
			seen := 0
			for _, r := range resp.Regions.Nodes {
				if w, ok := want[lang][r.Key]; ok {
					seen++
					if r.Name != w {
						t.Errorf("%s: region %s named %q, want %q", lang, r.Key, r.Name, w)
					}
				}
			}
			if seen != len(want[lang]) {
				t.Errorf("%s: %d of %d regions checked", lang, seen, len(want[lang]))
			}
		}
	})

	t.Run("description falls back to the language the dataset has", func(t *testing.T) {
		want := ote.node("organisation/kela").Description
		if want.EN == "" || want.FI != "" {
			t.Fatal("the test expects Kela's description in English only")
		}
		var resp struct {
			EntityByKey struct{ Description, DescriptionSV, DescriptionEN *string }
		}
		MustQuery(t, c, `{ entityByKey(kind: Organisation, key: "kela") {
			description descriptionSV: description(language: SV) descriptionEN: description(language: EN) } }`, &resp)
		e := resp.EntityByKey
		for lang, got := range map[string]*string{"FI": e.Description, "SV": e.DescriptionSV, "EN": e.DescriptionEN} {
			if str(got) != want.EN {
				t.Errorf("description(%s) = %q, want %q", lang, str(got), want.EN)
			}
		}
	})

	t.Run("sources cite the document with locator and quote", func(t *testing.T) {
		type citation struct{ key, title, file, published, locator, quote string }
		var want []citation
		for _, s := range ote.node("programme/ote").Sources {
			title, file, published := ote.source(s.Source)
			want = append(want, citation{s.Source, title, file, published, s.Locator, s.Quote})
		}
		var resp struct {
			EntityByKey struct {
				Sources []struct {
					Document struct {
						Key, Title      string
						File, Published *string
					}
					Locator, Quote *string
				}
			}
		}
		MustQuery(t, c, `{ entityByKey(kind: Programme, key: "ote") { sources { document { key title file published } locator quote } } }`, &resp)
		var got []citation
		for _, s := range resp.EntityByKey.Sources {
			got = append(got, citation{s.Document.Key, s.Document.Title, str(s.Document.File), str(s.Document.Published), str(s.Locator), str(s.Quote)})
		}
		if !slices.Equal(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if !slices.ContainsFunc(got, func(c citation) bool { return c.published == "2017-09-07" }) {
			t.Error("no citation of the dated blog post seed-000")
		}
	})

	t.Run("a source document shows its bibliographic data", func(t *testing.T) {
		var resp struct {
			SourceDocuments struct {
				Nodes []struct {
					Key, Title, Type                                  string
					File, Publisher, Author, Published, Language, URL *string
				}
			}
		}
		MustQuery(t, c, `{ sourceDocuments(where: {keyIn: ["seed-000"]}) { nodes { key title type file publisher author published language url } } }`, &resp)
		if len(resp.SourceDocuments.Nodes) != 1 {
			t.Fatalf("%d documents", len(resp.SourceDocuments.Nodes))
		}
		d := resp.SourceDocuments.Nodes[0]
		got := []string{d.Title, d.Type, str(d.File), str(d.Author), str(d.Published), str(d.Language), str(d.URL)}
		want := []string{"OTE-kärkihanke vahvasti mukana maakunnissa", "BLOG_POST", "000_95fca4fb3c94bc0b.txt", "Päivi Mattila-Wiro", "2017-09-07", "FI", ""}
		if !slices.Equal(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})

	t.Run("relationships by direction and type agree with the dataset", func(t *testing.T) {
		const q = `query($id: ID!, $dir: Direction, $types: [RelationshipType!]) { node(id: $id) { ... on Entity {
			relationships(first: 100, direction: $dir, types: $types) { totalCount nodes { type from { __typename key } to { __typename key } } } } } }`
		for _, tc := range []struct {
			ref, direction string
			types          []string
		}{
			{"organisation/kela", "BOTH", nil},
			{"organisation/kela", "OUT", nil},
			{"organisation/kela", "IN", nil},
			{"pilot/yhdessa-hyva-ote", "IN", nil},
			{"pilot/yhdessa-hyva-ote", "OUT", nil},
			{"pilot/yhdessa-hyva-ote", "BOTH", nil},
			{"pilot/yhdessa-hyva-ote", "IN", []string{"PARTNER_IN"}},
			{"pilot/yhdessa-hyva-ote", "BOTH", []string{"FUNDS", "ADMINISTERS"}},
			{"pilot/yhdessa-hyva-ote", "OUT", []string{"FUNDS"}},
			{"programme/ote", "IN", []string{"PART_OF"}},
			{"programme/ote", "OUT", []string{"FUNDS"}},
			{"region/09", "BOTH", nil},
		} {
			t.Run(fmt.Sprintf("%s %s %v", tc.ref, tc.direction, tc.types), func(t *testing.T) {
				var want []string
				for _, r := range ote.rels(func(r oteRel) bool {
					out, in := r.From == tc.ref, r.To == tc.ref
					dirOK := map[string]bool{"OUT": out, "IN": in, "BOTH": out || in}[tc.direction]
					return dirOK && (tc.types == nil || slices.Contains(tc.types, r.Type))
				}) {
					want = append(want, relLine(r.Type, r.From, r.To))
				}
				var resp struct {
					Node struct {
						Relationships struct {
							TotalCount int
							Nodes      []struct {
								Type     string
								From, To ref
							}
						}
					}
				}
				MustQuery(t, c, q, &resp, client.Var("id", ote.id(tc.ref)), client.Var("dir", tc.direction), client.Var("types", tc.types))
				var got, types []string
				for _, r := range resp.Node.Relationships.Nodes {
					got = append(got, relLine(r.Type, r.From.String(), r.To.String()))
					types = append(types, r.Type)
				}
				if !slices.Equal(sorted(got), sorted(want)) {
					t.Errorf("got  %v\nwant %v", sorted(got), sorted(want))
				}
				if resp.Node.Relationships.TotalCount != len(want) {
					t.Errorf("totalCount = %d, want %d", resp.Node.Relationships.TotalCount, len(want))
				}
				if !slices.IsSorted(types) {
					t.Errorf("not in the default type order: %v", types)
				}
			})
		}
	})

	t.Run("organisation parent and children follow PART_OF", func(t *testing.T) {
		const q = `query($key: String!) { entityByKey(kind: Organisation, key: $key) { ... on Organisation {
			parent { __typename key name } children { __typename key name } } } }`
		type named struct {
			Typename  string `json:"__typename"`
			Key, Name string
		}
		for _, tc := range []struct {
			key, parent string
			children    []string
		}{
			{"validia-ammattiopisto", "Invalidiliitto ry", nil},
			{"invalidiliitto", "", []string{"Validia Ammattiopisto"}},
			{"verso", "Päijät-Hämeen hyvinvointikuntayhtymä", nil},
			{"paijat-hameen-hyvinvointikuntayhtyma", "", []string{"Verso-liikelaitos"}},
			{"eksote", "", nil},
		} {
			t.Run(tc.key, func(t *testing.T) {
				var resp struct {
					EntityByKey struct {
						Parent   *named
						Children []named
					}
				}
				MustQuery(t, c, q, &resp, client.Var("key", tc.key))
				e := resp.EntityByKey
				if got := ""; e.Parent != nil {
					got = e.Parent.Name
					if got != tc.parent || e.Parent.Typename != "Organisation" {
						t.Errorf("parent %s %q, want Organisation %q", e.Parent.Typename, got, tc.parent)
					}
				} else if tc.parent != "" {
					t.Errorf("no parent, want %q", tc.parent)
				}
				var children []string
				for _, ch := range e.Children {
					children = append(children, ch.Name)
				}
				if !slices.Equal(children, tc.children) {
					t.Errorf("children %q, want %q", children, tc.children)
				}
			})
		}
	})

	t.Run("region level, code, parent and children agree with the dataset", func(t *testing.T) {
		var resp struct {
			Regions struct {
				TotalCount int
				Nodes      []struct {
					Key, Level, Code string
					Parent           *struct{ Key, Name string }
					Children         []struct{ Key string }
				}
			}
		}
		MustQuery(t, c, `{ regions(first: 100) { totalCount nodes { key level code parent { key name } children { key } } } }`, &resp)
		if want := len(ote.keys("region", nil)); resp.Regions.TotalCount != want || len(resp.Regions.Nodes) != want {
			t.Fatalf("%d regions (totalCount %d), want %d", len(resp.Regions.Nodes), resp.Regions.TotalCount, want)
		}
		for _, r := range resp.Regions.Nodes {
			n := ote.node("region/" + r.Key)
			if r.Level != n.Type || r.Code != n.Code {
				t.Errorf("%s: level %s code %s, want %s %s", r.Key, r.Level, r.Code, n.Type, n.Code)
			}
			var parent string
			var children []string
			for _, rel := range ote.rels(func(x oteRel) bool { return x.Type == "PART_OF" }) {
				if rel.From == n.ref() {
					parent = strings.TrimPrefix(rel.To, "region/")
				}
				if rel.To == n.ref() {
					children = append(children, strings.TrimPrefix(rel.From, "region/"))
				}
			}
			// A wellbeing services county's municipalities lie in it.
			for _, rel := range ote.rels(func(x oteRel) bool { return x.Type == "LOCATED_IN" && x.To == n.ref() }) {
				if n.Type == "WELLBEING_SERVICES_COUNTY" {
					children = append(children, strings.TrimPrefix(rel.From, "region/"))
				}
			}
			var got []string
			for _, ch := range r.Children {
				got = append(got, ch.Key)
			}
			if r.Parent == nil && parent != "" || r.Parent != nil && r.Parent.Key != parent {
				t.Errorf("%s: parent %+v, want %q", r.Key, r.Parent, parent)
			}
			if !slices.Equal(sorted(got), sorted(children)) {
				t.Errorf("%s: children %v, want %v", r.Key, got, children)
			}
		}
		// The brief's example, spelled out: Lappeenranta is in Etelä-Karjala.
		for _, r := range resp.Regions.Nodes {
			if r.Key == "405" && (r.Parent == nil || r.Parent.Name != "Etelä-Karjala" || r.Level != "MUNICIPALITY") {
				t.Errorf("Lappeenranta: %+v", r)
			}
		}
	})

	type pilotFields struct {
		Key            string
		Programme      *ref
		Administrators []ref
		Partners       []ref
		Experts        []ref
		Services       []ref
		Themes         []ref
		Contacts       []ref
		Regions        []ref
	}
	var pilots struct {
		Pilots struct{ Nodes []pilotFields }
	}
	MustQuery(t, c, `{ pilots(first: 100) { nodes { key
		programme { __typename key } administrators { __typename key } partners { __typename key }
		experts { __typename key } services { __typename key } themes { __typename key }
		contacts { __typename key } regions { __typename key } } } }`, &pilots)
	if len(pilots.Pilots.Nodes) != 7 {
		t.Fatalf("%d pilots", len(pilots.Pilots.Nodes))
	}

	t.Run("pilot relationship fields agree with the dataset", func(t *testing.T) {
		for _, p := range pilots.Pilots.Nodes {
			me := "pilot/" + p.Key
			ends := func(typ string, in bool, kinds ...string) []string {
				var out []string
				for _, r := range ote.rels(func(r oteRel) bool { return r.Type == typ }) {
					other := ""
					if in && r.To == me {
						other = r.From
					} else if !in && r.From == me {
						other = r.To
					}
					if other != "" && (kinds == nil || slices.Contains(kinds, strings.Split(other, "/")[0])) && !slices.Contains(out, other) {
						out = append(out, other)
					}
				}
				return sorted(out)
			}
			programme := ends("PART_OF", false)
			var gotProgramme []string
			if p.Programme != nil {
				gotProgramme = []string{p.Programme.String()}
			}
			// contacts lists the persons whose role has not ended.
			var contacts []string
			for _, r := range ote.rels(func(r oteRel) bool { return r.Type == "CONTACT_FOR" || r.Type == "LEADS" }) {
				if r.To == me && (r.Period == nil || r.Period.End == "" || r.Period.End >= time.Now().UTC().Format(time.DateOnly)) {
					contacts = append(contacts, r.From)
				}
			}
			contacts = sorted(contacts)
			for _, f := range []struct {
				field     string
				got, want []string
			}{
				{"programme", gotProgramme, programme},
				{"administrators", sorted(refs(p.Administrators)), ends("ADMINISTERS", true)},
				{"partners", sorted(refs(p.Partners)), ends("PARTNER_IN", true)},
				{"experts", sorted(refs(p.Experts)), ends("EXPERT_FOR", true)},
				{"services", sorted(refs(p.Services)), ends("PROVIDES", false, "service")},
				{"themes", sorted(refs(p.Themes)), ends("HAS_THEME", false, "theme")},
				// Compared as sets here; see the next subtest for duplicates.
				{"contacts", slices.Compact(sorted(refs(p.Contacts))), slices.Compact(contacts)},
				{"regions", sorted(refs(p.Regions)), sorted(ote.node(me).Regions)},
			} {
				if !slices.Equal(f.got, f.want) {
					t.Errorf("%s %s: %v\nwant %v", p.Key, f.field, f.got, f.want)
				}
			}
		}
	})

	t.Run("pilot programme is the programme or sub-project it is part of", func(t *testing.T) {
		want := map[string]string{
			"yhdessa-hyva-ote":     "programme/ote-osaprojekti-4",
			"savon-ote":            "programme/ote-osaprojekti-4",
			"fokus":                "programme/ote-osaprojekti-4",
			"kainuu-polut-kuntoon": "programme/ote",
		}
		for _, p := range pilots.Pilots.Nodes {
			if w, ok := want[p.Key]; ok && (p.Programme == nil || p.Programme.String() != w) {
				t.Errorf("%s: programme %v, want %s", p.Key, p.Programme, w)
			}
		}
	})

	t.Run("pilot contacts list each person once", func(t *testing.T) {
		// Niina Turunen and Timo Pesu are both CONTACT_FOR and LEADS of
		// Yhdessä hyvä OTE; the contacts field lists people, not
		// relationships.
		for _, p := range pilots.Pilots.Nodes {
			got := sorted(refs(p.Contacts))
			if len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("%s: contacts %v repeat a person", p.Key, got)
			}
		}
	})

	t.Run("Yhdessä hyvä OTE has both disputed funding figures, each with its own source", func(t *testing.T) {
		want := map[float64]string{}
		for _, r := range ote.rels(func(r oteRel) bool { return r.Type == "FUNDS" && r.To == "pilot/yhdessa-hyva-ote" }) {
			want[r.Amount.Value] = r.Sources[0].Locator
		}
		if len(want) != 2 || want[1200000] == "" || want[1500000] == "" {
			t.Fatalf("the dataset's figures are %v, the test expects 1200000 and 1500000", want)
		}
		var resp struct {
			EntityByKey struct {
				Funding []struct {
					Amount       float64
					Currency     string
					Funder       struct{ Name string }
					Recipient    struct{ Key string }
					Relationship struct{ Type string }
					Sources      []struct {
						Locator  *string
						Document struct{ Key string }
					}
				}
			}
		}
		MustQuery(t, c, `{ entityByKey(kind: Pilot, key: "yhdessa-hyva-ote") { ... on Pilot { funding {
			amount currency funder { name } recipient { key } relationship { type } sources { locator document { key } } } } } }`, &resp)
		f := resp.EntityByKey.Funding
		if len(f) != 2 {
			t.Fatalf("%d funding records, want 2", len(f))
		}
		for _, r := range f {
			if r.Currency != "EUR" || r.Funder.Name != "Osatyökykyisille tie työelämään" || r.Recipient.Key != "yhdessa-hyva-ote" || r.Relationship.Type != "FUNDS" {
				t.Errorf("record %+v", r)
			}
			if len(r.Sources) != 1 || str(r.Sources[0].Locator) != want[r.Amount] || r.Sources[0].Document.Key != "seed-002" {
				t.Errorf("%v EUR: sources %+v, want locator %q", r.Amount, r.Sources, want[r.Amount])
			}
		}
		if f[0].Amount == f[1].Amount {
			t.Errorf("both records say %v", f[0].Amount)
		}
	})

	t.Run("a relationship shows its role, amount and period", func(t *testing.T) {
		var resp struct {
			Relationships struct {
				Nodes []struct {
					Type   string
					Role   *string
					Amount *struct {
						Amount   float64
						Currency string
					}
					Period *struct{ Start, End *string }
				}
			}
		}
		MustQuery(t, c, `query($from: ID!, $to: ID!) { relationships(first: 100, where: {fromIn: [$from], toIn: [$to]}) {
			nodes { type role amount { amount currency } period { start end } } } }`, &resp,
			client.Var("from", ote.id("contact/niina-turunen")), client.Var("to", ote.id("pilot/yhdessa-hyva-ote")))
		var got []string
		for _, r := range resp.Relationships.Nodes {
			if r.Amount != nil {
				t.Errorf("%s carries an amount", r.Type)
			}
			p := "no period"
			if r.Period != nil {
				p = str(r.Period.Start) + ".." + str(r.Period.End)
			}
			got = append(got, r.Type+" "+str(r.Role)+" "+p)
		}
		want := []string{
			"CONTACT_FOR yhteyshenkilö (Etelä-Karjala) ..2017-05-17",
			"LEADS projektipäällikkö (Etelä-Karjala) ..2017-05-17",
		}
		if !slices.Equal(sorted(got), want) {
			t.Errorf("got  %q\nwant %q", sorted(got), want)
		}
	})

	t.Run("pilot period and status derive from the dataset", func(t *testing.T) {
		var resp struct {
			Pilots struct {
				Nodes []struct {
					Key, Status string
					ShortName   *string
					Period      *struct{ Start, End *string }
				}
			}
		}
		MustQuery(t, c, `{ pilots(first: 100) { nodes { key status shortName period { start end } } } }`, &resp)
		for _, p := range resp.Pilots.Nodes {
			n := ote.node("pilot/" + p.Key)
			wantPeriod, gotPeriod := "", ""
			if n.Period != nil {
				wantPeriod = n.Period.Start + ".." + n.Period.End
			}
			if p.Period != nil {
				gotPeriod = str(p.Period.Start) + ".." + str(p.Period.End)
			}
			// Every dated pilot of the dataset ended in 2018; undated
			// ones are UNKNOWN.
			wantStatus := "UNKNOWN"
			if n.Period != nil && n.Period.End != "" {
				wantStatus = "ENDED"
			}
			wantShort := ""
			if len(n.Abbreviations) > 0 {
				wantShort = n.Abbreviations[0]
			}
			if gotPeriod != wantPeriod || p.Status != wantStatus || str(p.ShortName) != wantShort {
				t.Errorf("%s: period %q status %s shortName %q, want %q %s %q", p.Key, gotPeriod, p.Status, str(p.ShortName), wantPeriod, wantStatus, wantShort)
			}
		}
	})

	t.Run("service providers and target groups agree with the dataset", func(t *testing.T) {
		var resp struct {
			Services struct {
				Nodes []struct {
					Key          string
					Providers    []ref
					TargetGroups []ref
				}
			}
		}
		MustQuery(t, c, `{ services(first: 100) { nodes { key providers { __typename key } targetGroups { __typename key } } } }`, &resp)
		if want := len(ote.keys("service", nil)); len(resp.Services.Nodes) != want {
			t.Fatalf("%d services, want %d", len(resp.Services.Nodes), want)
		}
		withProviders := 0
		for _, s := range resp.Services.Nodes {
			me := "service/" + s.Key
			var providers, groups []string
			for _, r := range ote.Relationships {
				if r.Type == "PROVIDES" && r.To == me {
					providers = append(providers, r.From)
				}
				if r.Type == "SERVES" && r.From == me && strings.HasPrefix(r.To, "targetGroup/") {
					groups = append(groups, r.To)
				}
			}
			if got := sorted(refs(s.Providers)); !slices.Equal(got, sorted(providers)) {
				t.Errorf("%s providers %v, want %v", s.Key, got, sorted(providers))
			}
			if got := sorted(refs(s.TargetGroups)); !slices.Equal(got, sorted(groups)) {
				t.Errorf("%s target groups %v, want %v", s.Key, got, sorted(groups))
			}
			if len(providers) > 0 {
				withProviders++
			}
		}
		if withProviders == 0 {
			t.Error("no service has providers; the test checks nothing")
		}
	})
}

func TestPersonalData(t *testing.T) {
	ote := MustReadDataset(t)
	s := MustOpenSeeded(t)
	const q = `{ contacts(first: 100) { nodes { key title email phone } } }`
	type contacts struct {
		Contacts struct {
			Nodes []struct {
				Key                 string
				Title, Email, Phone *string
			}
		}
	}
	withDetails := 0
	for _, n := range ote.Nodes {
		if n.Kind == "contact" && n.Email != "" && n.Phone != "" {
			withDetails++
		}
	}
	if withDetails == 0 {
		t.Fatal("no contact in the dataset has an e-mail and a phone; the test checks nothing")
	}

	for _, tc := range []struct {
		name      string
		principal *hub.Principal
		sees      bool
	}{
		{"anonymous callers see no e-mail or phone", nil, false},
		{"authenticated callers without the personal-data right see none either", &hub.Principal{Subject: "dashboard"}, false},
		{"callers with the personal-data right see them", &hub.Principal{Subject: "admin", PersonalData: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mw []func(h http.Handler) http.Handler
			if tc.principal != nil {
				mw = append(mw, withPrincipal(tc.principal))
			}
			c := newClient(graph.Options{Network: s}, mw...)
			var resp contacts
			MustQuery(t, c, q, &resp)
			if want := len(ote.keys("contact", nil)); len(resp.Contacts.Nodes) != want {
				t.Fatalf("%d contacts, want %d", len(resp.Contacts.Nodes), want)
			}
			for _, got := range resp.Contacts.Nodes {
				n := ote.node("contact/" + got.Key)
				wantEmail, wantPhone := "", ""
				if tc.sees {
					wantEmail, wantPhone = n.Email, n.Phone
				}
				if str(got.Email) != wantEmail || str(got.Phone) != wantPhone {
					t.Errorf("%s: email %q phone %q, want %q %q", got.Key, str(got.Email), str(got.Phone), wantEmail, wantPhone)
				}
				if str(got.Title) != n.Title {
					t.Errorf("%s: title %q", got.Key, str(got.Title))
				}
			}
		})
	}
}

// searchHits is the answer of searchQuery.
type searchHits struct {
	Search []struct {
		Node struct {
			Typename  string `json:"__typename"`
			Key, Name string
		}
		Match, MatchedText, MatchedField string
	}
}

const searchQuery = `query($text: String!, $kinds: [NodeKind!], $first: Int) {
	search(text: $text, kinds: $kinds, first: $first) { node { __typename key name } match matchedText matchedField }
}`

func TestSearch(t *testing.T) {
	ote := MustReadDataset(t)
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	search := func(t *testing.T, text string, kinds []string, first any) searchHits {
		t.Helper()
		var resp searchHits
		MustQuery(t, c, searchQuery, &resp, client.Var("text", text), client.Var("kinds", kinds), client.Var("first", first))
		return resp
	}
	// quality is the documented match quality of n for text: the best of
	// its names, abbreviations and aliases ("" when none matches).
	quality := func(n oteNode, text string) string {
		needle, best := hub.Normalize(text), ""
		rank := map[string]int{"": 3, "CONTAINS": 2, "PREFIX": 1, "EXACT": 0}
		for _, s := range n.terms() {
			q, t := "", hub.Normalize(s)
			switch {
			case t == needle:
				q = "EXACT"
			case strings.HasPrefix(t, needle):
				q = "PREFIX"
			case strings.Contains(t, needle):
				q = "CONTAINS"
			}
			if rank[q] < rank[best] {
				best = q
			}
		}
		return best
	}

	// rank is the documented order of the match qualities.
	rank := map[string]int{"EXACT": 0, "PREFIX": 1, "CONTAINS": 2, "WORD": 3, "FUZZY": 4, "DESCRIPTION": 5}
	for _, text := range []string{"ote", "kela", "Päijät"} {
		t.Run("hits for "+text+" are ranked exact, then prefix, then contained, then the rest, then by name", func(t *testing.T) {
			want := map[string]string{}
			for _, n := range ote.Nodes {
				if q := quality(n, text); q != "" {
					want[n.ref()] = q
				}
			}
			if len(want) == 0 || len(want) >= 100 {
				t.Fatalf("%d nodes contain %q: the test needs 1 to 99", len(want), text)
			}
			hits := search(t, text, nil, 100).Search
			if len(hits) < len(want) {
				t.Errorf("%d hits, want at least %d", len(hits), len(want))
			}
			qualities := map[string]bool{}
			for i, h := range hits {
				r := refOf(h.Node.Typename, h.Node.Key)
				qualities[h.Match] = true
				// The nodes whose names contain the text come first, as
				// the oracle ranks them; any other hit ranks below.
				if i < len(want) && want[r] != h.Match {
					t.Errorf("%s (hit %d) matched %s, want %q", r, i, h.Match, want[r])
				}
				if i >= len(want) && rank[h.Match] <= rank["CONTAINS"] {
					t.Errorf("%s (hit %d) matched %s, but none of its names contains %q", r, i, h.Match, text)
				}
				if rank[h.Match] <= rank["CONTAINS"] && !strings.Contains(hub.Normalize(h.MatchedText), hub.Normalize(text)) {
					t.Errorf("%s: matchedText %q does not contain %q", r, h.MatchedText, text)
				}
				if i == 0 {
					continue
				}
				prev := hits[i-1]
				if d := rank[h.Match] - rank[prev.Match]; d < 0 || d == 0 && hub.Normalize(h.Node.Name) < hub.Normalize(prev.Node.Name) {
					t.Errorf("hit %d (%s %s) ranks after hit %d (%s %s)", i, h.Match, h.Node.Name, i-1, prev.Match, prev.Node.Name)
				}
			}
			if text == "ote" && !(qualities["EXACT"] && qualities["PREFIX"] && qualities["CONTAINS"]) {
				t.Errorf("qualities %v: want exact, prefix and contained for ote", qualities)
			}
		})
	}

	t.Run("the best hit says which field matched", func(t *testing.T) {
		for _, tc := range []struct {
			text, key, match, text2, field string
		}{
			{"STM", "stm", "EXACT", "STM", "abbreviation"},
			{"kela", "kela", "EXACT", "Kela", "abbreviation"},
			{"ote", "ote", "EXACT", "OTE", "abbreviation"},
			{"kansanelakelaitos", "kela", "EXACT", "Kansaneläkelaitos", "name"},
			{"Validia", "validia-ammattiopisto", "EXACT", "Validia", "alias"},
			{"paijat hame", "07", "EXACT", "Päijät-Häme", "name"},
			{"Villmanstrand", "405", "EXACT", "Villmanstrand", "name"},
		} {
			hits := search(t, tc.text, nil, 1).Search
			if len(hits) != 1 {
				t.Errorf("%s: %d hits", tc.text, len(hits))
				continue
			}
			h := hits[0]
			if h.Node.Key != tc.key || h.Match != tc.match || h.MatchedText != tc.text2 || h.MatchedField != tc.field {
				t.Errorf("%s: %s %s %q %s, want %s %s %q %s", tc.text, h.Node.Key, h.Match, h.MatchedText, h.MatchedField, tc.key, tc.match, tc.text2, tc.field)
			}
		}
	})

	t.Run("kinds restrict the hits", func(t *testing.T) {
		for _, kinds := range [][]string{{"Pilot"}, {"Pilot", "Programme"}, {"Event"}} {
			want := 0
			for _, n := range ote.Nodes {
				if slices.Contains(kinds, string(fileKinds[n.Kind])) && quality(n, "ote") != "" {
					want++
				}
			}
			hits := search(t, "ote", kinds, 100).Search
			named := 0
			for _, h := range hits {
				if rank[h.Match] <= rank["CONTAINS"] {
					named++
				}
			}
			if named != want || want == 0 {
				t.Errorf("%v: %d hits by name, want %d", kinds, named, want)
			}
			for _, h := range hits {
				if !slices.Contains(kinds, h.Node.Typename) {
					t.Errorf("%v: hit of type %s", kinds, h.Node.Typename)
				}
			}
		}
	})

	t.Run("first bounds the hits and keeps the best", func(t *testing.T) {
		all := search(t, "ote", nil, 100).Search
		for _, first := range []int{1, 5, 100} {
			hits := search(t, "ote", nil, first).Search
			if len(hits) != min(first, len(all)) {
				t.Errorf("first %d: %d hits", first, len(hits))
			}
			for i := range hits {
				if hits[i].Node.Key != all[i].Node.Key {
					t.Errorf("first %d: hit %d is %s, want %s", first, i, hits[i].Node.Key, all[i].Node.Key)
				}
			}
		}
		if got := len(search(t, "ote", nil, nil).Search); got != min(20, len(all)) {
			t.Errorf("default first gives %d hits, want 20", got)
		}
	})

	t.Run("a text of exactly 200 characters is accepted", func(t *testing.T) {
		if hits := search(t, strings.Repeat("ä", 200), nil, nil).Search; len(hits) != 0 {
			t.Errorf("%d hits", len(hits))
		}
	})

	t.Run("bad arguments are refused", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			text  string
			first any
		}{
			{"empty text", "", nil},
			{"blank text", "   ", nil},
			{"punctuation only", "–!?", nil},
			{"text of 201 characters", strings.Repeat("ä", 201), nil},
			{"first 0", "ote", 0},
			{"first 101", "ote", 101},
			{"negative first", "ote", -1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				MustFailWith(t, c, "BAD_USER_INPUT", searchQuery, client.Var("text", tc.text), client.Var("first", tc.first))
			})
		}
	})
}

// nestedQuery returns a query whose selections nest exactly depth levels
// deep, following relationships → nodes → from. style "inline fragments"
// wraps every from in `... on Organisation`, and "named fragment" moves
// everything below the root field into a fragment; neither adds levels.
func nestedQuery(depth int, style string) string {
	steps := []string{"relationships(first: 1) {", "nodes {", "from {"}
	leaves := []string{"key", "totalCount", "id"} // for Entity, RelationshipConnection, Relationship
	var chain, closing strings.Builder
	i := 0
	for level := 2; level < depth; level++ {
		chain.WriteString(steps[i%3])
		closing.WriteString("}")
		if i%3 == 2 && style == "inline fragments" {
			chain.WriteString(" ... on Organisation {")
			closing.WriteString("}")
		}
		i++
	}
	body := chain.String() + " " + leaves[i%3] + " " + closing.String()
	if style == "named fragment" {
		return `{ entityByKey(kind: Organisation, key: "eksote") { ...Deep } } fragment Deep on Entity { ` + body + ` }`
	}
	return `{ entityByKey(kind: Organisation, key: "eksote") { ` + body + ` } }`
}

func TestLimits(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})

	for _, style := range []string{"plain", "inline fragments", "named fragment"} {
		t.Run("a query nesting exactly MaxDepth levels runs, "+style, func(t *testing.T) {
			data, errs := MustErrors(t, c, nestedQuery(graph.MaxDepth, style))
			if len(errs) > 0 || data == nil {
				t.Errorf("errors %+v", errs)
			}
		})
		t.Run("a query nesting deeper than MaxDepth is refused before anything is read, "+style, func(t *testing.T) {
			s.reset()
			errs := MustFailWith(t, c, "LIMIT_EXCEEDED", nestedQuery(graph.MaxDepth+1, style))
			if !strings.Contains(errs[0].Message, fmt.Sprint(graph.MaxDepth)) {
				t.Errorf("message %q does not name the limit", errs[0].Message)
			}
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
		})
	}

	t.Run("an operation over the complexity limit is refused before anything is read", func(t *testing.T) {
		// Each alias costs 1 + the 13 fields of the fragment, once per
		// row of the page of 100; the page adds 1.
		complex := func(aliases int) string {
			var b strings.Builder
			b.WriteString("{ pilots(first: 100) {")
			for i := range aliases {
				fmt.Fprintf(&b, " p%d: nodes { ...F }", i)
			}
			b.WriteString(" } } fragment F on Pilot { id key kind name names { fi sv en } abbreviations aliases description shortName status }")
			return b.String()
		}
		over := (graph.MaxComplexity-1)/1400 + 1
		s.reset()
		errs := MustFailWith(t, c, "COMPLEXITY_LIMIT_EXCEEDED", complex(over))
		t.Logf("gqlgen answers: code %s, %q", errs[0].code(), errs[0].Message)
		if calls, n := s.snapshot(); n != 0 {
			t.Errorf("the network was read: %v", calls)
		}
		if data, errs := MustErrors(t, c, complex(over-1)); len(errs) > 0 || data == nil {
			t.Errorf("%d aliases (complexity %d) refused: %+v", over-1, 1+1400*(over-1), errs)
		}
	})

	t.Run("a query document over the token limit is refused", func(t *testing.T) {
		q := "{" + strings.Repeat(" __typename", 20000) + " }"
		s.reset()
		errs := MustFailWith(t, c, "GRAPHQL_PARSE_FAILED", q)
		t.Logf("gqlgen answers: code %s, %q", errs[0].code(), errs[0].Message)
		if calls, n := s.snapshot(); n != 0 {
			t.Errorf("the network was read: %v", calls)
		}
	})
}

func TestDefer(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})

	refused := []struct{ name, query string }{
		{"an inline fragment", `{ aggregates { ... @defer { pilotsPerYear { key count } } } }`},
		{"a labelled inline fragment", `{ aggregates { ... @defer(label: "years") { pilotsPerYear { key } } } }`},
		{"a fragment spread", `{ aggregates { ...Years @defer } } fragment Years on Aggregates { pilotsPerYear { key } }`},
		{"a fragment inside a named fragment", `{ pilots(first: 2) { ...Page } } fragment Page on PilotConnection { nodes { id ... @defer { name } } }`},
		{"an if that holds", `{ aggregates { ... @defer(if: true) { pilotsPerYear { key } } } }`},
	}
	for _, tc := range refused {
		t.Run("@defer on "+tc.name+" is refused before anything is read", func(t *testing.T) {
			s.reset()
			errs := MustFailWith(t, c, "BAD_USER_INPUT", tc.query)
			if !strings.Contains(errs[0].Message, "@defer is not supported") {
				t.Errorf("message %q", errs[0].Message)
			}
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
		})
	}

	t.Run("@defer whose if is false answers in full", func(t *testing.T) {
		var plain, withDefer struct {
			Aggregates struct{ PilotsPerYear []struct{ Key *string } }
		}
		MustQuery(t, c, `{ aggregates { pilotsPerYear { key } } }`, &plain)
		MustQuery(t, c, `{ aggregates { ... @defer(if: false) { pilotsPerYear { key } } } }`, &withDefer)
		if len(plain.Aggregates.PilotsPerYear) == 0 || !reflect.DeepEqual(plain, withDefer) {
			t.Errorf("got %+v, want %+v", withDefer, plain)
		}
	})

	t.Run("@defer with an if variable is refused only when it holds", func(t *testing.T) {
		q := `query($d: Boolean!) { aggregates { ... @defer(if: $d) { pilotsPerYear { key } } } }`
		s.reset()
		MustFailWith(t, c, "BAD_USER_INPUT", q, client.Var("d", true))
		if calls, n := s.snapshot(); n != 0 {
			t.Errorf("the network was read: %v", calls)
		}
		var resp struct {
			Aggregates struct{ PilotsPerYear []struct{ Key *string } }
		}
		MustQuery(t, c, q, &resp, client.Var("d", false))
		if len(resp.Aggregates.PilotsPerYear) == 0 {
			t.Error("no years")
		}
	})

	t.Run("@defer whose if is null answers in full, as gqlgen would not defer it", func(t *testing.T) {
		for _, q := range []string{
			`{ aggregates { ... @defer(if: null) { pilotsPerYear { key } } } }`,
			`query($d: Boolean) { aggregates { ... @defer(if: $d) { pilotsPerYear { key } } } }`,
		} {
			var resp struct {
				Aggregates struct{ PilotsPerYear []struct{ Key *string } }
			}
			MustQuery(t, c, q, &resp)
			if len(resp.Aggregates.PilotsPerYear) == 0 {
				t.Errorf("no years for %s", q)
			}
		}
	})
}

func TestErrorPresenter(t *testing.T) {
	seeded := MustOpenSeeded(t)
	const secret = "secret-host"
	plainErr := errors.New("dial tcp: secret-host:27017 refused")
	unavailable := hub.Errorf(hub.EUNAVAILABLE, "the network is still loading")

	for _, tc := range []struct {
		name       string
		network    *failingReader
		query      string
		code       string
		message    string // the exact message, "" to skip
		logsSecret bool   // the cause must reach the log
	}{
		{"a plain error from a read is INTERNAL and does not leak",
			&failingReader{Reader: seeded, findNodes: plainErr},
			`{ pilots { totalCount nodes { name } } }`, "INTERNAL", "internal error", true},
		{"a plain error from search is INTERNAL and does not leak",
			&failingReader{Reader: seeded, findNodes: plainErr},
			`{ search(text: "ote") { matchedText } }`, "INTERNAL", "internal error", true},
		{"a plain error reading a node by key is INTERNAL and does not leak",
			&failingReader{Reader: seeded, nodesByID: plainErr},
			`{ entityByKey(kind: Pilot, key: "fokus") { name } }`, "INTERNAL", "internal error", true},
		{"a wrapped internal error keeps its cause out of the answer",
			&failingReader{Reader: seeded, findNodes: hub.Wrap(hub.EINTERNAL, plainErr, "find failed")},
			`{ pilots { totalCount nodes { name } } }`, "INTERNAL", "internal error", true},
		{"a domain code the API does not name is INTERNAL, logged",
			&failingReader{Reader: seeded, findNodes: hub.Wrap("ESOMETHING", plainErr, "secret-host said no")},
			`{ pilots { totalCount nodes { name } } }`, "INTERNAL", "internal error", true},
		{"an unavailable network is STORE_UNAVAILABLE",
			&failingReader{Reader: seeded, findNodes: unavailable},
			`{ pilots { totalCount nodes { name } } }`, "STORE_UNAVAILABLE", "the network is still loading", false},
		{"nested fields of an unavailable network are STORE_UNAVAILABLE, each of them",
			&failingReader{Reader: seeded, nodesByID: unavailable, findRelationships: unavailable},
			`{ pilots { nodes { name partners { name } funding { amount } regions { name } sources { document { title } } } } }`,
			"STORE_UNAVAILABLE", "the network is still loading", false},
		{"relationship ends of an unavailable network are STORE_UNAVAILABLE",
			&failingReader{Reader: seeded, nodesByID: unavailable},
			`{ relationships(first: 5) { nodes { type from { name } to { name } } } }`,
			"STORE_UNAVAILABLE", "the network is still loading", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log syncBuffer
			c := newClient(graph.Options{Network: tc.network, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			errs := MustFailWith(t, c, tc.code, tc.query)
			for _, e := range errs {
				if strings.Contains(e.Message, secret) || strings.Contains(fmt.Sprint(e.Extensions), secret) {
					t.Errorf("the answer leaks the cause: %+v", e)
				}
				if tc.message != "" && e.Message != tc.message {
					t.Errorf("message %q, want %q", e.Message, tc.message)
				}
			}
			if tc.logsSecret && !strings.Contains(log.String(), secret) {
				t.Errorf("the cause is not logged for operators; log:\n%s", log.String())
			}
		})
	}

	t.Run("an operation that outlives the timeout answers TIMEOUT", func(t *testing.T) {
		c := newClient(graph.Options{Network: &failingReader{Reader: seeded, block: true}, Timeout: 50 * time.Millisecond})
		errs := MustFailWith(t, c, "TIMEOUT", `{ pilots { totalCount } }`)
		if errs[0].Message != "the request timed out" {
			t.Errorf("message %q", errs[0].Message)
		}
	})
}

// nestedPilotsQuery asks, per pilot, for six fields that each need other rows.
const nestedPilotsQuery = `{ pilots(first: 100) { nodes { name
	administrators { name }
	partners { name ... on Organisation { regions { name } } }
	funding { amount funder { name } }
	services { name providers { name } targetGroups { name } } } } }`

type nestedPilotsAnswer struct {
	Pilots struct {
		Nodes []struct {
			Name           string
			Administrators []struct{ Name string }
			Partners       []struct {
				Name    string
				Regions []struct{ Name string }
			}
			Funding []struct {
				Amount float64
				Funder struct{ Name string }
			}
			Services []struct {
				Name         string
				Providers    []struct{ Name string }
				TargetGroups []struct{ Name string }
			}
		}
	}
}

func TestNestedPages(t *testing.T) {
	t.Run("every pilot of the dataset answers its nested fields", func(t *testing.T) {
		var resp nestedPilotsAnswer
		MustQuery(t, newClient(graph.Options{Network: MustOpenSeeded(t)}), nestedPilotsQuery, &resp)
		if len(resp.Pilots.Nodes) != 7 {
			t.Errorf("%d pilots", len(resp.Pilots.Nodes))
		}
		for _, p := range resp.Pilots.Nodes {
			if p.Name == "Yhdessä hyvä OTE" && (len(p.Funding) != 2 || len(p.Partners) != 7 || len(p.Administrators) != 1) {
				t.Errorf("Yhdessä hyvä OTE: %d funding, %d partners, %d administrators", len(p.Funding), len(p.Partners), len(p.Administrators))
			}
		}
	})

	t.Run("every row of a ten times larger page answers its own nested fields", func(t *testing.T) {
		network := MustOpenSeeded(t)
		const extraPilots, partnersEach = 60, 5
		MustAddSyntheticPilots(t, network, extraPilots, partnersEach)
		var resp nestedPilotsAnswer
		MustQuery(t, newClient(graph.Options{Network: network}), nestedPilotsQuery, &resp)
		if len(resp.Pilots.Nodes) != 7+extraPilots {
			t.Fatalf("%d pilots, want %d", len(resp.Pilots.Nodes), 7+extraPilots)
		}
		for _, p := range resp.Pilots.Nodes {
			if !strings.HasPrefix(p.Name, "Synteettinen") {
				continue
			}
			if len(p.Partners) != partnersEach || len(p.Administrators) != 1 || len(p.Funding) != 1 || len(p.Services) != 1 {
				t.Fatalf("%s: %d partners, %d administrators, %d funding, %d services", p.Name, len(p.Partners), len(p.Administrators), len(p.Funding), len(p.Services))
			}
			// Each pilot's own partners, numbered after it.
			number := strings.TrimPrefix(p.Name, "Synteettinen kokeilu ")
			for _, partner := range p.Partners {
				if !strings.HasPrefix(partner.Name, "Synteettinen kumppani "+number+"-") {
					t.Fatalf("%s has partner %s", p.Name, partner.Name)
				}
			}
			if a := p.Administrators[0].Name; a != "Synteettinen kumppani "+number+"-0" {
				t.Fatalf("%s is administered by %s", p.Name, a)
			}
			if r := p.Partners[0].Regions; len(r) != 1 || r[0].Name != "Kymenlaakso" {
				t.Fatalf("%s: partner regions %+v", p.Name, r)
			}
		}
	})
}

// TestRelationshipConditionsOnTheRelationship checks conditions on the
// relationships themselves (amount, role, period, ends) against the
// dataset file.
func TestRelationshipConditionsOnTheRelationship(t *testing.T) {
	ote := MustReadDataset(t)
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	keys := func(match func(oteRel) bool, end func(oteRel) string) []string {
		var out []string
		for _, r := range ote.Relationships {
			if match(r) && !slices.Contains(out, keyOf(end(r))) {
				out = append(out, keyOf(end(r)))
			}
		}
		slices.Sort(out)
		return out
	}
	from := func(r oteRel) string { return r.From }
	to := func(r oteRel) string { return r.To }
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"pilots granted at least a million in one figure",
			`{ pilots(where: { relationships: [{ types: [FUNDS], direction: IN, relationship: { amount: { gte: 1000000 } } }] }) { nodes { key } } }`,
			keys(func(r oteRel) bool { return r.Type == "FUNDS" && r.Amount != nil && r.Amount.Value >= 1000000 }, to)},
		{"organisations by the role the sources give them",
			`{ organisations(first: 100, where: { relationships: [{ direction: OUT, relationship: { role: { eq: "hallinnoija" } } }] }) { nodes { key } } }`,
			keys(func(r oteRel) bool { return r.Role == "hallinnoija" && strings.HasPrefix(r.From, "organisation/") }, from)},
		{"pilots with a dated relationship to a contact person",
			`{ pilots(where: { relationships: [{ direction: IN, where: { kindIn: [Contact] }, relationship: { period: { isNull: false } } }] }) { nodes { key } } }`,
			keys(func(r oteRel) bool {
				return r.Period != nil && strings.HasPrefix(r.From, "contact/") && strings.HasPrefix(r.To, "pilot/")
			}, to)},
		{"no pilot is granted more than ten million in one figure",
			`{ pilots(where: { relationships: [{ types: [FUNDS], direction: IN, relationship: { amount: { gt: 10000000 } } }] }) { nodes { key } } }`,
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil && !strings.HasPrefix(tc.name, "no ") {
				t.Fatal("the dataset gives no answer: nothing checked")
			}
			var resp map[string]struct{ Nodes []struct{ Key string } }
			MustQuery(t, c, tc.query, &resp)
			var got []string
			for _, conn := range resp {
				for _, n := range conn.Nodes {
					got = append(got, n.Key)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("a bad id in the relationship condition is a clear error", func(t *testing.T) {
		MustFailWith(t, c, "BAD_USER_INPUT", `{ pilots(where: { relationships: [{ relationship: { fromIn: ["nope"] } }] }) { nodes { key } } }`)
	})
}
