package graph_test

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

// The dashboard aggregates and provisions answer with the dataset's
// facts; expected figures are computed from dataset/ote.json where that
// is simple, and quoted from the seeds otherwise.
func TestAggregates(t *testing.T) {
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	file := MustReadDataset(t)

	t.Run("node counts by kind agree with the dataset", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				NodeCounts []struct {
					Key   string
					Count int
				}
			}
		}
		MustQuery(t, c, `{ aggregates { nodeCounts(by: KIND) { key count } } }`, &resp)
		want := map[string]int{}
		for _, n := range file.Nodes {
			want[n.Kind]++
		}
		got := map[string]int{}
		for _, b := range resp.Aggregates.NodeCounts {
			got[b.Key] = b.Count
		}
		if got["Organisation"] != want["organisation"] || got["Pilot"] != want["pilot"] || got["Region"] != want["region"] || got["TargetGroup"] != want["targetGroup"] {
			t.Errorf("counts %v, dataset %v", got, want)
		}
		if _, ok := got["SourceDocument"]; ok {
			t.Error("source documents are not counted as entities")
		}
	})

	t.Run("relationship types grouped, with having", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				GroupBy []struct {
					Keys  []struct{ Value string }
					Count int
				}
			}
		}
		MustQuery(t, c, `{ aggregates { groupBy(collection: RELATIONSHIPS, by: [{field: TYPE}], having: {gte: 5}) { keys { value } count } } }`, &resp)
		want := map[string]int{}
		for _, r := range file.Relationships {
			want[r.Type]++
		}
		seen := 0
		for _, g := range resp.Aggregates.GroupBy {
			if g.Count != want[g.Keys[0].Value] || g.Count < 5 {
				t.Errorf("%s: %d, dataset %d", g.Keys[0].Value, g.Count, want[g.Keys[0].Value])
			}
			seen++
		}
		expected := 0
		for _, n := range want {
			if n >= 5 {
				expected++
			}
		}
		if seen != expected {
			t.Errorf("%d groups, want %d", seen, expected)
		}
	})

	t.Run("every funding bucket counts some of its figures and names its node", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				Funding []struct {
					Key              *string
					Total            float64
					Node             *struct{ Name string }
					Counted, Figures []struct{ Amount float64 }
				}
			}
		}
		MustQuery(t, c, `{ aggregates { funding(by: REGION) { key total node { name } counted { amount } figures { amount } } } }`, &resp)
		if len(resp.Aggregates.Funding) < 2 {
			t.Fatalf("%d buckets", len(resp.Aggregates.Funding))
		}
		for _, b := range resp.Aggregates.Funding {
			if b.Key != nil && (b.Node == nil || b.Node.Name == "") {
				t.Errorf("bucket %s without its region", *b.Key)
			}
			if len(b.Counted) == 0 || len(b.Figures) < len(b.Counted) {
				t.Errorf("bucket with %d counted of %d figures", len(b.Counted), len(b.Figures))
			}
			sum := 0.0
			for _, f := range b.Counted {
				sum += f.Amount
			}
			if math.Abs(sum-b.Total) > 0.005 {
				t.Errorf("bucket %v: total %v, counted figures add up to %v", b.Key, b.Total, sum)
			}
		}
	})

	t.Run("funding by region counts disagreeing figures by the policy and lists them all", func(t *testing.T) {
		type bucket struct {
			Node    *struct{ Name string }
			Total   float64
			Figures []struct{ Amount float64 }
		}
		var resp struct {
			Aggregates struct{ Highest, Lowest, Every []bucket }
		}
		MustQuery(t, c, `{ aggregates {
			highest: funding(by: REGION) { node { name } total figures { amount } }
			lowest: funding(by: REGION, policy: LOWEST) { node { name } total figures { amount } }
			every: funding(by: REGION, policy: EVERY) { node { name } total figures { amount } }
		} }`, &resp)
		// Yhdessä hyvä OTE (Etelä-Karjala and Kymenlaakso) is listed at
		// 1 200 000 EUR and 1 500 000 EUR in seed 002.
		for policy, buckets := range map[string][]bucket{"HIGHEST": resp.Aggregates.Highest, "LOWEST": resp.Aggregates.Lowest, "EVERY": resp.Aggregates.Every} {
			want := map[string]float64{"HIGHEST": 1500000, "LOWEST": 1200000, "EVERY": 2700000}[policy]
			found := false
			for _, b := range buckets {
				if b.Node != nil && b.Node.Name == "Kymenlaakso" {
					found = true
					if b.Total != want || len(b.Figures) != 2 {
						t.Errorf("%s: Kymenlaakso total %v with %d figures, want %v with 2", policy, b.Total, len(b.Figures), want)
					}
				}
			}
			if !found {
				t.Errorf("%s: no Kymenlaakso bucket", policy)
			}
		}
	})

	t.Run("funding by region split equally adds up to the pilot funding", func(t *testing.T) {
		type bucket struct {
			Key   *string
			Node  *struct{ Key string }
			Total float64
		}
		var resp struct {
			Aggregates struct{ Each, Equal, Pilots []bucket }
		}
		MustQuery(t, c, `{ aggregates {
			each: funding(by: REGION) { key node { key } total }
			equal: funding(by: REGION, split: EQUAL) { key node { key } total }
			pilots: funding(by: PILOT, split: EQUAL) { key node { key } total }
		} }`, &resp)
		// Worked out by hand from dataset/ote.json under HIGHEST: Yhdessä
		// hyvä OTE 1 500 000 (regions 08, 09), Fokus 489 800 (01),
		// SATAOSAA 1 600 000 (04), PÄHEE OTE 581 800 (07), KP OTE
		// 484 800 (16), Savon OTE 479 400 (10, 11); 5 135 800 in all.
		wantEqual := map[string]float64{"01": 489800, "04": 1600000, "07": 581800, "08": 750000, "09": 750000,
			"10": 239700, "11": 239700, "16": 484800}
		wantEach := maps.Clone(wantEqual)
		wantEach["08"], wantEach["09"], wantEach["10"], wantEach["11"] = 1500000, 1500000, 479400, 479400
		byKey := func(bs []bucket) (map[string]float64, float64) {
			m, sum := map[string]float64{}, 0.0
			for _, b := range bs {
				if b.Node == nil {
					t.Errorf("a bucket without its node: %v", b.Key)
					continue
				}
				m[b.Node.Key] = b.Total
				sum += b.Total
			}
			return m, sum
		}
		equal, equalSum := byKey(resp.Aggregates.Equal)
		each, eachSum := byKey(resp.Aggregates.Each)
		_, pilotSum := byKey(resp.Aggregates.Pilots)
		if !maps.Equal(equal, wantEqual) {
			t.Errorf("EQUAL: %v, want %v", equal, wantEqual)
		}
		if !maps.Equal(each, wantEach) {
			t.Errorf("EACH: %v, want %v", each, wantEach)
		}
		if equalSum != 5135800 || pilotSum != 5135800 || eachSum != 7115200 {
			t.Errorf("sums: EQUAL by region %v, by pilot %v, EACH by region %v; want 5135800, 5135800, 7115200", equalSum, pilotSum, eachSum)
		}
	})

	t.Run("partners per pilot count distinct partners, zero included", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				PartnersPerPilot []struct {
					Node  struct{ Key string }
					Count int
				}
			}
		}
		MustQuery(t, c, `{ aggregates { partnersPerPilot { node { key } count } } }`, &resp)
		want := map[string]map[string]bool{}
		for _, n := range file.Nodes {
			if n.Kind == "pilot" {
				want[n.Key] = map[string]bool{}
			}
		}
		for _, r := range file.Relationships {
			if r.Type == "PARTNER_IN" && want[keyOf(r.To)] != nil {
				want[keyOf(r.To)][r.From] = true
			}
		}
		if len(resp.Aggregates.PartnersPerPilot) != len(want) {
			t.Fatalf("%d pilots, want %d", len(resp.Aggregates.PartnersPerPilot), len(want))
		}
		prev := 1 << 30
		for _, b := range resp.Aggregates.PartnersPerPilot {
			if b.Count != len(want[b.Node.Key]) {
				t.Errorf("%s: %d partners, dataset %d", b.Node.Key, b.Count, len(want[b.Node.Key]))
			}
			if b.Count > prev {
				t.Error("not ordered by count")
			}
			prev = b.Count
		}
	})

	t.Run("Kela takes part in two pilots", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				OrganisationsInPilots []struct {
					Node   struct{ Key string }
					Count  int
					Pilots []struct{ Key string }
				}
			}
		}
		MustQuery(t, c, `{ aggregates { organisationsInPilots(minPilots: 2) { node { key } count pilots { key } } } }`, &resp)
		found := false
		for _, p := range resp.Aggregates.OrganisationsInPilots {
			if p.Count < 2 || len(p.Pilots) != p.Count {
				t.Errorf("%s: count %d with %d pilots", p.Node.Key, p.Count, len(p.Pilots))
			}
			if p.Node.Key == "kela" {
				found = true
			}
		}
		if !found {
			t.Errorf("Kela missing: %+v", resp.Aggregates.OrganisationsInPilots)
		}
	})

	t.Run("pilots per year follow the pilots' periods", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				PilotsPerYear []struct {
					Key   *string
					Count int
				}
			}
		}
		MustQuery(t, c, `{ aggregates { pilotsPerYear { key count } } }`, &resp)
		want := map[string]int{}
		for _, n := range file.Nodes {
			if n.Kind != "pilot" {
				continue
			}
			if n.Period == nil || (n.Period.Start == "" && n.Period.End == "") {
				want[""]++
				continue
			}
			if n.Period.Start == "" {
				want[n.Period.End[:4]]++
				continue
			}
			from, _ := strconv.Atoi(n.Period.Start[:4])
			to := from
			if n.Period.End != "" {
				to, _ = strconv.Atoi(n.Period.End[:4])
			}
			for y := from; y <= to; y++ {
				want[strconv.Itoa(y)]++
			}
		}
		var keys []string
		for _, b := range resp.Aggregates.PilotsPerYear {
			k := ""
			if b.Key != nil {
				k = *b.Key
			}
			keys = append(keys, k)
			if b.Count != want[k] {
				t.Errorf("year %q: %d pilots, dataset %d", k, b.Count, want[k])
			}
		}
		if len(keys) != len(want) || (len(keys) > 1 && keys[len(keys)-1] != "" && want[""] > 0) {
			t.Errorf("years %v, want %d in year order with undated last", keys, len(want))
		}
	})

	t.Run("provisions answer who provides what to whom", func(t *testing.T) {
		var resp struct {
			All  struct{ TotalCount int }
			Savo struct {
				Nodes []struct {
					Provider, Service struct{ Name string }
					Recipient         *struct{ Name string }
					Basis             string
					Sources           []struct{ Locator string }
				}
			}
		}
		MustQuery(t, c, `{
			all: provisions { totalCount }
			savo: provisions(first: 100, where: { basisIn: [SERVICE], recipientKindIn: [TargetGroup] }) {
				nodes { provider { name } service { name } recipient { name } basis sources { locator } }
			}
		}`, &resp)
		if resp.All.TotalCount == 0 {
			t.Fatal("no provisions")
		}
		// Seed 004: Savon OTE's club activities are for people in a weak
		// labour-market position.
		found := false
		for _, p := range resp.Savo.Nodes {
			if p.Basis != "SERVICE" || p.Recipient == nil || len(p.Sources) == 0 {
				t.Errorf("row %+v", p)
			}
			if p.Provider.Name == "Savon OTE" && p.Service.Name == "Klubitoiminta" && p.Recipient.Name == "Heikossa työmarkkina-asemassa olevat henkilöt" {
				found = true
			}
		}
		if !found {
			t.Errorf("Savon OTE → Klubitoiminta → heikossa työmarkkina-asemassa olevat missing: %+v", resp.Savo.Nodes)
		}
	})

	t.Run("provisions page forwards and backwards over the same rows", func(t *testing.T) {
		type page struct {
			Provisions struct {
				Edges    []struct{ Cursor string }
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       *string
				}
			}
		}
		var forward []string
		var after *string
		for range 50 {
			var p page
			MustQuery(t, c, `query($after: String) { provisions(first: 7, after: $after) { edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, &p, client.Var("after", after))
			for _, e := range p.Provisions.Edges {
				forward = append(forward, e.Cursor)
			}
			if !p.Provisions.PageInfo.HasNextPage {
				break
			}
			after = p.Provisions.PageInfo.EndCursor
		}
		var backward []string
		var before *string
		for range 50 {
			var p page
			MustQuery(t, c, `query($before: String) { provisions(last: 7, before: $before) { edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, &p, client.Var("before", before))
			var cursors []string
			for _, e := range p.Provisions.Edges {
				cursors = append(cursors, e.Cursor)
			}
			backward = append(cursors, backward...)
			if !p.Provisions.PageInfo.HasPreviousPage {
				break
			}
			before = p.Provisions.PageInfo.StartCursor
		}
		if !slices.Equal(forward, backward) || len(forward) == 0 {
			t.Errorf("forward %d rows, backward %d rows, equal %v", len(forward), len(backward), slices.Equal(forward, backward))
		}
	})

	t.Run("relationships filter on amount, period and role", func(t *testing.T) {
		var resp struct {
			Big     struct{ TotalCount int }
			Roles   struct{ TotalCount int }
			Dated   struct{ TotalCount int }
			Undated struct{ TotalCount int }
		}
		MustQuery(t, c, `{
			big: relationships(where: { typeIn: [FUNDS], amount: { gte: 1000000 } }) { totalCount }
			roles: relationships(where: { role: { isNull: false } }) { totalCount }
			dated: relationships(where: { period: { isNull: false } }) { totalCount }
			undated: relationships(where: { period: { isNull: true } }) { totalCount }
		}`, &resp)
		big, roles, dated := 0, 0, 0
		for _, r := range file.Relationships {
			if r.Type == "FUNDS" && r.Amount != nil && r.Amount.Value >= 1000000 {
				big++
			}
			if r.Role != "" {
				roles++
			}
		}
		for _, r := range file.Relationships {
			if r.Period != nil && (r.Period.Start != "" || r.Period.End != "") {
				dated++
			}
		}
		// 1 200 000 and 1 500 000 (Yhdessä hyvä OTE), 1 600 000 (SATAOSAA).
		if resp.Big.TotalCount != big || big != 3 {
			t.Errorf("FUNDS >= 1 000 000: %d, dataset %d, want 3", resp.Big.TotalCount, big)
		}
		if resp.Roles.TotalCount != roles {
			t.Errorf("with a role: %d, dataset %d", resp.Roles.TotalCount, roles)
		}
		if resp.Dated.TotalCount != dated || resp.Dated.TotalCount+resp.Undated.TotalCount != len(file.Relationships) {
			t.Errorf("dated %d + undated %d, dataset %d dated of %d", resp.Dated.TotalCount, resp.Undated.TotalCount, dated, len(file.Relationships))
		}
	})

	t.Run("funding and participation take the collections' conditions", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				Funding []struct {
					Node    struct{ Key string }
					Total   float64
					Figures []struct{ Amount float64 }
				}
				Kela, Carea []struct{ Node struct{ Key string } }
			}
		}
		MustQuery(t, c, `{ aggregates {
			funding(by: PILOT, where: { keyIn: ["yhdessa-hyva-ote"] }) { node { key } total figures { amount } }
			kela: organisationsInPilots(where: { keyIn: ["kela"] }) { node { key } }
			carea: organisationsInPilots(where: { keyIn: ["carea"] }) { node { key } }
		} }`, &resp)
		a := resp.Aggregates
		if len(a.Funding) != 1 || a.Funding[0].Node.Key != "yhdessa-hyva-ote" || a.Funding[0].Total != 1500000 || len(a.Funding[0].Figures) != 2 {
			t.Errorf("funding %+v", a.Funding)
		}
		if len(a.Kela) != 1 || a.Kela[0].Node.Key != "kela" || len(a.Carea) != 0 {
			t.Errorf("kela %+v, carea %+v (Carea is in one pilot)", a.Kela, a.Carea)
		}
	})

	t.Run("bad group-bys are refused", func(t *testing.T) {
		for _, q := range []string{
			`{ aggregates { groupBy(collection: NODES, by: [{field: KIND}, {field: TYPE}, {field: REGION}, {field: KEY}]) { count } } }`,
			`{ aggregates { groupBy(collection: NODES, by: [{field: FROM_KIND}]) { count } } }`,
			`{ aggregates { groupBy(collection: NODES, by: [{field: KIND}], measure: AMOUNT) { count } } }`,
			`{ aggregates { organisationsInPilots(minPilots: 0) { count } } }`,
			// The DEGREE measure counts relationships by type and direction.
			`{ aggregates { groupBy(collection: NODES, by: [{field: KIND}], measure: DEGREE, degree: {types: [FUNDS], count: {gt: 1}}) { count } } }`,
			`{ aggregates { groupBy(collection: NODES, by: [{field: KIND}], measure: DEGREE, degree: {relationship: {amount: {gt: 1}}}) { count } } }`,
		} {
			MustFailWith(t, c, "BAD_USER_INPUT", q)
		}
	})

	t.Run("relationship group-bys take the relationships' conditions", func(t *testing.T) {
		var resp struct {
			Aggregates struct {
				GroupBy []struct {
					Keys  []struct{ Value *string }
					Count int
					Sum   *float64
				}
			}
		}
		MustQuery(t, c, `{ aggregates { groupBy(collection: RELATIONSHIPS, by: [{field: TO_KEY}], measure: AMOUNT,
			relationshipWhere: { typeIn: [FUNDS], amount: { gte: 1000000 } }) { keys { value } count sum } } }`, &resp)
		got := map[string]float64{}
		for _, g := range resp.Aggregates.GroupBy {
			if len(g.Keys) != 1 || g.Keys[0].Value == nil || g.Sum == nil {
				t.Fatalf("group %+v", g)
			}
			got[*g.Keys[0].Value] = *g.Sum
		}
		// Of Yhdessä hyvä OTE's two figures the highest counts; SATAOSAA
		// has one. No other figure reaches a million.
		want := map[string]float64{hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote"): 1500000, hub.NodeID(hub.KindPilot, "sataosaa"): 1600000}
		if !maps.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// keyOf returns the key of a "kind/key" reference.
func keyOf(ref string) string {
	for i := range ref {
		if ref[i] == '/' {
			return ref[i+1:]
		}
	}
	return ref
}
