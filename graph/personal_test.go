package graph_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/storetest"
)

// TestQuotesKeepPersonalDataFromCallersWithoutTheRight reads the quotes
// of every contact, organisation and relationship: a caller with the
// personal-data right gets each quote as the dataset has it; anonymous
// callers and callers without the right get none of the contacts'
// e-mail addresses or phone numbers, and every quote that held none
// unchanged.
func TestQuotesKeepPersonalDataFromCallersWithoutTheRight(t *testing.T) {
	ote := MustReadDataset(t)
	// The oracle: the contacts' details as the dataset file holds them,
	// independent of the redaction.
	details := storetest.MustReadContactDetails(t, "../dataset/ote.json")
	s := MustOpenSeeded(t)
	want := map[string][]string{} // "kind/key" → quotes
	holding := 0
	for _, n := range ote.Nodes {
		if n.Kind != "contact" && n.Kind != "organisation" && n.Kind != "pilot" {
			continue
		}
		for _, c := range n.Sources {
			want[n.ref()] = append(want[n.ref()], c.Quote)
			if details.Find(c.Quote) != "" {
				holding++
			}
		}
	}
	if holding < 4 {
		t.Fatalf("%d quotes of the dataset hold a contact's details, want at least 4; the test checks nothing", holding)
	}
	const q = `{
		contacts(first: 100) { nodes { __typename key description sources { quote locator } } }
		organisations(first: 100) { nodes { __typename key description sources { quote locator } } }
		pilots(first: 100) { nodes { __typename key description sources { quote locator } } }
		relationships(first: 100, where: { typeIn: [EMPLOYS, CONTACT_FOR, LEADS] }) { nodes { description sources { quote } } }
	}`
	type entity struct {
		Typename    string `json:"__typename"`
		Key         string
		Description *string
		Sources     []struct{ Quote, Locator *string }
	}
	type conn struct{ Nodes []entity }
	var resp struct {
		Contacts, Organisations, Pilots, Relationships conn
	}
	for _, tc := range []struct {
		name      string
		principal *hub.Principal
		sees      bool
	}{
		{"anonymous callers", nil, false},
		{"callers without the personal-data right", &hub.Principal{Subject: "dashboard"}, false},
		{"callers with the personal-data right", &hub.Principal{Subject: "admin", PersonalData: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mw []func(http.Handler) http.Handler
			if tc.principal != nil {
				mw = append(mw, withPrincipal(tc.principal))
			}
			c := newClient(graph.Options{Network: s}, mw...)
			MustQuery(t, c, q, &resp)
			checked := 0
			for _, list := range []conn{resp.Contacts, resp.Organisations, resp.Pilots} {
				for _, e := range list.Nodes {
					wantQuotes := want[refOf(e.Typename, e.Key)]
					if len(e.Sources) != len(wantQuotes) {
						t.Fatalf("%s %s: %d sources, want %d", e.Typename, e.Key, len(e.Sources), len(wantQuotes))
					}
					for i, src := range e.Sources {
						got, stored := str(src.Quote), wantQuotes[i]
						leak := details.Find(stored)
						switch {
						case tc.sees || leak == "":
							if got != stored {
								t.Errorf("%s %s: quote %q, want %q as stored", e.Typename, e.Key, got, stored)
							}
						case details.Find(got) != "":
							t.Errorf("%s %s: quote %q shows %q", e.Typename, e.Key, got, details.Find(got))
						default:
							checked++
						}
					}
				}
			}
			if !tc.sees && checked != holding {
				t.Errorf("%d quotes redacted, want %d", checked, holding)
			}
			if !tc.sees {
				b, err := json.Marshal(resp)
				if err != nil {
					t.Fatal(err)
				}
				if leak := details.Find(string(b)); leak != "" {
					t.Errorf("the answer shows %q", leak)
				}
			}
		})
	}
}
