package hub_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/storetest"
)

// mustCode fails unless err carries code and a message containing every
// substring.
func mustCode(t *testing.T, err error, code string, substrings ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := hub.ErrorCode(err); got != code {
		t.Fatalf("error %q has code %s, want %s", err, got, code)
	}
	msg := hub.ErrorMessage(err)
	for _, s := range substrings {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q does not say %q", msg, s)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Päijät-Häme", "paijat hame"},
		{"PÄHEE OTE", "pahee ote"},
		{"Åland", "aland"},
		{"Ahvenanmaa / Åland", "ahvenanmaa aland"},
		{"A\u0308a\u030A", "aa"}, // decomposed ä and å
		{"Työ- ja elinkeinoministeriö", "tyo ja elinkeinoministerio"},
		{"  --OTE!!  2.0 ?? ", "ote 2 0"},
		{"a,,,b...c\t\nd", "a b c d"},
		{"Päijät–Häme", "paijat hame"}, // en dash
		{"ÉCOLE Crème brûlée", "ecole creme brulee"},
		{"OTE-pilotti 2021–2024", "ote pilotti 2021 2024"},
		{"", ""},
		{"---", ""},
		{"   ", ""},
	} {
		if got := hub.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIDs(t *testing.T) {
	t.Run("every node kind round-trips through ParseID", func(t *testing.T) {
		seen := map[string]bool{}
		for _, k := range hub.Kinds {
			id := hub.NodeID(k, "avain-1")
			got, err := hub.ParseID(id)
			if err != nil || got != string(k) {
				t.Errorf("ParseID(NodeID(%s)) = %q, %v", k, got, err)
			}
			if seen[id] {
				t.Errorf("NodeID(%s) repeats another kind's id", k)
			}
			seen[id] = true
		}
	})
	t.Run("relationship ids are stable, distinct and parse as Relationship", func(t *testing.T) {
		a := hub.RelationshipID(hub.RelationshipKey(hub.Funds, "Organisation/tem", "Pilot/pahee", ""))
		b := hub.RelationshipID(hub.RelationshipKey(hub.Funds, "Organisation/tem", "Pilot/pahee", "2023"))
		if a == b {
			t.Error("a discriminator does not change the id")
		}
		if a != hub.RelationshipID("FUNDS:Organisation/tem:Pilot/pahee") {
			t.Error("RelationshipID is not a function of the key")
		}
		long := hub.RelationshipID(strings.Repeat("k", 1000))
		for _, id := range []string{a, b, long} {
			if got, err := hub.ParseID(id); err != nil || got != "Relationship" {
				t.Errorf("ParseID(%s) = %q, %v", id, got, err)
			}
		}
		if len(long) > 64 {
			t.Errorf("the id of a long key is %d bytes long", len(long))
		}
	})
	t.Run("node ids depend on kind and key only", func(t *testing.T) {
		again := hub.NodeID(hub.KindPilot, "a")
		if hub.NodeID(hub.KindPilot, "a") != again || hub.NodeID(hub.KindPilot, "a") == hub.NodeID(hub.KindPilot, "b") ||
			hub.NodeID(hub.KindPilot, "a") == hub.NodeID(hub.KindProgramme, "a") {
			t.Error("NodeID is not an injective function of kind and key")
		}
	})

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ name, id string }{
		{"empty", ""},
		{"not base64", "!!!"},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte("Pilot:a"))},
		{"standard base64 alphabet", base64.RawStdEncoding.EncodeToString([]byte("Pilot:a??>"))},
		{"no separator", b64("Pilot")},
		{"no key", b64("Pilot:")},
		{"unknown kind", b64("Planet:mars")},
		{"lower-case kind", b64("pilot:a")},
		{"a kind name only", "Pilot"},
		{"overlong", hub.NodeID(hub.KindPilot, strings.Repeat("a", 600))},
	} {
		t.Run("ParseID refuses "+tc.name, func(t *testing.T) {
			kind, err := hub.ParseID(tc.id)
			mustCode(t, err, hub.EINVALID, "is not a valid id")
			if kind != "" {
				t.Errorf("ParseID returned kind %q with its error", kind)
			}
			if len(hub.ErrorMessage(err)) > 120 {
				t.Errorf("the message quotes the whole id: %d bytes", len(hub.ErrorMessage(err)))
			}
		})
	}
}

func TestCursor(t *testing.T) {
	name := []hub.Order{{Field: hub.OrderByName}}
	nameDesc := []hub.Order{{Field: hub.OrderByName, Desc: true}}
	startName := []hub.Order{{Field: hub.OrderByStartDate, Desc: true}, {Field: hub.OrderByName}}

	t.Run("round trip", func(t *testing.T) {
		for _, tc := range []struct {
			orders []hub.Order
			values []string
			id     string
		}{
			{name, []string{"paijat hame"}, hub.NodeID(hub.KindRegion, "paijat-hame")},
			{startName, []string{"", "ääkköset \"quoted\" / slash"}, "id"},
			{nil, []string{}, hub.RelationshipID("k")},
			{[]hub.Order{{Field: hub.OrderByID, Desc: true}}, []string{"x"}, "x"},
		} {
			s := hub.EncodeCursor(tc.orders, tc.values, tc.id)
			if strings.ContainsAny(s, "+/=") {
				t.Errorf("cursor %q is not URL-safe", s)
			}
			c, err := hub.DecodeCursor(tc.orders, s)
			if err != nil {
				t.Fatalf("DecodeCursor(EncodeCursor(%v, %q, %q)): %v", tc.orders, tc.values, tc.id, err)
			}
			if !slices.Equal(c.Values, tc.values) || c.ID != tc.id {
				t.Errorf("round trip of %q, %q gave %q, %q", tc.values, tc.id, c.Values, c.ID)
			}
		}
	})

	good := hub.EncodeCursor(name, []string{"abc"}, "id-1")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name   string
		orders []hub.Order
		cursor string
		says   string
	}{
		{"empty", name, "", "invalid cursor"},
		{"not base64", name, good + "!", "invalid cursor"},
		{"tampered in the middle", name, good[:5] + "*" + good[6:], "invalid cursor"},
		{"truncated", name, good[:len(good)-3], "invalid cursor"},
		{"base64 of garbage", name, b64("not json at all"), "invalid cursor"},
		{"base64 of the wrong JSON shape", name, b64(`{"o":1,"v":"x","i":2}`), "invalid cursor"},
		{"without an id", name, b64(`{"o":"NAME,","v":["abc"]}`), "invalid cursor"},
		{"overlong", name, strings.Repeat("A", 4096), "invalid cursor"},
		{"made for the other direction", nameDesc, good, "another orderBy"},
		{"made for another field", []hub.Order{{Field: hub.OrderByStartDate}}, good, "another orderBy"},
		{"made for a longer order", startName, good, "another orderBy"},
		{"made for the default id order", nil, good, "another orderBy"},
		{"with the wrong number of values", name, b64(`{"o":"NAME,","v":["a","b"],"i":"id"}`), "another orderBy"},
	} {
		t.Run("DecodeCursor refuses a cursor "+tc.name, func(t *testing.T) {
			c, err := hub.DecodeCursor(tc.orders, tc.cursor)
			mustCode(t, err, hub.EINVALID, tc.says)
			if c != nil {
				t.Errorf("DecodeCursor returned %+v with its error", c)
			}
			if len(hub.ErrorMessage(err)) > 200 {
				t.Errorf("the message quotes the whole cursor: %d bytes", len(hub.ErrorMessage(err)))
			}
		})
	}
}

func TestPageSize(t *testing.T) {
	p := func(n int) *int { return &n }
	for _, tc := range []struct {
		name  string
		first *int
		want  int
		fails bool
	}{
		{"nil is the default", nil, hub.DefaultPageSize, false},
		{"zero", p(0), 0, false},
		{"one", p(1), 1, false},
		{"the maximum", p(100), 100, false},
		{"above the maximum", p(101), 0, true},
		{"negative", p(-1), 0, true},
		{"Unlimited is not for clients", p(hub.Unlimited), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hub.PageSize("first", tc.first)
			if tc.fails {
				mustCode(t, err, hub.EINVALID, "first must be between 0 and 100")
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("PageSize = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if hub.DefaultPageSize != 20 || hub.MaxPageSize != 100 {
		t.Errorf("page limits are %d and %d, want 20 and 100", hub.DefaultPageSize, hub.MaxPageSize)
	}
}

func TestCheckOrder(t *testing.T) {
	o := func(f hub.OrderField) hub.Order { return hub.Order{Field: f} }
	d := func(f hub.OrderField) hub.Order { return hub.Order{Field: f, Desc: true} }
	nodes, rels := hub.NodeOrderFields, hub.RelationshipOrderFields
	for _, tc := range []struct {
		name    string
		orders  []hub.Order
		allowed []hub.OrderField
		def     hub.OrderField
		want    []hub.Order
		says    string // a failure message, when it must fail
	}{
		{"nodes default to NAME", nil, nodes, hub.OrderByName, []hub.Order{o(hub.OrderByName)}, ""},
		{"relationships default to TYPE", []hub.Order{}, rels, hub.OrderByType, []hub.Order{o(hub.OrderByType)}, ""},
		{"a descending key is kept", []hub.Order{d(hub.OrderByName)}, nodes, hub.OrderByName, []hub.Order{d(hub.OrderByName)}, ""},
		{"several keys keep their order", []hub.Order{d(hub.OrderByKind), o(hub.OrderByStartDate)}, nodes, hub.OrderByName,
			[]hub.Order{d(hub.OrderByKind), o(hub.OrderByStartDate)}, ""},
		{"ascending ID alone is the tie-breaker", []hub.Order{o(hub.OrderByID)}, nodes, hub.OrderByName, nil, ""},
		{"a trailing ascending ID is dropped", []hub.Order{o(hub.OrderByName), o(hub.OrderByID)}, nodes, hub.OrderByName, []hub.Order{o(hub.OrderByName)}, ""},
		{"descending ID is kept", []hub.Order{d(hub.OrderByID)}, rels, hub.OrderByType, []hub.Order{d(hub.OrderByID)}, ""},
		{"TYPE is not a node order", []hub.Order{o(hub.OrderByType)}, nodes, hub.OrderByName, nil, "cannot order by TYPE"},
		{"NAME is not a relationship order", []hub.Order{o(hub.OrderByName)}, rels, hub.OrderByType, nil, "cannot order by NAME"},
		{"an unknown field", []hub.Order{o("COLOUR")}, nodes, hub.OrderByName, nil, "cannot order by COLOUR"},
		{"a field twice", []hub.Order{o(hub.OrderByName), d(hub.OrderByName)}, nodes, hub.OrderByName, nil, "names NAME twice"},
		{"ID twice", []hub.Order{o(hub.OrderByID), d(hub.OrderByID)}, nodes, hub.OrderByName, nil, "names ID twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hub.CheckOrder(tc.orders, tc.allowed, tc.def)
			if tc.says != "" {
				mustCode(t, err, hub.EINVALID, tc.says)
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("CheckOrder(%v) = %v, %v; want %v", tc.orders, got, err, tc.want)
			}
		})
	}

	// Keys after ID cannot change an order, since ids are unique: an
	// ascending ID first must order by id, not by the keys after it.
	t.Run("ascending ID before another key orders by id", func(t *testing.T) {
		got, err := hub.CheckOrder([]hub.Order{o(hub.OrderByID), o(hub.OrderByName)}, nodes, hub.OrderByName)
		if err != nil {
			t.Fatal(err)
		}
		a := &hub.Node{ID: "a", SortName: "zzz"}
		b := &hub.Node{ID: "b", SortName: "aaa"}
		page, _ := hub.PageNodes([]*hub.Node{b, a}, hub.ListOptions{OrderBy: got, First: hub.Unlimited})
		if page[0] != a {
			t.Errorf("orderBy [ID, NAME] became %v, which puts id b before id a", got)
		}
	})
}

func TestLocalizedTextIn(t *testing.T) {
	all := hub.LocalizedText{FI: "fi", SV: "sv", EN: "en"}
	for _, tc := range []struct {
		text hub.LocalizedText
		lang hub.Language
		want string
	}{
		{all, hub.Finnish, "fi"},
		{all, hub.Swedish, "sv"},
		{all, hub.English, "en"},
		{hub.LocalizedText{SV: "sv", EN: "en"}, hub.Finnish, "sv"},
		{hub.LocalizedText{EN: "en"}, hub.Finnish, "en"},
		{hub.LocalizedText{FI: "fi", EN: "en"}, hub.Swedish, "fi"},
		{hub.LocalizedText{EN: "en"}, hub.Swedish, "en"},
		{hub.LocalizedText{FI: "fi", SV: "sv"}, hub.English, "fi"},
		{hub.LocalizedText{SV: "sv"}, hub.English, "sv"},
		{hub.LocalizedText{SV: "sv"}, "de", "sv"},
		{hub.LocalizedText{}, hub.Finnish, ""},
	} {
		if got := tc.text.In(tc.lang); got != tc.want {
			t.Errorf("%+v.In(%s) = %q, want %q", tc.text, tc.lang, got, tc.want)
		}
	}
	if got := (hub.LocalizedText{EN: "en", FI: "fi"}).All(); !slices.Equal(got, []string{"fi", "en"}) {
		t.Errorf("All = %q, want fallback order", got)
	}
	n := &hub.Node{Key: "avain"}
	if got := n.DisplayName(hub.Finnish); got != "avain" {
		t.Errorf("DisplayName without a name = %q, want the key", got)
	}
}

func TestPeriodStatusOn(t *testing.T) {
	d := func(s string) *time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	today := *d("2024-06-15")
	for _, tc := range []struct {
		name string
		p    *hub.Period
		want hub.Status
	}{
		{"no period", nil, hub.StatusUnknown},
		{"no known ends", &hub.Period{}, hub.StatusUnknown},
		{"starts tomorrow", &hub.Period{Start: d("2024-06-16"), End: d("2024-12-31")}, hub.StatusPlanned},
		{"starts tomorrow, no end", &hub.Period{Start: d("2024-06-16")}, hub.StatusPlanned},
		{"starts today", &hub.Period{Start: d("2024-06-15"), End: d("2024-12-31")}, hub.StatusActive},
		{"ends today", &hub.Period{Start: d("2024-01-01"), End: d("2024-06-15")}, hub.StatusActive},
		{"a single day, today", &hub.Period{Start: d("2024-06-15"), End: d("2024-06-15")}, hub.StatusActive},
		{"ended yesterday", &hub.Period{Start: d("2024-01-01"), End: d("2024-06-14")}, hub.StatusEnded},
		{"ended, start unknown", &hub.Period{End: d("2024-06-14")}, hub.StatusEnded},
		{"running, start unknown", &hub.Period{End: d("2024-06-16")}, hub.StatusActive},
		{"started, end unknown", &hub.Period{Start: d("2024-01-01")}, hub.StatusUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.StatusOn(today); got != tc.want {
				t.Errorf("StatusOn = %s, want %s", got, tc.want)
			}
			// Contains agrees with ACTIVE wherever both ends are known.
			if tc.p != nil && tc.p.Start != nil && tc.p.End != nil && tc.p.Contains(today) != (tc.want == hub.StatusActive) {
				t.Errorf("Contains = %v, but the status is %s", tc.p.Contains(today), tc.want)
			}
		})
	}

	// Ends are inclusive days, so the whole of the last day is inside the
	// period, whatever the time of day of the instant asked about (the
	// GraphQL layer asks with time.Now()).
	t.Run("the last day is ACTIVE all day", func(t *testing.T) {
		p := &hub.Period{Start: d("2024-01-01"), End: d("2024-06-15")}
		for _, at := range []time.Time{
			time.Date(2024, time.June, 15, 0, 0, 0, 0, time.UTC),
			time.Date(2024, time.June, 15, 0, 0, 0, 1, time.UTC),
			time.Date(2024, time.June, 15, 15, 30, 0, 0, time.UTC),
			time.Date(2024, time.June, 15, 23, 59, 59, 999_999_999, time.UTC),
		} {
			if got := p.StatusOn(at); got != hub.StatusActive {
				t.Errorf("StatusOn(%s) = %s, want %s", at.Format(time.RFC3339Nano), got, hub.StatusActive)
			}
			if !p.Contains(at) {
				t.Errorf("Contains(%s) = false, want true", at.Format(time.RFC3339Nano))
			}
		}
		if got := p.StatusOn(time.Date(2024, time.June, 16, 0, 0, 0, 0, time.UTC)); got != hub.StatusEnded {
			t.Errorf("StatusOn the day after = %s, want %s", got, hub.StatusEnded)
		}
	})
}

// prepareFixture is the store state the Prepare tests read: a source
// document, a region, a pilot with a PART_OF parent, and an organisation.
type prepareFixture struct {
	store                                hub.Network
	src, region, pilot, programme, other *hub.Node
}

var (
	eet = time.FixedZone("EET", 2*60*60)
	t0  = time.Date(2025, time.March, 14, 9, 26, 53, 589_793_238, eet)
)

// srcID is the id of the fixture's source document.
var srcID = hub.NodeID(hub.KindSourceDocument, "src")

func cite(id string) []hub.Citation { return []hub.Citation{{SourceID: id}} }

func newPrepareFixture(t *testing.T) *prepareFixture {
	es, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { es.Close() })
	s := storetest.Follow(t, es)
	f := &prepareFixture{store: s}
	f.src = &hub.Node{Kind: hub.KindSourceDocument, Key: "src", Type: "WEB_PAGE", Name: hub.LocalizedText{FI: "Lähde"}, Document: &hub.Document{}}
	f.region = &hub.Node{Kind: hub.KindRegion, Key: "uusimaa", Type: "REGION", Code: "01", Name: hub.LocalizedText{FI: "Uusimaa"}, Sources: cite(srcID)}
	f.pilot = &hub.Node{Kind: hub.KindPilot, Key: "pilotti", Type: "PILOT", Name: hub.LocalizedText{FI: "Pilotti"}, Sources: f.region.Sources}
	f.programme = &hub.Node{Kind: hub.KindProgramme, Key: "ohjelma", Type: "PROGRAMME", Name: hub.LocalizedText{FI: "Ohjelma"}, Sources: f.region.Sources}
	f.other = &hub.Node{Kind: hub.KindOrganisation, Key: "org", Type: "OTHER", Name: hub.LocalizedText{FI: "Organisaatio"}, Sources: f.region.Sources,
		ExternalIDs: []hub.ExternalID{{Scheme: "kela", ID: "ORG-1"}}}
	b := &hub.Batch{
		Nodes:         []*hub.Node{f.src, f.region, f.pilot, f.programme, f.other},
		Relationships: []*hub.Relationship{f.rel(hub.PartOf, f.pilot, f.programme, "")},
	}
	if err := hub.Prepare(t.Context(), s, b, t0); err != nil {
		t.Fatalf("Prepare of the fixture: %v", err)
	}
	if err := s.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *prepareFixture) node(kind hub.Kind, key string) *hub.Node {
	n := &hub.Node{Kind: kind, Key: key, Name: hub.LocalizedText{FI: "Nimi " + key}, Sources: cite(srcID)}
	if types := hub.NodeTypes(kind); len(types) > 0 {
		n.Type = types[0]
	}
	return n
}

func (f *prepareFixture) rel(typ hub.RelationshipType, from, to *hub.Node, disc string) *hub.Relationship {
	return &hub.Relationship{
		Key:     hub.RelationshipKey(typ, hub.NodeRef(from.Kind, from.Key), hub.NodeRef(to.Kind, to.Key), disc),
		Type:    typ,
		FromID:  hub.NodeID(from.Kind, from.Key),
		ToID:    hub.NodeID(to.Kind, to.Key),
		Sources: cite(srcID),
	}
}

func TestPrepareRefuses(t *testing.T) {
	day := func(s string) *time.Time {
		v, _ := time.Parse(time.DateOnly, s)
		return &v
	}
	for _, tc := range []struct {
		name  string
		batch func(f *prepareFixture) *hub.Batch
		says  []string
	}{
		{"an unknown kind", func(f *prepareFixture) *hub.Batch {
			n := f.node("Planet", "mars")
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{`unknown node kind "Planet"`}},
		{"a key with upper case and spaces", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Nodes: []*hub.Node{f.node(hub.KindPilot, "Bad Key")}}
		}, []string{`"Bad Key"`, "lower-case letters, digits or dashes"}},
		{"an empty key", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Nodes: []*hub.Node{f.node(hub.KindPilot, "")}}
		}, []string{"node key"}},
		{"a key starting with a dash", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Nodes: []*hub.Node{f.node(hub.KindPilot, "-a")}}
		}, []string{"node key"}},
		{"a key of 101 characters", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Nodes: []*hub.Node{f.node(hub.KindPilot, strings.Repeat("a", 101))}}
		}, []string{"1-100"}},
		{"an id that is not the kind and key's", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.ID = hub.NodeID(hub.KindPilot, "b")
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Pilot/a has id"}},
		{"a missing name", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "nimeton")
			n.Name = hub.LocalizedText{}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Pilot/nimeton has no name"}},
		{"a name over 500 bytes", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "pitka")
			n.Aliases = []string{strings.Repeat("ä", 251)}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Pilot/pitka has a name longer than 500 bytes"}},
		{"a type of another kind", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Type = "SEMINAR"
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{`type "SEMINAR" is not one of`, "PILOT"}},
		{"a missing type", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindEvent, "a")
			n.Type = ""
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Event/a", `type "" is not one of`}},
		{"a type on a kind without types", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindTheme, "a")
			n.Type = "PILOT"
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"a Theme has no type"}},
		{"a code on a non-region", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindOrganisation, "a")
			n.Code = "091"
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Organisation/a", "only regions have a code"}},
		{"a classification on a non-region", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindOrganisation, "a")
			n.Classification = &hub.Classification{Scheme: "kunta", Year: 2023}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Organisation/a", "only regions have a classification"}},
		{"a municipality classified as a region", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindRegion, "a")
			n.Type, n.Code = "MUNICIPALITY", "091"
			n.Classification = &hub.Classification{Scheme: "maakunta", Year: 2023}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Region/a", `codes come from the classification "kunta", not "maakunta"`}},
		{"a classification year out of range", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindRegion, "a")
			n.Type, n.Code = "WELLBEING_SERVICES_COUNTY", "01"
			n.Classification = &hub.Classification{Scheme: "hyvinvointialue", Year: 23}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Region/a", "classification year 23"}},
		{"a classified region without a code", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindRegion, "a")
			n.Type, n.Code = "REGION", ""
			n.Classification = &hub.Classification{Scheme: "maakunta", Year: 2023}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Region/a", "a classified region has a code"}},
		{"a classification page that is not a web address", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindRegion, "a")
			n.Type, n.Code = "REGION", "01"
			n.Classification = &hub.Classification{Scheme: "maakunta", Year: 2023, URL: "ftp://stat.fi/maakunta"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Region/a", "is not an http or https URL"}},
		{"contact details on a non-contact", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindOrganisation, "a")
			n.Contact = &hub.ContactDetails{Email: "a@example.org"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"only contacts have a title or contact details"}},
		{"a title on a non-contact", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Title = "Johtaja"
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"only contacts have a title or contact details"}},
		{"document details on a non-document", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Document = &hub.Document{URL: "https://example.org"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"source documents, and only they, have document details"}},
		{"a document without document details", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindSourceDocument, "a")
			n.Sources = nil
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"source documents, and only they, have document details"}},
		{"a node without a source", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Sources = nil
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Pilot/a has no source"}},
		{"a citation of a non-document in the store", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Sources = cite(f.region.ID)
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Pilot/a cites", hub.NodeID(hub.KindRegion, "uusimaa"), "which is not a source document"}},
		{"a citation of a non-document in the batch", func(f *prepareFixture) *hub.Batch {
			a, b := f.node(hub.KindPilot, "a"), f.node(hub.KindTheme, "b")
			a.Sources = cite(hub.NodeID(hub.KindTheme, "b"))
			return &hub.Batch{Nodes: []*hub.Node{a, b}}
		}, []string{"which is not a source document"}},
		{"a citation of an unknown id", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Sources = cite(hub.NodeID(hub.KindSourceDocument, "missing"))
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"which is not a source document"}},
		{"a relationship citing a non-document", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.RefersTo, f.other, f.pilot, "")
			r.Sources = cite(f.other.ID)
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"relationship REFERS_TO:organisation/org:pilot/pilotti cites"}},
		{"a relationship without a source", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.RefersTo, f.other, f.pilot, "")
			r.Sources = nil
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"has no source"}},
		{"a region id that is not a region", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindOrganisation, "a")
			n.RegionIDs = []string{f.region.ID, f.pilot.ID}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Organisation/a names region", hub.NodeID(hub.KindPilot, "pilotti"), "which is not a region"}},
		{"an unknown region id", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindOrganisation, "a")
			n.RegionIDs = []string{hub.NodeID(hub.KindRegion, "missing")}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"which is not a region"}},
		{"a relationship from an unknown node", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Relationships: []*hub.Relationship{f.rel(hub.Leads, f.node(hub.KindOrganisation, "missing"), f.pilot, "")}}
		}, []string{"starts at unknown node", hub.NodeID(hub.KindOrganisation, "missing")}},
		{"a relationship to an unknown node", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Relationships: []*hub.Relationship{f.rel(hub.Leads, f.other, f.node(hub.KindPilot, "missing"), "")}}
		}, []string{"ends at unknown node", hub.NodeID(hub.KindPilot, "missing")}},
		{"a relationship to a relationship id", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Leads, f.other, f.pilot, "")
			r.ToID = hub.RelationshipID(hub.RelationshipKey(hub.PartOf, "Pilot/pilotti", "Programme/ohjelma", ""))
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"ends at unknown node"}},
		{"a self-loop", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Relationships: []*hub.Relationship{f.rel(hub.RefersTo, f.other, f.other, "")}}
		}, []string{"links a node to itself"}},
		{"an unknown relationship type", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Relationships: []*hub.Relationship{f.rel("LIKES", f.other, f.pilot, "")}}
		}, []string{`unknown relationship type "LIKES"`}},
		{"a relationship without a key", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Leads, f.other, f.pilot, "")
			r.Key = ""
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"relationship key must be 1-1000 bytes"}},
		{"a relationship id that is not the key's", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Leads, f.other, f.pilot, "")
			r.ID = hub.RelationshipID("other")
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"has id"}},
		{"an amount on a non-FUNDS relationship", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Leads, f.other, f.pilot, "")
			r.Amount = &hub.Money{Minor: 100, Currency: "EUR"}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"only FUNDS relationships carry an amount"}},
		{"a lower-case currency", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Funds, f.other, f.pilot, "")
			r.Amount = &hub.Money{Minor: 100, Currency: "eur"}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"ISO 4217 currency"}},
		{"a missing currency", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Funds, f.other, f.pilot, "")
			r.Amount = &hub.Money{Minor: 100}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"ISO 4217 currency"}},
		{"a negative amount", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Funds, f.other, f.pilot, "")
			r.Amount = &hub.Money{Minor: -1, Currency: "EUR"}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"non-negative value"}},
		{"a node period that ends before it starts", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Period = &hub.Period{Start: day("2024-02-01"), End: day("2024-01-31")}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"Pilot/a: period ends before it starts"}},
		{"a relationship period that ends before it starts", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Leads, f.other, f.pilot, "")
			r.Period = &hub.Period{Start: day("2024-02-01"), End: day("2023-02-01")}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"period ends before it starts"}},
		{"a second PART_OF parent in the batch", func(f *prepareFixture) *hub.Batch {
			a, p1, p2 := f.node(hub.KindPilot, "a"), f.node(hub.KindProgramme, "p1"), f.node(hub.KindProgramme, "p2")
			return &hub.Batch{Nodes: []*hub.Node{a, p1, p2}, Relationships: []*hub.Relationship{
				f.rel(hub.PartOf, a, p1, ""), f.rel(hub.PartOf, a, p2, ""),
			}}
		}, []string{"PART_OF:pilot/a:programme/p2", "gives a second parent (PART_OF)", "PART_OF:pilot/a:programme/p1"}},
		{"a second PART_OF parent against the store", func(f *prepareFixture) *hub.Batch {
			p2 := f.node(hub.KindProgramme, "p2")
			return &hub.Batch{Nodes: []*hub.Node{p2}, Relationships: []*hub.Relationship{f.rel(hub.PartOf, f.pilot, p2, "")}}
		}, []string{"PART_OF:pilot/pilotti:programme/p2", "gives a second parent (PART_OF)", "PART_OF:pilot/pilotti:programme/ohjelma"}},
		{"a node twice in the batch", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Nodes: []*hub.Node{f.node(hub.KindPilot, "a"), f.node(hub.KindTheme, "a"), f.node(hub.KindPilot, "a")}}
		}, []string{"node Pilot/a appears twice in the batch"}},
		{"an unknown currency", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Funds, f.other, f.pilot, "")
			r.Amount = &hub.Money{Minor: 100, Currency: "EUX"}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{`"EUX" is not an ISO 4217 currency code`}},
		{"an e-mail address without a domain", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindContact, "c")
			n.Contact = &hub.ContactDetails{Email: "matti.meikalainen"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"is not an e-mail address"}},
		{"an e-mail address with a display name", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindContact, "c")
			n.Contact = &hub.ContactDetails{Email: "Matti <matti@example.fi>"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"is not an e-mail address"}},
		{"a phone number with letters", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindContact, "c")
			n.Contact = &hub.ContactDetails{Phone: "050 123 ABC"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"is not a phone number"}},
		{"a document URL that is not http", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindSourceDocument, "d")
			n.Document = &hub.Document{URL: "javascript:alert(1)"}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"is not an http or https URL"}},
		{"an alternative of a contact's details", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Alternatives = []hub.Alternative{{Field: "contact", Value: []byte(`{"email":"a@b.fi"}`), Sources: cite(srcID)}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{`"contact" cannot hold alternatives`}},
		{"an alternative that is the row's own value", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Alternatives = []hub.Alternative{{Field: "name", Value: []byte(`{ "fi": "Nimi a" }`), Sources: cite(srcID)}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"the alternative name is the value the row holds"}},
		{"an alternative period that ends before it starts", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Alternatives = []hub.Alternative{{Field: "period", Value: []byte(`{"start":"2020-01-01T00:00:00Z","end":"2019-01-01T00:00:00Z"}`), Sources: cite(srcID)}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"the alternative period", "period ends before it starts"}},
		{"an alternative of the wrong type", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Alternatives = []hub.Alternative{{Field: "name", Value: []byte(`42`), Sources: cite(srcID)}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"the alternative name is not a value of that field"}},
		{"an alternative without a source", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Alternatives = []hub.Alternative{{Field: "name", Value: []byte(`{"fi":"Toinen"}`)}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"has no source"}},
		{"an alternative amount on a relationship that carries none", func(f *prepareFixture) *hub.Batch {
			r := f.rel(hub.Leads, f.other, f.pilot, "")
			r.Alternatives = []hub.Alternative{{Field: "amount", Value: []byte(`{"minor":1,"currency":"EUR"}`), Sources: cite(srcID)}}
			return &hub.Batch{Relationships: []*hub.Relationship{r}}
		}, []string{"only FUNDS relationships carry an amount"}},
		{"a citation of a document that is also a statement", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Sources = []hub.Citation{{SourceID: srcID, StatedBy: "alice"}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"cite one or the other"}},
		{"a citation of nothing", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Sources = []hub.Citation{{Locator: "s. 2"}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"no source document and no one who stated it"}},
		{"a citation for a field the row does not have", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.Sources = []hub.Citation{{SourceID: srcID, Fields: []string{"colour"}}}
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{`cites a source for "colour"`}},
		{"a business ID with a wrong check digit", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindOrganisation, "a")
			n.BusinessID = "0245437-3"
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{`"0245437-3" is not a Finnish business ID`}},
		{"a business ID on a pilot", func(f *prepareFixture) *hub.Batch {
			n := f.node(hub.KindPilot, "a")
			n.BusinessID = "0245437-2"
			return &hub.Batch{Nodes: []*hub.Node{n}}
		}, []string{"only organisations and employers have a business ID"}},
		{"one business ID on two organisations of the batch", func(f *prepareFixture) *hub.Batch {
			a, b := f.node(hub.KindOrganisation, "a"), f.node(hub.KindOrganisation, "b")
			a.BusinessID, b.BusinessID = "0245437-2", "0245437-2"
			return &hub.Batch{Nodes: []*hub.Node{a, b}}
		}, []string{"have the same business ID 0245437-2"}},
		{"one external id on two organisations of the batch", func(f *prepareFixture) *hub.Batch {
			a, b := f.node(hub.KindOrganisation, "a"), f.node(hub.KindOrganisation, "b")
			a.ExternalIDs = []hub.ExternalID{{Scheme: "ytj", ID: "A"}, {Scheme: "kela", ID: "K-1"}}
			b.ExternalIDs = []hub.ExternalID{{Scheme: "kela", ID: "K-1"}}
			return &hub.Batch{Nodes: []*hub.Node{a, b}}
		}, []string{"Organisation/a and Organisation/b have the same external id K-1 of scheme kela"}},
		{"an external id that a stored organisation holds", func(f *prepareFixture) *hub.Batch {
			a := f.node(hub.KindOrganisation, "a")
			a.ExternalIDs = []hub.ExternalID{{Scheme: "kela", ID: "ORG-1"}}
			return &hub.Batch{Nodes: []*hub.Node{a}}
		}, []string{"Organisation/a: external id ORG-1 of scheme kela is Organisation/org's already"}},
		{"a relationship twice in the batch", func(f *prepareFixture) *hub.Batch {
			return &hub.Batch{Relationships: []*hub.Relationship{f.rel(hub.Leads, f.other, f.pilot, ""), f.rel(hub.Leads, f.other, f.pilot, "")}}
		}, []string{"appears twice in the batch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPrepareFixture(t)
			b := tc.batch(f)
			err := hub.Prepare(t.Context(), f.store, b, t0)
			mustCode(t, err, hub.EINVALID, tc.says...)
			// Prepare never writes.
			if n, err := f.store.CountNodes(t.Context(), hub.NodeFilter{}); err != nil || n != 5 {
				t.Errorf("after a refused Prepare the store holds %d nodes, %v", n, err)
			}
		})
	}

	t.Run("a batch over the size limit", func(t *testing.T) {
		f := newPrepareFixture(t)
		err := hub.Prepare(t.Context(), f.store, &hub.Batch{Nodes: make([]*hub.Node, 100_001)}, t0)
		mustCode(t, err, hub.ETOOLARGE, "at most 100000 rows")
	})
}

func TestPrepareDerivesFields(t *testing.T) {
	f := newPrepareFixture(t)
	created := time.Date(2020, time.January, 2, 3, 4, 5, 678_901_234, eet)
	start := time.Date(2024, time.March, 1, 12, 0, 0, 5, eet)
	n := f.node(hub.KindPilot, "uusi")
	n.Name = hub.LocalizedText{FI: "Päijät-Häme", SV: "Päijänne-Tavastland", EN: "Päijät-Häme"}
	n.Abbreviations = []string{"PÄHEE", "pähee"}
	n.Aliases = []string{"Päijät-Hämeen OTE", "---"}
	n.SearchTerms = []string{"stale"}
	n.RegionIDs = []string{f.region.ID}
	n.Period = &hub.Period{Start: &start}
	n.CreatedAt = created
	sv := f.node(hub.KindTheme, "ruotsiksi")
	sv.Name = hub.LocalizedText{SV: "Tema", EN: "Theme"}
	// The pilot's existing PART_OF may be re-applied unchanged.
	again := f.rel(hub.PartOf, f.pilot, f.programme, "")
	r := f.rel(hub.Funds, f.other, n, "")
	r.Amount = &hub.Money{Minor: 0, Currency: "EUR"}
	b := &hub.Batch{Nodes: []*hub.Node{n, sv}, Relationships: []*hub.Relationship{again, r}}
	if err := hub.Prepare(t.Context(), f.store, b, t0); err != nil {
		t.Fatalf("Prepare: %v", err)
	}

	want := t0.UTC().Truncate(time.Millisecond)
	if n.ID != hub.NodeID(hub.KindPilot, "uusi") || r.ID != hub.RelationshipID(r.Key) {
		t.Errorf("ids not filled in: %q, %q", n.ID, r.ID)
	}
	if !slices.Equal(n.SearchTerms, []string{"paijat hame", "paijanne tavastland", "pahee", "paijat hameen ote"}) {
		t.Errorf("SearchTerms = %q", n.SearchTerms)
	}
	if n.SortName != "paijat hame" || sv.SortName != "tema" {
		t.Errorf("SortName = %q and %q, want the normalised Finnish name with fallback", n.SortName, sv.SortName)
	}
	if n.SortStart != "2024-03-01" || sv.SortStart != "" || r.SortStart != "" {
		t.Errorf("SortStart = %q, %q, %q", n.SortStart, sv.SortStart, r.SortStart)
	}
	if !n.Period.Start.Equal(time.Date(2024, time.March, 1, 0, 0, 0, 0, time.UTC)) || n.Period.Start.Location() != time.UTC {
		t.Errorf("period start = %s, want UTC midnight", n.Period.Start)
	}
	for what, got := range map[string]time.Time{
		"node UpdatedAt": n.UpdatedAt, "theme CreatedAt": sv.CreatedAt, "relationship CreatedAt": r.CreatedAt, "relationship UpdatedAt": r.UpdatedAt,
	} {
		if !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond()%1e6 != 0 {
			t.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
	if !n.CreatedAt.Equal(created.Truncate(time.Millisecond)) || n.CreatedAt.Location() != time.UTC {
		t.Errorf("a given CreatedAt became %s, want it kept at UTC millisecond precision", n.CreatedAt.Format(time.RFC3339Nano))
	}
	if c, err := f.store.CountNodes(t.Context(), hub.NodeFilter{}); err != nil || c != 5 {
		t.Errorf("Prepare wrote to the store: %d nodes, %v", c, err)
	}
}

func TestErrors(t *testing.T) {
	cause := hub.Errorf(hub.ENOTFOUND, "no such %s", "pilot")
	wrapped := hub.Wrap(hub.EINTERNAL, cause, "lookup failed")
	for _, tc := range []struct {
		name     string
		err      error
		code     string
		message  string
		contains string
	}{
		{"nil", nil, "", "", ""},
		{"a domain error", cause, hub.ENOTFOUND, "no such pilot", "ENOTFOUND: no such pilot"},
		{"an internal error hides its message", wrapped, hub.EINTERNAL, "internal error", "lookup failed: ENOTFOUND"},
		{"a foreign error is internal", errors.New("driver: connection reset"), hub.EINTERNAL, "internal error", "connection reset"},
		{"a wrapped domain error keeps its code", fmt.Errorf("loading: %w", cause), hub.ENOTFOUND, "no such pilot", "loading: ENOTFOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hub.ErrorCode(tc.err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if tc.err == nil {
				return
			}
			if got := hub.ErrorMessage(tc.err); got != tc.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tc.message)
			}
			if !strings.Contains(tc.err.Error(), tc.contains) {
				t.Errorf("Error() = %q, want it to contain %q", tc.err.Error(), tc.contains)
			}
		})
	}
}

// An exact match is found however many names contain the text and
// however late its name sorts: thousands of "A… säätiö" sort before
// "Säätiö".
func TestSearchFindsExactMatchAmongThousands(t *testing.T) {
	f := newPrepareFixture(t)
	b := &hub.Batch{}
	for i := range 6000 {
		n := f.node(hub.KindOrganisation, fmt.Sprintf("a%04d", i))
		n.Name.FI = fmt.Sprintf("A%04d säätiö", i)
		b.Nodes = append(b.Nodes, n)
	}
	exact := f.node(hub.KindOrganisation, "saatio")
	exact.Name.FI = "Säätiö"
	b.Nodes = append(b.Nodes, exact)
	if err := hub.Prepare(t.Context(), f.store, b, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	hits, err := hub.Search(t.Context(), f.store, hub.SearchQuery{Text: "saatio", First: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.Node.Key+" "+h.Quality.String())
	}
	want := []string{"saatio EXACT", "a0000 CONTAINS", "a0001 CONTAINS"}
	if !slices.Equal(got, want) {
		t.Errorf("search saatio = %v, want %v", got, want)
	}
}

// KindsOnly must know every field of NodeFilter: a filter with any other
// field set is not kinds-only.
func TestNodeFilterKindsOnly(t *testing.T) {
	v := reflect.ValueOf(hub.NodeFilter{})
	for i := range v.NumField() {
		f := hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}
		field := reflect.ValueOf(&f).Elem().Field(i)
		name := v.Type().Field(i).Name
		if name == "Kinds" {
			continue
		}
		switch field.Kind() {
		case reflect.String:
			field.SetString("x")
		case reflect.Slice:
			field.Set(reflect.MakeSlice(field.Type(), 1, 1))
		default:
			t.Fatalf("NodeFilter.%s: a %s; teach this test and KindsOnly about it", name, field.Kind())
		}
		if f.KindsOnly() {
			t.Errorf("a filter with %s set counts as kinds-only", name)
		}
	}
	if f := (hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}); !f.KindsOnly() {
		t.Error("a filter on kinds alone is not kinds-only")
	}
}

// TestWhereCheckCountsRelationshipConditions: each relationship
// condition costs store reads, so it counts towards the 200 conditions a
// where may hold, and so does every nested where.
func TestWhereCheckCountsRelationshipConditions(t *testing.T) {
	withConditions := func(n int) *hub.Where {
		w := &hub.Where{}
		for range n {
			w.Relationships = append(w.Relationships, &hub.RelationshipMatch{Dir: hub.Out})
		}
		return w
	}
	// The where itself is one condition.
	if err := withConditions(199).Check(); err != nil {
		t.Errorf("199 relationship conditions: %v", err)
	}
	mustCode(t, withConditions(200).Check(), hub.ETOOLARGE, "more than 200 conditions")
	nested := withConditions(150)
	nested.Relationships[0].Where = withConditions(49)
	mustCode(t, nested.Check(), hub.ETOOLARGE, "more than 200 conditions")
}

func TestCheckEnds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		typ      hub.RelationshipType
		from, to hub.Kind
		says     string // "" when allowed
	}{
		{"an organisation administers a pilot", hub.Administers, hub.KindOrganisation, hub.KindPilot, ""},
		{"an employer is a partner in a pilot", hub.PartnerIn, hub.KindEmployer, hub.KindPilot, ""},
		{"a partner in an organisation", hub.PartnerIn, hub.KindOrganisation, hub.KindOrganisation, "PARTNER_IN ends at a Programme or a Pilot, not at a Organisation"},
		{"a theme provides a service", hub.Provides, hub.KindTheme, hub.KindService, "PROVIDES starts from"},
		{"a pilot is part of a programme", hub.PartOf, hub.KindPilot, hub.KindProgramme, ""},
		{"a region is part of a region", hub.PartOf, hub.KindRegion, hub.KindRegion, ""},
		{"a programme is part of a pilot's region", hub.PartOf, hub.KindProgramme, hub.KindRegion, "a Programme cannot be PART_OF a Region"},
		{"a contact for a pilot", hub.ContactFor, hub.KindContact, hub.KindPilot, ""},
		{"a pilot as a contact", hub.ContactFor, hub.KindPilot, hub.KindPilot, "CONTACT_FOR starts from a Contact, not from a Pilot"},
		{"an organisation employs a person", hub.Employs, hub.KindOrganisation, hub.KindContact, ""},
		{"an employer employs a target group", hub.Employs, hub.KindEmployer, hub.KindTargetGroup, "EMPLOYS ends at a Contact, not at a TargetGroup"},
		{"an employer serves a target group", hub.Serves, hub.KindEmployer, hub.KindTargetGroup, ""},
		{"an employer to be gathered into a pilot", hub.ProspectivePartnerIn, hub.KindEmployer, hub.KindPilot, ""},
		{"a service to be gathered into a pilot", hub.ProspectivePartnerIn, hub.KindService, hub.KindPilot, "PROSPECTIVE_PARTNER_IN starts from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := &hub.Node{ID: hub.NodeID(tc.from, "a"), Kind: tc.from, Key: "a"}
			to := &hub.Node{ID: hub.NodeID(tc.to, "b"), Kind: tc.to, Key: "b"}
			b := &hub.Batch{Nodes: []*hub.Node{from, to}, Relationships: []*hub.Relationship{{Key: "k", Type: tc.typ, FromID: from.ID, ToID: to.ID}}}
			err := hub.CheckEnds(t.Context(), index.New(), b)
			if tc.says == "" {
				if err != nil {
					t.Fatalf("CheckEnds = %v, want nil", err)
				}
				return
			}
			mustCode(t, err, hub.EINVALID, tc.says)
			if e, _ := errors.AsType[*hub.Error](err); e == nil || e.Field != "type" {
				t.Errorf("error %v names field %q, want type", err, e.Field)
			}
		})
	}
}

// TestCheckEndsOfRegionLinks: a region LOCATED_IN another is a
// municipality in a wellbeing services county, whether the ends are in
// the batch or stored.
func TestCheckEndsOfRegionLinks(t *testing.T) {
	region := func(key, level string) *hub.Node {
		return &hub.Node{ID: hub.NodeID(hub.KindRegion, key), Kind: hub.KindRegion, Key: key, Type: level}
	}
	f := newPrepareFixture(t) // stores f.region, a REGION
	for _, tc := range []struct {
		name     string
		from, to *hub.Node
		says     string // "" when allowed
	}{
		{"a municipality in its county", region("405", "MUNICIPALITY"), region("11", "WELLBEING_SERVICES_COUNTY"), ""},
		{"a maakunta in a municipality", region("09", "REGION"), region("405", "MUNICIPALITY"), "not a REGION in a MUNICIPALITY"},
		{"a county in a county", region("10", "WELLBEING_SERVICES_COUNTY"), region("11", "WELLBEING_SERVICES_COUNTY"), "not a WELLBEING_SERVICES_COUNTY in a WELLBEING_SERVICES_COUNTY"},
		{"a municipality in a stored maakunta", region("091", "MUNICIPALITY"), f.region, "not a MUNICIPALITY in a REGION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes := []*hub.Node{tc.from}
			if tc.to != f.region {
				nodes = append(nodes, tc.to)
			}
			b := &hub.Batch{Nodes: nodes, Relationships: []*hub.Relationship{{Key: "k", Type: hub.LocatedIn, FromID: tc.from.ID, ToID: hub.NodeID(hub.KindRegion, tc.to.Key)}}}
			err := hub.CheckEnds(t.Context(), f.store, b)
			if tc.says == "" {
				if err != nil {
					t.Fatalf("CheckEnds = %v, want nil", err)
				}
				return
			}
			mustCode(t, err, hub.EINVALID, tc.says)
		})
	}
}

func TestAlternativesAndStatements(t *testing.T) {
	f := newPrepareFixture(t)
	n := f.node(hub.KindPilot, "a")
	n.Sources = append(n.Sources, hub.Citation{StatedBy: "alice", Fields: []string{"name"}})
	n.Alternatives = []hub.Alternative{
		{Field: "name", Value: []byte(`{ "en": "Another name",  "fi": "Toinen nimi" }`), Sources: cite(srcID)},
		{Field: "period", Value: []byte(`{"start":"2018-02-03T10:00:00+02:00"}`), Sources: []hub.Citation{{StatedBy: "alice"}}},
	}
	b := &hub.Batch{Nodes: []*hub.Node{n}}
	if err := hub.Prepare(t.Context(), f.store, b, t0); err != nil {
		t.Fatal(err)
	}
	// Values are kept in the row's own JSON form: keys in field order,
	// days at UTC midnight.
	if got := string(n.Alternatives[0].Value); got != `{"fi":"Toinen nimi","en":"Another name"}` {
		t.Errorf("name alternative stored as %s", got)
	}
	if got := string(n.Alternatives[1].Value); got != `{"start":"2018-02-03T00:00:00Z"}` {
		t.Errorf("period alternative stored as %s", got)
	}
}

func TestValidBusinessID(t *testing.T) {
	for id, want := range map[string]bool{
		// Business IDs of public bodies and companies, as published.
		"0245437-2": true, "0246246-0": true, "0112038-9": true, "0201256-6": true,
		"0245437-3": false, // wrong check digit
		"1000008-0": false, // remainder 1: never issued
		"245437-2":  false, "0245437 2": false, "02454372": false, "024543a-2": false, "": false,
	} {
		if got := hub.ValidBusinessID(id); got != want {
			t.Errorf("ValidBusinessID(%q) = %v, want %v", id, got, want)
		}
	}
}

// Every kind has a reference name of its own, so that NodeRef and the
// relationship keys made of it tell every node apart.
func TestRefNames(t *testing.T) {
	seen := map[string]hub.Kind{}
	for _, k := range hub.Kinds {
		name := hub.RefName(k)
		if name == "" || strings.Contains(name, "/") {
			t.Errorf("%s: reference name %q", k, name)
		}
		if other, ok := seen[name]; ok {
			t.Errorf("%s and %s share the reference name %q", k, other, name)
		}
		seen[name] = k
	}
	if got := hub.NodeRef(hub.KindTargetGroup, "nuoret"); got != "targetGroup/nuoret" {
		t.Errorf("NodeRef: %q", got)
	}
}

func TestPrepareExternalIDs(t *testing.T) {
	ext := func(pairs ...string) []hub.ExternalID {
		var out []hub.ExternalID
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, hub.ExternalID{Scheme: pairs[i], ID: pairs[i+1]})
		}
		return out
	}
	many := make([]string, 0, 42)
	for i := range 21 {
		many = append(many, fmt.Sprintf("s%d", i), "x")
	}
	for _, tc := range []struct {
		name  string
		kind  hub.Kind
		ids   []hub.ExternalID
		field string // "" when Prepare accepts
		says  string
	}{
		{"an organisation with two schemes", hub.KindOrganisation, ext("ytj", "0245437-2", "partner:acme", "A-17"), "", ""},
		{"an employer with dotted and dashed schemes", hub.KindEmployer, ext("kela.v2", "1", "my_reg-1", "x y"), "", ""},
		{"a pilot", hub.KindPilot, ext("ytj", "0245437-2"), "externalIds", "only organisations and employers have external ids"},
		{"an upper-case scheme", hub.KindOrganisation, ext("YTJ", "1"), "externalIds.0.scheme", `scheme "YTJ" is not a lowercase token`},
		{"an empty scheme", hub.KindOrganisation, ext("", "1"), "externalIds.0.scheme", "is not a lowercase token"},
		{"a scheme starting with a digit", hub.KindOrganisation, ext("1ytj", "1"), "externalIds.0.scheme", "is not a lowercase token"},
		{"a scheme ending in a colon", hub.KindOrganisation, ext("partner:", "1"), "externalIds.0.scheme", "is not a lowercase token"},
		{"a scheme with two colons", hub.KindOrganisation, ext("a:b:c", "1"), "externalIds.0.scheme", "is not a lowercase token"},
		{"a scheme with a space", hub.KindOrganisation, ext("my reg", "1"), "externalIds.0.scheme", "is not a lowercase token"},
		{"a scheme of 41 bytes", hub.KindOrganisation, ext(strings.Repeat("a", 41), "1"), "externalIds.0.scheme", "at most 40 bytes"},
		{"one scheme twice", hub.KindOrganisation, ext("ytj", "1", "kela", "2", "ytj", "3"), "externalIds.2.scheme", "two external ids of scheme ytj"},
		{"an empty id", hub.KindOrganisation, ext("ytj", ""), "externalIds.0.id", "is empty"},
		{"a blank id", hub.KindOrganisation, ext("kela", "ok", "ytj", "  "), "externalIds.1.id", "is empty"},
		{"an id of 201 bytes", hub.KindOrganisation, ext("ytj", strings.Repeat("9", 201)), "externalIds.0.id", "longer than 200 bytes"},
		{"an id of 200 bytes", hub.KindOrganisation, ext("ytj", strings.Repeat("9", 200)), "", ""},
		{"an id with a newline", hub.KindOrganisation, ext("ytj", "1\n2"), "externalIds.0.id", "control characters"},
		{"an id with a leading space", hub.KindOrganisation, ext("ytj", " 1"), "externalIds.0.id", "surrounding spaces"},
		{"21 external ids", hub.KindOrganisation, ext(many...), "externalIds", "more than 20 external ids"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPrepareFixture(t)
			n := f.node(tc.kind, "a")
			n.ExternalIDs = tc.ids
			err := hub.Prepare(t.Context(), f.store, &hub.Batch{Nodes: []*hub.Node{n}}, t0)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Prepare: %v", err)
				}
				return
			}
			mustCode(t, err, hub.EINVALID, tc.says)
			var e *hub.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is no *hub.Error", err)
			}
			if e.Field != tc.field {
				t.Errorf("error %v names field %q, want %q", err, e.Field, tc.field)
			}
		})
	}
}
