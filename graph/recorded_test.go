package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

// recordedQueries are queries whose answer must be, with asRecorded, what
// the hub answered at that time; %s takes the asRecorded argument (or
// nothing) after other arguments.
var recordedQueries = map[string]string{
	"a collection with nested fields":           `{ pilots(first: 50 %s) { totalCount nodes { id name version partners { name } funding { amount funder { name } } administrators { name relationships(first: 50) { totalCount nodes { type to { name } } } } } } }`,
	"organisations by a relationship condition": `{ organisations(first: 100, where: { relationships: [{ types: [PARTNER_IN], direction: OUT }] } %s) { totalCount nodes { key name } } }`,
	"relationships":                `{ relationships(first: 100, where: { typeIn: [FUNDS, PARTNER_IN] } %s) { totalCount nodes { key amount { amount currency } role from { name } to { name ... on Pilot { partners { key } } } } } }`,
	"search":                       `{ search(text: "ote" %s) { matchedText node { name } } }`,
	"search by an inflected word":  `{ search(text: "kumppanin" %s) { match matchedField matchedText cursor node { name } } }`,
	"search with a typo":           `{ search(text: "korjatu" %s) { match matchedField matchedText cursor node { name } } }`,
	"node and nodes":               `{ node(id: "%[2]s" %[1]s) { ... on Pilot { name partners { name } } } nodes(ids: ["%[2]s", "%[3]s"] %[1]s) { id ... on Entity { name } } }`,
	"entityByKey":                  `{ entityByKey(kind: Pilot, key: "yhdessa-hyva-ote" %s) { name ... on Pilot { funding { amount } } } }`,
	"aggregates":                   `{ aggregates%s { nodeCounts(by: KIND) { key count } partnersPerPilot { key count } funding(by: PILOT) { key total } } }`,
	"network":                      `{ network(limit: 1000 %s) { nodes { id label degree } edges { source target type } truncated } }`,
	"networkMetrics":               `{ networkMetrics(kinds: [Organisation, Pilot] %s) { nodes { node { name } degree betweenness community } } }`,
	"paths":                        `{ paths(from: "%[2]s", to: "%[3]s", maxLength: 4 %[1]s) { length nodes { id } } }`,
	"provisions":                   `{ provisions(first: 100 %s) { totalCount nodes { provider { name } service { name } recipient { name } } } }`,
	"asOf and asRecorded together": `{ pilots(asOf: "2017-06-01" %s) { totalCount nodes { name partners { key } } } }`,
}

// recordedArg is the asRecorded argument for t, in the form the query
// takes it (aggregates has no other arguments).
func recordedArg(name string, t time.Time) string {
	v := fmt.Sprintf(`asRecorded: %q`, t.UTC().Format(time.RFC3339Nano))
	if name == "aggregates" {
		return "(" + v + ")"
	}
	return ", " + v
}

func recordedQuery(name string, arg string) string {
	q := recordedQueries[name]
	if strings.Contains(q, "%[2]s") {
		return fmt.Sprintf(q, arg, hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote"), hub.NodeID(hub.KindProgramme, "ote"))
	}
	return fmt.Sprintf(q, arg)
}

func TestAsRecorded(t *testing.T) {
	n := MustOpenSeeded(t)
	c := newClient(graph.Options{Network: n, Writer: n})
	post := func(t *testing.T, q string) string {
		t.Helper()
		resp, err := c.RawPost(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: errors %s", q, resp.Errors)
		}
		if resp.Data == nil {
			t.Fatalf("%s: no data", q)
		}
		out, _ := json.Marshal(resp.Data)
		return string(out)
	}
	// What the hub said after seeding: the oracle of every asRecorded
	// answer for a time after it.
	said := map[string]string{}
	for name := range recordedQueries {
		said[name] = post(t, recordedQuery(name, ""))
	}
	time.Sleep(3 * time.Millisecond)
	seeded := time.Now()
	time.Sleep(3 * time.Millisecond)

	// Corrections: a pilot renamed, a funding figure corrected, a
	// partnership deleted, a new partner added.
	ctx := t.Context()
	pilotID := hub.NodeID(hub.KindPilot, "yhdessa-hyva-ote")
	nodes, err := n.NodesByID(ctx, []string{pilotID})
	if err != nil || nodes[0] == nil {
		t.Fatalf("the pilot: %v %v", nodes, err)
	}
	pilot := nodes[0].Clone()
	pilot.Name.FI = "Yhdessä hyvä OTE (korjattu)"
	funds, _, err := n.FindRelationships(ctx, hub.RelationshipFilter{ToIDs: []string{pilotID}, Types: []hub.RelationshipType{hub.Funds}}, hub.ListOptions{First: hub.Unlimited})
	if err != nil || len(funds) == 0 {
		t.Fatalf("the pilot's funding: %v %v", funds, err)
	}
	fund := funds[0].Clone()
	fund.Amount = &hub.Money{Minor: fund.Amount.Minor + 10000000, Currency: fund.Amount.Currency}
	partners, _, err := n.FindRelationships(ctx, hub.RelationshipFilter{ToIDs: []string{pilotID}, Types: []hub.RelationshipType{hub.PartnerIn}}, hub.ListOptions{First: hub.Unlimited})
	if err != nil || len(partners) < 2 {
		t.Fatalf("the pilot's partners: %v %v", partners, err)
	}
	org := &hub.Node{Kind: hub.KindOrganisation, Key: "uusi-kumppani", Name: hub.LocalizedText{FI: "Uusi kumppani OTE ry"}, Type: "ASSOCIATION",
		Sources: pilot.Sources}
	org.ID = hub.NodeID(org.Kind, org.Key)
	key := hub.RelationshipKey(hub.PartnerIn, "organisation/uusi-kumppani", "pilot/yhdessa-hyva-ote", "")
	joins := &hub.Relationship{ID: hub.RelationshipID(key), Key: key, Type: hub.PartnerIn, FromID: org.ID, ToID: pilotID, Sources: pilot.Sources}
	for _, b := range []*hub.Batch{
		{Nodes: []*hub.Node{pilot}, Relationships: []*hub.Relationship{fund}},
		{DeleteRelationships: []string{partners[0].ID}},
		{Nodes: []*hub.Node{org}, Relationships: []*hub.Relationship{joins}},
	} {
		if err := hub.Prepare(ctx, n, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := n.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("every field answers as the hub said then, nested fields included", func(t *testing.T) {
		changed := 0
		for name := range recordedQueries {
			got := post(t, recordedQuery(name, recordedArg(name, seeded)))
			if got != said[name] {
				t.Errorf("%s as recorded after seeding:\n got %s\nwant %s", name, got, said[name])
			}
			if post(t, recordedQuery(name, "")) != said[name] {
				changed++
			}
		}
		// The corrections change most answers, so that the comparison
		// above tells something.
		if changed < len(recordedQueries)-4 {
			t.Errorf("only %d of %d answers changed with the corrections", changed, len(recordedQueries))
		}
	})

	t.Run("a time in the future answers the network now", func(t *testing.T) {
		for name := range recordedQueries {
			if got, now := post(t, recordedQuery(name, recordedArg(name, time.Now().Add(time.Hour)))), post(t, recordedQuery(name, "")); got != now {
				t.Errorf("%s in the future:\n got %s\nwant %s", name, got, now)
			}
		}
	})

	t.Run("before the first recorded write the network is empty", func(t *testing.T) {
		got := post(t, `{ pilots(asRecorded: "2001-01-01T00:00:00Z") { totalCount } relationships(asRecorded: "2001-01-01T00:00:00Z") { totalCount } }`)
		if got != `{"pilots":{"totalCount":0},"relationships":{"totalCount":0}}` {
			t.Errorf("got %s", got)
		}
	})

	t.Run("networkDiff between two recorded times lists what appeared, ended and changed, field by field", func(t *testing.T) {
		got := post(t, fmt.Sprintf(`{ networkDiff(recordedFrom: %q) {
			appearedNodes { name } endedNodes { name }
			appearedRelationships { key } endedRelationships { key }
			changedNodes { before { name } after { name } changes { field before after } }
			changedRelationships { before { amount { amount } } after { amount { amount } } changes { field before after } }
			truncated } }`, seeded.UTC().Format(time.RFC3339Nano)))
		var d struct {
			NetworkDiff struct {
				AppearedNodes         []struct{ Name string }
				EndedNodes            []struct{ Name string }
				AppearedRelationships []struct{ Key string }
				EndedRelationships    []struct{ Key string }
				ChangedNodes          []struct {
					Before, After struct{ Name string }
					Changes       []struct {
						Field         string
						Before, After any
					}
				}
				ChangedRelationships []struct {
					Before, After struct{ Amount struct{ Amount float64 } }
					Changes       []struct{ Field string }
				}
			}
		}
		if err := json.Unmarshal([]byte(got), &d); err != nil {
			t.Fatal(err)
		}
		nd := d.NetworkDiff
		if len(nd.AppearedNodes) != 1 || nd.AppearedNodes[0].Name != "Uusi kumppani OTE ry" || len(nd.EndedNodes) != 0 {
			t.Errorf("nodes appeared %v, ended %v", nd.AppearedNodes, nd.EndedNodes)
		}
		if len(nd.AppearedRelationships) != 1 || nd.AppearedRelationships[0].Key != key || len(nd.EndedRelationships) != 1 || nd.EndedRelationships[0].Key != partners[0].Key {
			t.Errorf("relationships appeared %v, ended %v", nd.AppearedRelationships, nd.EndedRelationships)
		}
		if len(nd.ChangedNodes) != 1 || nd.ChangedNodes[0].Before.Name != nodes[0].Name.FI || nd.ChangedNodes[0].After.Name != pilot.Name.FI ||
			len(nd.ChangedNodes[0].Changes) != 1 || nd.ChangedNodes[0].Changes[0].Field != "name" {
			t.Errorf("changed nodes: %+v", nd.ChangedNodes)
		}
		if len(nd.ChangedRelationships) != 1 || nd.ChangedRelationships[0].After.Amount.Amount != nd.ChangedRelationships[0].Before.Amount.Amount+100000 ||
			len(nd.ChangedRelationships[0].Changes) != 1 || nd.ChangedRelationships[0].Changes[0].Field != "amount" {
			t.Errorf("changed relationships: %+v", nd.ChangedRelationships)
		}
		// Recorded and valid time together: the same diff on one day.
		both := post(t, fmt.Sprintf(`{ networkDiff(from: "2017-06-01", to: "2017-06-01", recordedFrom: %q) { changedNodes { after { name } } } }`, seeded.UTC().Format(time.RFC3339Nano)))
		if !strings.Contains(both, "korjattu") {
			t.Errorf("the diff on one day between two recorded times: %s", both)
		}
	})

	t.Run("networkDiff refuses no axis and reversed times", func(t *testing.T) {
		for q, want := range map[string]string{
			`{ networkDiff { truncated } }`: "give the days",
			`{ networkDiff(recordedFrom: "2025-01-02T00:00:00Z", recordedTo: "2025-01-01T00:00:00Z") { truncated } }`: "recordedTo must not be before recordedFrom",
		} {
			errs := MustFailWith(t, c, "BAD_USER_INPUT", q)
			if !strings.Contains(errs[0].Message, want) {
				t.Errorf("%s: %q, want %q", q, errs[0].Message, want)
			}
		}
	})

	t.Run("a hub that cannot look back says so", func(t *testing.T) {
		c := newClient(graph.Options{Network: readerOnly{n}})
		MustFailWith(t, c, "STORE_UNAVAILABLE", fmt.Sprintf(`{ pilots(%s) { totalCount } }`, strings.TrimPrefix(recordedArg("pilots", seeded), ", ")))
	})
}

// readerOnly hides everything of a network but its reads.
type readerOnly struct{ hub.Reader }
