package web

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// TestStableUUID: the UUIDs are the version 5 UUIDs that Python's
// uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:otehub"), name) gives,
// so that a partner can compute them from hub ids.
func TestStableUUID(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"T3JnYW5pc2F0aW9uOnN0bQ", "538b9a5e-83ee-5ab1-9719-22c173c6b82c"},
		{"U2VydmljZTpvaGphYW1v UmVnaW9uOjA5", "b6dc4edf-d078-598a-9e2f-50fc2d4ffc68"},
	} {
		if got := StableUUID(c.name); got != c.want {
			t.Errorf("StableUUID(%q) = %s, want %s", c.name, got, c.want)
		}
	}
	if got := uuidSpace.String(); got != "e52ec20d-5506-595a-b3c9-8a56ac91fe42" {
		t.Errorf("namespace %s", got)
	}
}

// TestDecimal: minor units written as exact decimals of major units.
func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		minor int64
		want  string
	}{
		{0, "0"}, {5, "0.05"}, {50, "0.5"}, {120000000, "1200000"}, {48980010, "489800.1"},
		{48980001, "489800.01"}, {-250, "-2.5"}, {-7, "-0.07"},
	} {
		if got := decimal(c.minor); string(got) != c.want {
			t.Errorf("decimal(%d) = %s, want %s", c.minor, got, c.want)
		}
	}
}

// A small network for the mappings' edge cases: a programme led by a
// ministry funds a pilot administered by a city (with a dated period)
// and a pilot that no organisation answers for (once without an
// amount); a sub-project has no organisations of its own; a service is
// provided by an organisation and a pilot, another by a pilot only.
func crossFixture() (*crossNet, map[string]*hub.Node) {
	date := func(s string) *time.Time {
		t, _ := time.Parse(time.DateOnly, s)
		return &t
	}
	recorded := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	node := func(kind hub.Kind, key, name string) *hub.Node {
		return &hub.Node{ID: hub.NodeID(kind, key), Kind: kind, Key: key, Name: hub.LocalizedText{FI: name}, CreatedAt: recorded, UpdatedAt: recorded}
	}
	ns := map[string]*hub.Node{
		"stm":     node(hub.KindOrganisation, "stm", "Ministeriö"),
		"city":    node(hub.KindOrganisation, "city", "Kaupunki"),
		"partner": node(hub.KindEmployer, "partner", "Yritys"),
		"prog":    node(hub.KindProgramme, "prog", "Ohjelma"),
		"sub":     node(hub.KindProgramme, "sub", "Osaprojekti"),
		"dated":   node(hub.KindPilot, "dated", "Pilotti A"),
		"orphan":  node(hub.KindPilot, "orphan", "Pilotti B"),
		"both":    node(hub.KindService, "both", "Palvelu A"),
		"piloted": node(hub.KindService, "piloted", "Palvelu B"),
		"doc":     node(hub.KindSourceDocument, "doc", "Lähde"),
	}
	ns["city"].BusinessID = "1234567-1"
	ns["dated"].Period = &hub.Period{Start: date("2017-04-01"), End: date("2018-12-31")}
	ns["piloted"].Period = &hub.Period{End: date("2018-12-31")}
	ns["doc"].Document = &hub.Document{Published: date("2017-09-07")}
	rel := func(t hub.RelationshipType, from, to string, euros int64) *hub.Relationship {
		r := &hub.Relationship{ID: hub.RelationshipID(string(t) + from + to), Type: t, FromID: ns[from].ID, ToID: ns[to].ID, CreatedAt: recorded, UpdatedAt: recorded}
		if euros > 0 {
			r.Amount = &hub.Money{Minor: euros * 100, Currency: "EUR"}
		}
		return r
	}
	cited := rel(hub.Funds, "prog", "orphan", 1000)
	cited.Sources = []hub.Citation{{SourceID: ns["doc"].ID}}
	rels := []*hub.Relationship{
		rel(hub.Leads, "stm", "prog", 0), rel(hub.PartOf, "sub", "prog", 0), rel(hub.PartOf, "dated", "sub", 0),
		rel(hub.Administers, "city", "dated", 0), rel(hub.PartnerIn, "partner", "dated", 0),
		rel(hub.Funds, "prog", "dated", 500000), cited, rel(hub.Funds, "prog", "orphan", 0),
		rel(hub.Provides, "dated", "both", 0), rel(hub.Provides, "partner", "both", 0), rel(hub.Provides, "dated", "piloted", 0),
	}
	var nodes []*hub.Node
	for _, n := range ns {
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b *hub.Node) int { return strings.Compare(a.ID, b.ID) })
	return newCrossNet(nodes, rels), ns
}

func TestGrantsOf(t *testing.T) {
	n, ns := crossFixture()
	pkg := grantsOf(n, Crosswalk{About: About{Publisher: "P", License: "L"}, PublisherID: "XX-P", GrantPrefix: "360G-p"}, "http://hub")
	type grant struct{ title, amount, date, recipient, funder, programme string }
	var got []grant
	for _, g := range pkg.Grants {
		got = append(got, grant{g.Title, string(g.AmountAwarded), g.AwardDate, g.RecipientOrganization[0].ID, g.FundingOrganization[0].ID, g.GrantProgramme[0].Code})
	}
	slices.SortFunc(got, func(a, b grant) int { return strings.Compare(a.title, b.title) })
	// The funding without an amount is no grant; the city's business ID
	// is its id; the pilot nobody answers for stands for itself; the
	// dated pilot's grant is dated by its start, the other by its
	// source's publication.
	want := []grant{
		{"Pilotti A", "500000", "2017-04-01", "FI-PRO-1234567-1", "XX-P-" + ns["stm"].ID, "prog"},
		{"Pilotti B", "1000", "2017-09-07", "XX-P-" + ns["orphan"].ID, "XX-P-" + ns["stm"].ID, "prog"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("grants\n got %+v\nwant %+v", got, want)
	}
}

func TestActivitiesOf(t *testing.T) {
	n, ns := crossFixture()
	doc := activitiesOf(n, Crosswalk{About: About{Publisher: "P"}, PublisherID: "XX-P"}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	type activity struct {
		hierarchy      int
		status, orgs   string
		dates, related string
	}
	got := map[string]activity{}
	for _, a := range doc.Activities {
		var orgs, dates, related []string
		for _, o := range a.ParticipatingOrg {
			orgs = append(orgs, o.Role+":"+o.Narrative[0].Text)
		}
		for _, d := range a.Dates {
			dates = append(dates, d.Type+":"+d.ISODate)
		}
		for _, r := range a.Related {
			related = append(related, r.Type+":"+strings.TrimPrefix(r.Ref, "XX-P-"))
		}
		got[strings.TrimPrefix(a.Identifier, "XX-P-")] = activity{a.Hierarchy, a.Status.Code, strings.Join(orgs, ","), strings.Join(dates, ","), strings.Join(related, ",")}
	}
	// The sub-project inherits the programme's accountable ministry;
	// activities without a period or sources are dated by the day the
	// hub recorded them; the pilot that ended is closed (4).
	want := map[string]activity{
		ns["prog"].ID:   {1, "2", "2:Ministeriö", "2:2026-01-02", "2:" + ns["sub"].ID},
		ns["sub"].ID:    {2, "2", "2:Ministeriö", "2:2026-01-02", "1:" + ns["prog"].ID + ",2:" + ns["dated"].ID},
		ns["dated"].ID:  {3, "4", "1:Ministeriö,2:Kaupunki,4:Yritys", "2:2017-04-01,4:2018-12-31", "1:" + ns["sub"].ID},
		ns["orphan"].ID: {1, "2", "1:Ministeriö", "2:2026-01-02", ""},
	}
	if len(got) != len(want) {
		t.Errorf("activities %+v", got)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("activity %s:\n got %+v\nwant %+v", id, got[id], w)
		}
	}
	// Without any organisation an activity is left out.
	delete(n.in, ns["orphan"].ID)
	for _, a := range activitiesOf(n, Crosswalk{PublisherID: "XX-P"}, time.Now()).Activities {
		if a.Identifier == "XX-P-"+ns["orphan"].ID {
			t.Error("an activity without organisations was exported")
		}
	}
}

func TestHSDSOf(t *testing.T) {
	n, ns := crossFixture()
	doc := hsdsOf(n, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	services := map[string]hsdsService{}
	for _, s := range doc.Service {
		services[s.Name] = s
	}
	// An organisation among the providers is the service's; a pilot
	// stands in with the organisation that answers for it.
	if s := services["Palvelu A"]; s.OrganizationID != StableUUID(ns["partner"].ID) || s.ProgramID != StableUUID(ns["dated"].ID) || s.Status != "active" {
		t.Errorf("Palvelu A: %+v", s)
	}
	if s := services["Palvelu B"]; s.OrganizationID != StableUUID(ns["city"].ID) || s.ProgramID != StableUUID(ns["dated"].ID) || s.Status != "inactive" {
		t.Errorf("Palvelu B: %+v", s)
	}
	if len(doc.Organization) != 3 || len(doc.Program) != 1 || doc.Program[0].OrganizationID != StableUUID(ns["city"].ID) {
		t.Errorf("%d organizations, programs %+v", len(doc.Organization), doc.Program)
	}
	var schemes []string
	for _, x := range doc.OrganizationIdentifier {
		if x.OrganizationID == StableUUID(ns["city"].ID) {
			schemes = append(schemes, x.IdentifierType+"="+x.Identifier)
		}
	}
	if !slices.Equal(schemes, []string{"otehub=" + ns["city"].ID, "Y-tunnus=1234567-1"}) {
		t.Errorf("the city's identifiers: %v", schemes)
	}
}

// TestFundingDate: the fallbacks of a funding's date, nearest first.
func TestFundingDate(t *testing.T) {
	date := func(s string) *time.Time {
		t, _ := time.Parse(time.DateOnly, s)
		return &t
	}
	recorded := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doc := func(key, published string) *hub.Node {
		return &hub.Node{ID: hub.NodeID(hub.KindSourceDocument, key), Kind: hub.KindSourceDocument, Key: key, Document: &hub.Document{Published: date(published)}}
	}
	early, late := doc("early", "2017-03-01"), doc("late", "2017-11-30")
	for _, c := range []struct {
		name           string
		fundingPeriod  *hub.Period
		pilotPeriod    *hub.Period
		fundingSources []*hub.Node
		pilotSources   []*hub.Node
		want           string
	}{
		{"the funding's start", &hub.Period{Start: date("2017-02-01")}, &hub.Period{Start: date("2017-04-01")}, []*hub.Node{early}, nil, "2017-02-01"},
		{"the pilot's start", nil, &hub.Period{Start: date("2017-04-01")}, []*hub.Node{early}, nil, "2017-04-01"},
		{"the earliest source of the funding or the pilot", nil, nil, []*hub.Node{late}, []*hub.Node{early}, "2017-03-01"},
		{"a source of the pilot only", nil, &hub.Period{End: date("2018-12-31")}, nil, []*hub.Node{late}, "2017-11-30"},
		{"nothing dated: the day recorded", nil, nil, nil, nil, "2026-01-02"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cite := func(docs []*hub.Node) (out []hub.Citation) {
				for _, d := range docs {
					out = append(out, hub.Citation{SourceID: d.ID})
				}
				return out
			}
			prog := &hub.Node{ID: hub.NodeID(hub.KindProgramme, "p"), Kind: hub.KindProgramme, Key: "p"}
			pilot := &hub.Node{ID: hub.NodeID(hub.KindPilot, "a"), Kind: hub.KindPilot, Key: "a", Period: c.pilotPeriod, Sources: cite(c.pilotSources)}
			r := &hub.Relationship{ID: "r", Type: hub.Funds, FromID: prog.ID, ToID: pilot.ID, Period: c.fundingPeriod,
				Sources: cite(c.fundingSources), CreatedAt: recorded, Amount: &hub.Money{Minor: 100, Currency: "EUR"}}
			n := newCrossNet([]*hub.Node{early, late, pilot, prog}, []*hub.Relationship{r})
			got, stated := fundingDate(n, r)
			if got != c.want || stated != (c.want != "2026-01-02") {
				t.Errorf("fundingDate = %s, %v; want %s", got, stated, c.want)
			}
		})
	}
}
