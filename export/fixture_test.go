package export

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/storetest"
)

// The small network of the tests: names with ä, ö, &, quotes and angle
// brackets, a pilot with a period, a contact with personal data, and
// parallel FUNDS edges with amounts.
const (
	contactEmail = "paivi.testaaja@example.fi"
	contactPhone = "+358 40 123 4567"
	contactTitle = "Hankepäällikkö (salainen titteli)"
	secretQuote  = "lainaus, jota ei viedä"
)

type fixture struct {
	nodes []*hub.Node
	edges []*hub.Relationship
	docs  map[string]*hub.Node
	// ids of interesting elements
	stm, yhdistys, akatemia, pilot, contact, doc string
	funds, funds2, partner, employs, contactFor  string
}

func mustDay(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func relationship(t hub.RelationshipType, from, to *hub.Node, disc string) *hub.Relationship {
	key := hub.RelationshipKey(t, hub.NodeRef(from.Kind, from.Key), hub.NodeRef(to.Kind, to.Key), disc)
	return &hub.Relationship{ID: hub.RelationshipID(key), Key: key, Type: t, FromID: from.ID, ToID: to.ID}
}

func node(kind hub.Kind, key string, name hub.LocalizedText) *hub.Node {
	return &hub.Node{ID: hub.NodeID(kind, key), Kind: kind, Key: key, Name: name}
}

func newFixture() *fixture {
	doc := node(hub.KindSourceDocument, "seed-002", hub.LocalizedText{FI: `Esitys: "OTE" & kokeilut`})
	doc.Type = "PRESENTATION"
	doc.Document = &hub.Document{Publisher: "STM", URL: "https://example.fi/ote?a=1&b=2"}

	region := node(hub.KindRegion, "09", hub.LocalizedText{FI: "Kymenlaakso", SV: "Kymmenedalen"})
	region.Type, region.Code = "REGION", "09"

	stm := node(hub.KindOrganisation, "stm", hub.LocalizedText{FI: "Sosiaali- ja terveysministeriö", SV: "Social- och hälsovårdsministeriet", EN: "Ministry of Social Affairs and Health"})
	stm.Type, stm.Abbreviations = "MINISTRY", []string{"STM", "SHM"}
	stm.Sources = []hub.Citation{{SourceID: doc.ID, Locator: "dia 1", Quote: secretQuote}}

	yhdistys := node(hub.KindOrganisation, "tyo-ja-osaaminen", hub.LocalizedText{FI: `Työ & "Osaaminen" ry`})
	yhdistys.Type, yhdistys.RegionIDs = "ASSOCIATION", []string{region.ID, hub.NodeID(hub.KindRegion, "08")}

	akatemia := node(hub.KindOrganisation, "abo", hub.LocalizedText{SV: "<Åbo> Akademi 'öppen'"})
	akatemia.Type = "EDUCATIONAL_INSTITUTION"

	pilot := node(hub.KindPilot, "yhdessa-hyva-ote", hub.LocalizedText{FI: "Yhdessä hyvä OTE", EN: "Good OTE together"})
	pilot.Type, pilot.RegionIDs = "PILOT", []string{region.ID}
	pilot.Period = &hub.Period{Start: mustDay("2017-03-01"), End: mustDay("2018-12-31")}
	pilot.Sources = []hub.Citation{
		{SourceID: doc.ID, Locator: "dia 'YHDESSÄ HYVÄ OTE' & muut", Quote: secretQuote},
		{SourceID: hub.NodeID(hub.KindSourceDocument, "missing"), Locator: "rivi 3"},
		{SourceID: doc.ID},
	}

	contact := node(hub.KindContact, "paivi-testaaja", hub.LocalizedText{FI: "Päivi Testaaja"})
	contact.Title = contactTitle
	contact.Contact = &hub.ContactDetails{Email: contactEmail, Phone: contactPhone}
	contact.Description = hub.LocalizedText{FI: "Yhteyshenkilö, " + contactEmail}
	contact.RegionIDs = []string{region.ID}
	contact.Sources = []hub.Citation{{SourceID: doc.ID, Locator: "yhteystiedot", Quote: contactEmail}}

	funds := relationship(hub.Funds, stm, pilot, "list")
	funds.Amount = &hub.Money{Minor: 120000000, Currency: "EUR"}
	funds.Period = &hub.Period{Start: mustDay("2017-01-01")}
	funds.Sources = []hub.Citation{{SourceID: doc.ID, Locator: "dia 2"}}
	funds2 := relationship(hub.Funds, stm, pilot, "slide")
	funds2.Amount = &hub.Money{Minor: 150000050, Currency: "EUR"}
	partner := relationship(hub.PartnerIn, yhdistys, pilot, "")
	partner.Role = `osatoteuttaja & "kumppani"`
	employs := relationship(hub.Employs, stm, contact, "")
	contactFor := relationship(hub.ContactFor, contact, pilot, "")
	located := relationship(hub.PartOf, akatemia, region, "")

	return &fixture{
		nodes: []*hub.Node{stm, yhdistys, akatemia, pilot, contact, region, doc},
		edges: []*hub.Relationship{funds, funds2, partner, employs, contactFor, located},
		docs:  map[string]*hub.Node{doc.ID: doc},
		stm:   stm.ID, yhdistys: yhdistys.ID, akatemia: akatemia.ID, pilot: pilot.ID,
		contact: contact.ID, doc: doc.ID,
		funds: funds.ID, funds2: funds2.ID, partner: partner.ID, employs: employs.ID, contactFor: contactFor.ID,
	}
}

func (f *fixture) options() Options {
	return Options{
		Documents: f.docs,
		Metrics: map[string]map[string]float64{
			"degree":      {f.stm: 3, f.pilot: 4, f.contact: 2, f.yhdistys: 1},
			"betweenness": {f.pilot: 0.125, f.stm: 1e-9},
		},
	}
}

// mustWrite exports in format and returns the document.
func mustWrite(tb testing.TB, format string, nodes []*hub.Node, edges []*hub.Relationship, opt Options) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(format, &buf, nodes, edges, opt); err != nil {
		tb.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// ote is the real dataset as the store returns it.
type ote struct {
	nodes []*hub.Node
	edges []*hub.Relationship
	docs  map[string]*hub.Node
	byKey map[string]*hub.Node // "Kind/key"
}

// mustLoadDataset seeds the OTE dataset into an embedded store and reads
// every node and relationship back.
func mustLoadDataset(tb testing.TB) *ote {
	tb.Helper()
	ctx := context.Background()
	s := storetest.Embedded(tb)
	if err := dataset.Seed(ctx, s); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	nodes, _, err := s.FindNodes(ctx, hub.NodeFilter{}, hub.ListOptions{First: hub.Unlimited})
	if err != nil {
		tb.Fatalf("find nodes: %v", err)
	}
	edges, _, err := s.FindRelationships(ctx, hub.RelationshipFilter{}, hub.ListOptions{First: hub.Unlimited})
	if err != nil {
		tb.Fatalf("find relationships: %v", err)
	}
	d := &ote{nodes: nodes, edges: edges, docs: map[string]*hub.Node{}, byKey: map[string]*hub.Node{}}
	for _, n := range nodes {
		if n.Kind == hub.KindSourceDocument {
			d.docs[n.ID] = n
		}
		d.byKey[string(n.Kind)+"/"+n.Key] = n
	}
	return d
}

// mustNode returns the dataset node "Kind/key".
func (d *ote) mustNode(tb testing.TB, ref string) *hub.Node {
	tb.Helper()
	n := d.byKey[ref]
	if n == nil {
		tb.Fatalf("dataset has no node %s", ref)
	}
	return n
}

// degrees counts the relationships at each node.
func degrees(edges []*hub.Relationship) map[string]float64 {
	m := map[string]float64{}
	for _, r := range edges {
		m[r.FromID]++
		m[r.ToID]++
	}
	return m
}
