package floor_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otehub/hub/bench/floor"
	"github.com/otehub/hub/bench/floor/model"
)

// answers decodes the data of three hub answers, as the benchmark does.
func answers(t *testing.T) *floor.Answers {
	t.Helper()
	var a floor.Answers
	var d struct {
		Pilots        *model.PilotConnection
		Organisations *model.OrganisationConnection
		EntityByKey   *model.Entity
	}
	data := `{"pilots":{"nodes":[{"name":"P <1>","administrators":[{"name":"A"}],"partners":[],"funding":[{"amount":1600000,"funder":{"name":"STM"}},{"amount":0.5,"funder":{"name":"X"}}]}]},
	"organisations":{"totalCount":7,"nodes":[{"name":"Ö"}]},
	"entityByKey":{"name":"E","relationships":{"nodes":[{"type":"PARTNER_IN","to":{"name":"P <1>"}}]}}}`
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatal(err)
	}
	a.Pilots = floor.PilotsAnswer{First: 100, Page: d.Pilots}
	a.Organisations = floor.OrganisationsAnswer{First: 50, Where: model.OrganisationWhere{TypeIn: []string{"ASSOCIATION"}, RegionIn: []string{"r1"}}, Page: d.Organisations}
	a.EntityByKey = floor.EntityAnswer{Kind: "Organisation", Key: "k", RelationshipsFirst: 50, Entity: d.EntityByKey}
	// Through the file, as the floor server reads them.
	path := filepath.Join(t.TempDir(), "answers.json")
	if err := a.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	read, err := floor.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return read
}

func post(t *testing.T, h http.Handler, query string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return strings.TrimSpace(rec.Body.String())
}

func TestTheFloorServesThePreparedAnswers(t *testing.T) {
	h := floor.NewHandler(answers(t))
	for _, tc := range []struct{ query, want string }{
		{
			`{ pilots(first: 100) { nodes { name administrators { name } partners { name } funding { amount funder { name } } } } }`,
			// Amounts keep the hub's digits; gqlgen's POST transport
			// escapes <, > and & as encoding/json does.
			`{"data":{"pilots":{"nodes":[{"name":"P \u003c1\u003e","administrators":[{"name":"A"}],"partners":[],"funding":[{"amount":1600000,"funder":{"name":"STM"}},{"amount":0.5,"funder":{"name":"X"}}]}]}}}`,
		},
		{
			`{ organisations(first: 50, where: {typeIn: [ASSOCIATION], regionIn: ["r1"]}) { totalCount nodes { name } } }`,
			`{"data":{"organisations":{"totalCount":7,"nodes":[{"name":"Ö"}]}}}`,
		},
		{
			`{ entityByKey(kind: Organisation, key: "k") { name relationships(first: 50) { nodes { type to { name } } } } }`,
			`{"data":{"entityByKey":{"name":"E","relationships":{"nodes":[{"type":"PARTNER_IN","to":{"name":"P \u003c1\u003e"}}]}}}}`,
		},
	} {
		if got := post(t, h, tc.query); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
}

func TestTheFloorRefusesArgumentsItHasNoAnswerFor(t *testing.T) {
	h := floor.NewHandler(answers(t))
	for _, query := range []string{
		`{ pilots(first: 10) { nodes { name } } }`,
		`{ pilots { nodes { name } } }`,
		`{ organisations(first: 50, where: {typeIn: [FOUNDATION], regionIn: ["r1"]}) { totalCount } }`,
		`{ organisations(first: 50) { totalCount } }`,
		`{ entityByKey(kind: Organisation, key: "other") { name } }`,
		`{ entityByKey(kind: Organisation, key: "k") { relationships(first: 20) { nodes { type } } } }`,
	} {
		if got := post(t, h, query); !strings.Contains(got, model.ErrNotPrepared.Error()) {
			t.Errorf("%s: %s, want the not-prepared error", query, got)
		}
	}
}

func TestReadFileRefusesFieldsTheFloorCannotServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "answers.json")
	a := answers(t)
	if err := a.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	b, _ := json.Marshal(a)
	json.Unmarshal(b, &raw)
	raw["pilots"].(map[string]any)["page"].(map[string]any)["totalCount"] = 3
	b, _ = json.Marshal(raw)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := floor.ReadFile(path); err == nil || !strings.Contains(err.Error(), "totalCount") {
		t.Errorf("err = %v, want the unknown field named", err)
	}
}
