package graph_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/web"
)

// The fuzz targets of the request path: bytes in, a GraphQL answer out.
// `go test` runs them on their seeds and on the inputs kept in
// testdata/fuzz; `make fuzz` explores further.

// fuzzBody bounds the request bodies of the fuzz handler, so that the
// bound on the answer below stays small.
const fuzzBody = 64 << 10

// newFuzzHandler is the real handler over the seeded OTE network.
func newFuzzHandler(f *testing.F) http.Handler {
	return graph.NewHandler(graph.Options{Network: MustOpenSeeded(f), Timeout: 5 * time.Second,
		MaxBodyBytes: fuzzBody, Logger: slog.New(slog.DiscardHandler)})
}

// answer is a decoded GraphQL answer.
type answer struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// codes are the extensions.code values a client's request may get.
// INTERNAL is not among them: it means the hub failed.
var codes = map[string]bool{
	"BAD_USER_INPUT": true, "NOT_FOUND": true, "LIMIT_EXCEEDED": true, "COMPLEXITY_LIMIT_EXCEEDED": true,
	"GRAPHQL_PARSE_FAILED": true, "GRAPHQL_VALIDATION_FAILED": true, "TIMEOUT": true, "UNAUTHENTICATED": true,
	"FORBIDDEN": true, "STORE_UNAVAILABLE": true, "OPERATION_NOT_FOUND": true, "PERSISTED_QUERY_NOT_FOUND": true,
	"PERSISTED_QUERY_NOT_SUPPORTED": true,
}

// mustAnswerWell sends req and checks the answer: a JSON object with
// data or errors, every error with a code a client may get, no 500, and
// an answer without data no larger than a bound of the request's size
// (the errors of a request must not amplify it).
func mustAnswerWell(t *testing.T, h http.Handler, req *http.Request, size int) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %.500s", rec.Code, body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/graphql-response+json") {
		t.Fatalf("status %d, Content-Type %q: %.500s", rec.Code, ct, body)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("status %d, the answer is not JSON (%v): %.500s", rec.Code, err, body)
	}
	if len(a.Errors) == 0 && (len(a.Data) == 0 || string(a.Data) == "null") {
		t.Fatalf("status %d: neither data nor errors: %.500s", rec.Code, body)
	}
	if len(a.Errors) > graph.MaxErrors+1 {
		t.Fatalf("%d errors", len(a.Errors))
	}
	for _, e := range a.Errors {
		code, _ := e.Extensions["code"].(string)
		if !codes[code] {
			t.Fatalf("status %d: error %q has code %q", rec.Code, e.Message, code)
		}
	}
	if (len(a.Data) == 0 || string(a.Data) == "null") && len(body) > 4*size+16<<10 {
		t.Fatalf("a %d B request got %d B of errors: %.500s", size, len(body), body)
	}
	return a
}

// FuzzRequestBody: any POST body answers well (see mustAnswerWell).
func FuzzRequestBody(f *testing.F) {
	h := newFuzzHandler(f)
	examples, err := web.Examples()
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range examples {
		body, _ := json.Marshal(map[string]any{"query": e.Query})
		f.Add(body)
	}
	for _, s := range []string{
		``, `{`, `null`, `[]`, `{"query": 1}`, `{"query": "{ __typename }", "variables": []}`, `{"query": "{ __typename }"} {"query": "x"}`,
		`{"query": "query($x: Float) { relationships(first: 1, where: {amount: {gte: $x}}) { totalCount } }", "variables": {"x": "NaN"}}`,
		`{"query": "{ pilots(last: 101) { totalCount } }"}`, `{"QUERY": "{ __typename }", "operationName": "X"}`,
		`{"query": "mutation { deleteNode(input: {id: \"x\", version: 1}) { deletedIds } }"}`,
		`{"query": "subscription { changes { id } }"}`, `{"query": "{ node(id: \"garbage!\") { id } }"}`,
		`{"query": "{ pilots(after: \"bm90LWEtY3Vyc29y\") { totalCount } }"}`, `{"query": "{ __typename @a @b @c }"}`,
		`{"query": "query Q($v: String) { search(text: $v) { matchedText } }", "variables": {"v": {"$gt": ""}}}`,
		`{"query": "{ pilots { nodes { ...F } } } fragment F on Pilot { ...F }"}`,
		`{"query": "{ a: __schema { types { name } } b: __schema { types { name } } c: __schema { types { name } } }"}`,
		`{"query": "{ pilots { nodes { name } } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > fuzzBody {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		mustAnswerWell(t, h, req, len(body))
	})
}

// FuzzQuery: any query document with any variables answers well, over
// POST and over GET.
func FuzzQuery(f *testing.F) {
	h := newFuzzHandler(f)
	examples, err := web.Examples()
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range examples {
		f.Add(e.Query, "")
	}
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(introspection), "")
	for _, s := range [][2]string{
		{`query($w: OrganisationWhere) { organisations(where: $w) { totalCount } }`, `{"w": {"nameContains": "eks", "or": [{"keyIn": ["a"]}, {"not": {"name": {"fold": true, "hasPrefix": "Ete"}}}]}}`},
		{`query($w: OrganisationWhere) { organisations(where: $w) { totalCount } }`, `{"w": {"relationships": [{"types": [PARTNER_IN], "direction": "OUT", "count": {"gte": 2}}]}}`},
		{`query($w: PilotWhere) { pilots(where: $w, first: 3) { nodes { name } pageInfo { endCursor } } }`, `{"w": {"period": {"overlaps": {"start": "2017-01-01T00:00:00Z"}}}}`},
		{`query($w: RelationshipWhere) { relationships(where: $w) { totalCount } }`, `{"w": {"amount": {"gte": 1e308, "lt": -1e308}, "role": {"in": ["hallinnoija"]}}}`},
		{`query($n: Int) { pilots(first: $n) { nodes { relationships(last: $n) { nodes { id } } } } }`, `{"n": 100}`},
		{`query($t: String!) { search(text: $t, first: 5) { matchedText match node { id } } }`, `{"t": "paijat hame"}`},
		{`{ network(depth: 3, limit: 50) { truncated nodes { label } } }`, ``},
		{`{ paths(from: "T3JnYW5pc2F0aW9uOmVrc290ZQ", to: "UGlsb3Q6Zm9rdXM", maxLength: 4, first: 3) { nodes { id } } }`, ``},
		{`{ aggregates { groupBy(collection: NODES, by: [KIND, REGION]) { count keys } } }`, ``},
		{`{ history(id: "T3JnYW5pc2F0aW9uOmVrc290ZQ") { edges { node { version } } } }`, ``},
		{`{ e: entityByKey(kind: Organisation, key: "eksote") { t: relationships(first: 1) { totalCount } t: relationships(first: 2) { totalCount } } }`, ``},
		{`{ pilots(orderBy: [{field: NAME, direction: DESC}, {field: START_DATE}], asOf: "2018-01-01") { edges { cursor } } }`, ``},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, variables string) {
		params := map[string]any{"query": query}
		if json.Valid([]byte(variables)) {
			params["variables"] = json.RawMessage(variables)
		}
		body, err := json.Marshal(params)
		if err != nil || len(body) > fuzzBody {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		post := mustAnswerWell(t, h, req, len(body))

		// GET answers queries as POST does, and refuses mutations.
		get := httptest.NewRequest(http.MethodGet, "/graphql?"+queryString(query, variables), nil)
		got := mustAnswerWell(t, h, get, len(body))
		if len(post.Errors) == 0 && len(got.Errors) == 0 && !bytes.Equal(post.Data, got.Data) && !strings.Contains(query, "history") {
			t.Fatalf("GET and POST answer differently:\nPOST %.300s\nGET  %.300s", post.Data, got.Data)
		}
	})
}

// queryString is the URL query of a GET request.
func queryString(query, variables string) string {
	v := url.Values{"query": {query}}
	if json.Valid([]byte(variables)) {
		v.Set("variables", variables)
	}
	return v.Encode()
}
