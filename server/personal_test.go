package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/storetest"
	"github.com/otehub/hub/web"
)

// personalData is what the tests must never see in an anonymous answer:
// the contacts' e-mail addresses and phone numbers, read from
// dataset/ote.json directly (not through the hub, nor its redaction).
type personalData struct {
	storetest.ContactDetails
	// contacts are the contact nodes, quoting are the other nodes whose
	// quotes hold a contact's details.
	contacts, quoting []datasetNode
}

type datasetNode struct {
	Kind, Key string
	Name      struct{ FI, SV, EN string }
	Sources   []struct{ Quote string }
}

// id is the node's global id.
func (n datasetNode) id() string { return hub.NodeID(n.kind(), n.Key) }

// kind is the node's GraphQL kind.
func (n datasetNode) kind() hub.Kind {
	return hub.Kind(strings.ToUpper(n.Kind[:1]) + n.Kind[1:])
}

func mustReadPersonalData(tb testing.TB) personalData {
	tb.Helper()
	raw, err := os.ReadFile("../dataset/ote.json")
	if err != nil {
		tb.Fatal(err)
	}
	var ds struct{ Nodes []datasetNode }
	if err := json.Unmarshal(raw, &ds); err != nil {
		tb.Fatal(err)
	}
	p := personalData{ContactDetails: storetest.MustReadContactDetails(tb, "../dataset/ote.json")}
	for _, n := range ds.Nodes {
		if n.Kind == "contact" {
			p.contacts = append(p.contacts, n)
			continue
		}
		for _, c := range n.Sources {
			if p.Find(c.Quote) != "" {
				p.quoting = append(p.quoting, n)
				break
			}
		}
	}
	if len(p.Emails) < 4 || len(p.Phones) < 3 || len(p.quoting) < 2 {
		tb.Fatalf("the dataset holds %d e-mail addresses and %d phone numbers of contacts, quoted by %d other nodes; the test checks too little",
			len(p.Emails), len(p.Phones), len(p.quoting))
	}
	return p
}

// The text fields of an entity, its relationships and their ends
// (baseFields), of a contact and of a pilot, and all of them where the
// type is only known to be an Entity (entityFields).
const (
	baseFields = `
	__typename id key name names { fi sv en } abbreviations aliases description
	sources { locator quote document { title } }
	relationships(first: 100) { nodes { role description sources { locator quote }
		from { name description sources { quote } } to { name description sources { quote } } } }`
	contactFields = `title email phone employers { name sources { quote } }`
	pilotFields   = `shortName goals funding { sources { quote } }`
	entityFields  = baseFields + ` ... on Contact { ` + contactFields + ` } ... on Pilot { ` + pilotFields + ` }`
)

// TestAnonymousCallersGetNoPersonalData asks, as an anonymous caller,
// every question through which a contact's e-mail or phone could surface
// and checks that no answer shows one.
func TestAnonymousCallersGetNoPersonalData(t *testing.T) {
	pd := mustReadPersonalData(t)
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, b.env(t))
			MustBeReady(t, m, 30*time.Second)
			markers := 0
			// ask runs a query and checks its whole answer.
			ask := func(t *testing.T, what, query string, vars map[string]any) gqlResponse {
				t.Helper()
				r := postQuery(t, m, query, vars)
				if len(r.Errors) > 0 || r.Data == nil {
					t.Fatalf("%s: errors %+v", what, r.Errors)
				}
				b, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				if leak := pd.Find(string(b)); leak != "" {
					t.Errorf("%s shows %q", what, leak)
				}
				markers += strings.Count(string(b), hub.EmailRemoved) + strings.Count(string(b), hub.PhoneRemoved)
				return r
			}

			t.Run("every playground example", func(t *testing.T) {
				for _, e := range examples {
					if e.Subscription || e.Mutation {
						continue // TestSubscriptionsOnTheEmbeddedStore and TestPlaygroundMutations run them
					}
					ask(t, "example "+e.Name, e.Query, nil)
				}
			})

			t.Run("the collections of contacts and organisations", func(t *testing.T) {
				r := ask(t, "contacts", `{ contacts(first: 100) { totalCount nodes { `+baseFields+contactFields+` } } }`, nil)
				if got := path(r.Data, "contacts", "totalCount"); got != float64(len(pd.contacts)) {
					t.Errorf("%v contacts, want %d", got, len(pd.contacts))
				}
				for _, n := range path(r.Data, "contacts", "nodes").([]any) {
					if path(n, "email") != nil || path(n, "phone") != nil {
						t.Errorf("contact %v has email %v phone %v", path(n, "key"), path(n, "email"), path(n, "phone"))
					}
				}
				ask(t, "organisations", `{ organisations(first: 100) { nodes { `+baseFields+` } } }`, nil)
				ask(t, "employers", `{ employers(first: 100) { nodes { `+baseFields+` } } }`, nil)
				ask(t, "pilots", `{ pilots(first: 100) { nodes { `+baseFields+pilotFields+` } } }`, nil)
				ask(t, "relationships", `{ relationships(first: 100) { nodes { role description sources { quote locator } } } }`, nil)
				ask(t, "source documents", `{ sourceDocuments(first: 100) { nodes { title publisher author file url } } }`, nil)
				ask(t, "provisions", `{ provisions(first: 100) { nodes { sources { quote locator } } } }`, nil)
			})

			t.Run("node, nodes and entityByKey of every contact and of the nodes that quote them", func(t *testing.T) {
				var ids []string
				for _, n := range slices.Concat(pd.contacts, pd.quoting) {
					ids = append(ids, n.id())
					r := ask(t, "node "+n.Key, `query($id: ID!) { node(id: $id) { ... on Entity { `+entityFields+` } } }`, map[string]any{"id": n.id()})
					if path(r.Data, "node", "key") != n.Key {
						t.Errorf("node(%s) = %v", n.Key, path(r.Data, "node"))
					}
					r = ask(t, "entityByKey "+n.Key, `query($kind: NodeKind!, $key: String!) { entityByKey(kind: $kind, key: $key) { `+entityFields+` } }`,
						map[string]any{"kind": n.kind(), "key": n.Key})
					if path(r.Data, "entityByKey", "key") != n.Key {
						t.Errorf("entityByKey(%s) = %v", n.Key, path(r.Data, "entityByKey"))
					}
				}
				ask(t, "nodes", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Entity { `+entityFields+` } } }`, map[string]any{"ids": ids})
			})

			t.Run("search for a contact's name, address or number", func(t *testing.T) {
				for _, n := range pd.contacts {
					r := ask(t, "search "+n.Name.FI, `query($text: String!) { search(text: $text) { matchedText node { `+entityFields+` } } }`,
						map[string]any{"text": n.Name.FI})
					if len(path(r.Data, "search").([]any)) == 0 {
						t.Errorf("search %q finds nothing", n.Name.FI)
					}
				}
				for _, secret := range slices.Concat(pd.Emails, pd.Phones) {
					ask(t, "search "+secret, `query($text: String!) { search(text: $text) { matchedText node { name } } }`, map[string]any{"text": secret})
				}
			})

			t.Run("the network and neighbourhood around every contact", func(t *testing.T) {
				const view = `nodes { label node { ` + entityFields + ` } } edges { relationship { role description sources { quote locator } } }`
				for _, n := range pd.contacts {
					ask(t, "network "+n.Key, `query($id: ID!) { network(center: [$id], depth: 2) { `+view+` } }`, map[string]any{"id": n.id()})
					ask(t, "neighbourhood "+n.Key, `query($id: ID!) { neighbourhood(id: $id, depth: 2) { `+view+` } }`, map[string]any{"id": n.id()})
				}
			})

			t.Run("the three exports", func(t *testing.T) {
				queries := []string{"?limit=1000&metrics=degree,community"}
				for _, n := range slices.Concat(pd.contacts, pd.quoting) {
					queries = append(queries, "?depth=2&center="+url.QueryEscape(n.id()))
				}
				for _, format := range []string{"graphml", "gexf", "json"} {
					for _, q := range queries {
						resp, err := http.Get(m.URL() + "/export/network." + format + q)
						if err != nil {
							t.Fatal(err)
						}
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							t.Fatalf("network.%s%s: %s", format, q, resp.Status)
						}
						if leak := pd.Find(string(body)); leak != "" {
							t.Errorf("network.%s%s shows %q", format, q, leak)
						}
					}
				}
			})

			// The answers held the quotes that state the details, so the
			// markers must have stood in for them.
			if markers == 0 {
				t.Errorf("no answer holds %q or %q: the quotes that state contacts' details were not asked for", hub.EmailRemoved, hub.PhoneRemoved)
			}
		})
	}
}
