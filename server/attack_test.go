package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph"
)

// The attack suite: the attacks of the security issue, sent to the real
// server on both backends as an attacker would send them, each with the
// answer the defence gives and the figures that show it holds (the
// answer's size, how long it took). docs/security.md maps every defect
// to its defence and to the test that proves it: this file for what is
// checked at the server, and the tests of graph, embedded and the
// fuzz targets for what is checked closer to the code.

// exchange is one HTTP request and its answer.
type exchange struct {
	status  int
	body    []byte
	answer  gqlResponse
	elapsed time.Duration
}

// codes are the extensions.code values of the answer's errors.
func (ex exchange) codes() []string {
	var out []string
	for _, e := range ex.answer.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

// send sends a request with body (a JSON GraphQL request unless
// contentType says otherwise) and reads the whole answer.
func send(tb testing.TB, m *Main, method string, body []byte, contentType string) exchange {
	tb.Helper()
	req, err := http.NewRequest(method, m.URL()+"/graphql", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	ex := exchange{status: resp.StatusCode}
	if ex.body, err = io.ReadAll(resp.Body); err != nil {
		tb.Fatal(err)
	}
	ex.elapsed = time.Since(start)
	if len(ex.body) > 0 {
		if err := json.Unmarshal(ex.body, &ex.answer); err != nil {
			tb.Fatalf("%s: status %d, the answer is not JSON: %.300s", method, ex.status, ex.body)
		}
	}
	return ex
}

// gqlRequest is the body of a POST of query with vars.
func gqlRequest(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// Attacks: the requests of the security issue's measured defects, built
// as the issue describes them.

// conflictingRepeats repeats one response name with conflicting
// arguments n times: validation compares every pair.
func conflictingRepeats(n int) string {
	var b strings.Builder
	b.WriteString(`{ entityByKey(kind: Organisation, key: "eksote") {`)
	for i := range n {
		fmt.Fprintf(&b, " total: relationships(first: %d) { totalCount }", i)
	}
	return b.String() + " } }"
}

// unknownDirectives puts n unknown directives on one field: an error each.
func unknownDirectives(n int) string {
	var b strings.Builder
	b.WriteString("{ __typename")
	for i := range n {
		fmt.Fprintf(&b, " @x%d", i)
	}
	return b.String() + " }"
}

// nestedPages is three nested pages of 100 under n aliases.
func nestedPages(n int) string {
	const nested = `pilots(first: 100) { nodes { relationships(first: 100) { nodes { from { relationships(first: 100) { nodes { id key } } } } } } }`
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, nested)
	}
	return b.String() + " }"
}

// fragmentsSpreadTwice is n fragments, each spreading the next twice.
func fragmentsSpreadTwice(n int) string {
	var b strings.Builder
	b.WriteString(`{ pilots(first: 1) { nodes { ...F0 } } }`)
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Pilot { ...F%d ... on Pilot { ...F%d } }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Pilot { name }", n)
	return b.String()
}

// aliasedIntrospections is n aliased __schema roots.
func aliasedIntrospections(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: __schema { types { name fields { name } } }", i)
	}
	return b.String() + " }"
}

// TestAttackSuite sends every attack to the real server on both
// backends and checks the defence: the status, the code, a bound on the
// answer's size where the answer was what grew, and that the network is
// unchanged afterwards.
func TestAttackSuite(t *testing.T) {
	introspection, err := os.ReadFile("../graph/testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	strs := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("k", i)
		}
		return out
	}
	attacks := []struct {
		// defect names the defect of the issue, as docs/security.md does.
		defect, name string
		method       string
		body         []byte
		contentType  string
		status       int
		code         string
		// maxBytes bounds the answer.
		maxBytes int
		// says is a part of the first error's message.
		says string
	}{
		{"validation errors amplify memory", "540 conflicting repeats of one field (20 KB)", http.MethodPost,
			gqlRequest(conflictingRepeats(540), nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "the limit is"},
		{"validation errors amplify memory", "100 conflicting repeats, validated, errors capped", http.MethodPost,
			gqlRequest(conflictingRepeats(graph.MaxRepeats), nil), "", http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", 64 << 10, ""},
		{"the number of errors is not capped", "3 000 unknown directives", http.MethodPost,
			gqlRequest(unknownDirectives(3000), nil), "", http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", 16 << 10, ""},
		{"cost ignores page sizes", "150 aliases of three nested pages of 100 (23 KB)", http.MethodPost,
			gqlRequest(nestedPages(150), nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "the limit is"},
		{"cost ignores page sizes", "20 aliases of three nested pages of 100", http.MethodPost,
			gqlRequest(nestedPages(graph.MaxRootFields), nil), "", http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED", 1 << 10, "complexity"},
		{"validation is quadratic", "one field repeated 7 000 times", http.MethodPost,
			gqlRequest("{"+strings.Repeat(" __typename", 7000)+" }", nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "fields; the limit is"},
		{"validation is quadratic", "one field repeated 7 000 times, with a space more (not cached)", http.MethodPost,
			gqlRequest("{ "+strings.Repeat(" __typename", 7000)+" }", nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "fields; the limit is"},
		{"validation is quadratic", "one alias repeated 900 times", http.MethodPost,
			gqlRequest("{"+strings.Repeat(" t: __typename", 900)+" }", nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "times in selections that are merged"},
		{"the cost of nested fragments is exponential", "40 fragments, each spreading the next twice", http.MethodPost,
			gqlRequest(fragmentsSpreadTwice(40), nil), "", http.StatusOK, "COMPLEXITY_LIMIT_EXCEEDED", 1 << 10, "complexity"},
		{"330 aliased introspections are allowed", "330 aliased introspections", http.MethodPost,
			gqlRequest(aliasedIntrospections(330), nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "the limit is"},
		{"330 aliased introspections are allowed", "three aliased introspections", http.MethodPost,
			gqlRequest(aliasedIntrospections(graph.MaxIntrospectionRoots+1), nil), "", http.StatusOK, "LIMIT_EXCEEDED", 1 << 10, "introspection roots"},
		{"the standard introspection query is refused", "the introspection query of graphql-js and GraphiQL", http.MethodPost,
			func() []byte {
				b, _ := json.Marshal(map[string]any{"query": string(introspection), "operationName": "IntrospectionQuery"})
				return b
			}(), "", http.StatusOK, "", 1 << 20, ""},
		{"a body over the limit answers 200", "a body of 1 MiB and more", http.MethodPost,
			gqlRequest("{ __typename }", map[string]any{"x": strings.Repeat("a", maxBodyBytes)}), "", http.StatusRequestEntityTooLarge, "LIMIT_EXCEEDED", 1 << 10, "larger than"},
		{"malformed bodies are echoed back", "a megabyte of not JSON", http.MethodPost,
			[]byte(`{"query": "{ __typename }", "variables": {"x": [` + strings.Repeat(`"a",`, 200000) + `}}`), "", http.StatusBadRequest, "BAD_USER_INPUT", 1 << 10, "not valid JSON"},
		{"malformed bodies are echoed back", "a query that is an object", http.MethodPost,
			[]byte(`{"query": {"$where": "sleep(1000)"}}`), "", http.StatusBadRequest, "BAD_USER_INPUT", 1 << 10, "query must be a string"},
		{"transport errors have no code", "a body that is not JSON", http.MethodPost,
			[]byte(`query { pilots { totalCount } }`), "application/graphql", http.StatusUnsupportedMediaType, "BAD_USER_INPUT", 1 << 10, "Content-Type"},
		{"a NaN variable gives INTERNAL", "NaN as a Float variable", http.MethodPost,
			gqlRequest(`query($x: Float) { relationships(first: 1, where: {amount: {gte: $x}}) { totalCount } }`, map[string]any{"x": "NaN"}), "", http.StatusOK, "BAD_USER_INPUT", 1 << 10, "finite number"},
		{"last: errors name first", "last: 101", http.MethodPost,
			gqlRequest(`{ pilots(last: 101) { totalCount } }`, nil), "", http.StatusOK, "BAD_USER_INPUT", 1 << 10, "last must be"},
		{"PUT is treated as POST", "PUT", http.MethodPut,
			gqlRequest(`{ pilots { totalCount } }`, nil), "", http.StatusMethodNotAllowed, "BAD_USER_INPUT", 1 << 10, "not allowed"},
		{"in lists of 100 000 strings are accepted", "an in list of 100 000 strings", http.MethodPost,
			gqlRequest(`query($k: [String!]) { services(where: {name: {in: $k}}) { totalCount } }`, map[string]any{"k": strs(100000)}), "", http.StatusOK, "BAD_USER_INPUT", 1 << 10, "100000 items"},
	}

	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			// Every attack comes from this one address: without rate
			// limits here (MustRunMain's default), each defence below is
			// what answers it (the rate limits have their own tests in
			// limits_test.go).
			m := MustRunMain(t, b.env(t))
			MustBeReady(t, m, 30*time.Second)
			before := networkCounts(t, m)
			for _, a := range attacks {
				t.Run(a.defect+": "+a.name, func(t *testing.T) {
					ct := a.contentType
					if ct == "" {
						ct = "application/json"
					}
					ex := send(t, m, a.method, a.body, ct)
					t.Logf("%d B in, %d B out, status %d, %v: %.200s", len(a.body), len(ex.body), ex.status, ex.elapsed.Round(time.Millisecond), firstMessage(ex))
					if ex.status != a.status {
						t.Errorf("status %d, want %d", ex.status, a.status)
					}
					codes := ex.codes()
					switch {
					case a.code == "" && (len(codes) > 0 || ex.answer.Data == nil):
						t.Errorf("errors %v, want an answer", codes)
					case a.code != "" && (len(codes) == 0 || codes[0] != a.code):
						t.Errorf("codes %v, want %s", codes, a.code)
					}
					if len(codes) > graph.MaxErrors+1 {
						t.Errorf("%d errors", len(codes))
					}
					if a.says != "" && !strings.Contains(firstMessage(ex), a.says) {
						t.Errorf("the first error does not say %q", a.says)
					}
					if len(ex.body) > a.maxBytes {
						t.Errorf("%d B answer, want at most %d", len(ex.body), a.maxBytes)
					}
					// Nothing of a refused request comes back.
					if a.code != "" && len(a.body) > 1000 && bytes.Contains(ex.body, a.body[len(a.body)/2:len(a.body)/2+100]) {
						t.Error("the answer echoes the request")
					}
				})
			}

			t.Run("operator-injection strings in every filter match nothing and change nothing", func(t *testing.T) {
				testOperatorInjection(t, m)
			})

			if after := networkCounts(t, m); after != before {
				t.Errorf("the network changed under attack: %s, before %s", after, before)
			}
		})
	}
}

func firstMessage(ex exchange) string {
	if len(ex.answer.Errors) == 0 {
		return ""
	}
	return ex.answer.Errors[0].Message
}

// networkCounts is how many rows of each collection the network holds.
func networkCounts(t *testing.T, m *Main) string {
	t.Helper()
	r := postQuery(t, m, `{ organisations { totalCount } employers { totalCount } pilots { totalCount } contacts { totalCount }
		services { totalCount } regions { totalCount } relationships { totalCount } sourceDocuments { totalCount } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("counts: %+v", r.Errors)
	}
	b, _ := json.Marshal(r.Data)
	return string(b)
}

// injections are strings that a query language below the hub (MongoDB's
// operators, JavaScript, regular expressions, SQL) would read as code.
var injections = []any{
	`{"$gt": ""}`, `{"$ne": null}`, `{"$where": "sleep(5000) || true"}`, `{"$regex": ".*"}`, `.*`, `^`, `$`, `'; db.dropDatabase(); //`,
	`' OR '1'='1`, `\u0000`, "a\x00b", `$key`, `$$ROOT`, `this.name != ''`, `[a-z]+`, `(?i)E`, `%`, `_`,
}

// testOperatorInjection sends each injection string, as a variable and
// as an operator object, into every kind of string filter: as a string
// it is a literal (matching only the one test node named "$key" in the
// storetest suites, and nothing here; a search finds what the string's
// words alone find), as an object it is refused as not a string. The network is counted before and after by the caller.
func testOperatorInjection(t *testing.T, m *Main) {
	filters := []struct{ name, query string }{
		{"nameContains", `query($s: String) { organisations(where: {nameContains: $s}) { totalCount } }`},
		{"name eq", `query($s: String) { organisations(where: {name: {eq: $s}}) { totalCount } }`},
		{"name fold contains", `query($s: String) { pilots(where: {name: {contains: $s, fold: true}}) { totalCount } }`},
		{"key hasPrefix", `query($s: String) { services(where: {key: {hasPrefix: $s}}) { totalCount } }`},
		{"key in", `query($s: String!) { contacts(where: {key: {in: [$s]}}) { totalCount } }`},
		{"keyIn", `query($s: String!) { regions(where: {keyIn: [$s]}) { totalCount } }`},
		{"a related node's name", `query($s: String) { organisations(where: {relationships: [{where: {name: {eq: $s}}}]}) { totalCount } }`},
		{"a relationship's role", `query($s: String) { relationships(where: {role: {eq: $s}}) { totalCount } }`},
		{"a relationship condition's role", `query($s: String) { organisations(where: {relationships: [{relationship: {role: {contains: $s}}}]}) { totalCount } }`},
		{"provisions by service type", `query($s: String!) { provisions(where: {serviceTypeIn: [$s]}) { totalCount } }`},
		{"search", `query($s: String!) { search(text: $s) { matchedText } }`},
		{"entityByKey", `query($s: String!) { entityByKey(kind: Organisation, key: $s) { id } }`},
		{"node", `query($s: ID!) { node(id: $s) { id } }`},
	}
	for _, f := range filters {
		for _, s := range injections {
			r := postQuery(t, m, f.query, map[string]any{"s": s})
			for _, e := range r.Errors {
				if c := e.Extensions["code"]; c != "BAD_USER_INPUT" && c != "NOT_FOUND" && c != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("%s %q: error %q with code %v", f.name, s, e.Message, c)
				}
			}
			if len(r.Errors) > 0 {
				continue
			}
			if n := path(r.Data, "organisations", "totalCount"); n != nil && n != float64(0) {
				t.Errorf("%s %q matches %v organisations", f.name, s, n)
			}
			// A search matches words: the string finds what its
			// letters and digits alone find, operators or not.
			if hits, ok := path(r.Data, "search").([]any); ok {
				plain := postQuery(t, m, f.query, map[string]any{"s": hub.Normalize(s.(string))})
				if want, _ := path(plain.Data, "search").([]any); !reflect.DeepEqual(hits, want) {
					t.Errorf("search %q finds %v, its words alone %v", s, hits, want)
				}
			}
		}
		// As an operator object, where a string is expected: refused.
		for _, op := range []any{map[string]any{"$gt": ""}, map[string]any{"$where": "sleep(5000)"}, []any{"$ne", nil}} {
			r := postQuery(t, m, f.query, map[string]any{"s": op})
			if errorCode(r) != "BAD_USER_INPUT" && errorCode(r) != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s as %v: %+v, want BAD_USER_INPUT", f.name, op, r.Errors)
			}
		}
	}
}

// A damaged data file stops the server at start with an error that
// names the file; it never panics or dies of SIGBUS
// (embedded.TestDamagedFileIsAClearError covers every kind of damage).
func TestDamagedDataFileStopsTheServerWithAClearError(t *testing.T) {
	dir := t.TempDir()
	m := NewMain()
	m.LogOutput = io.Discard
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, embedded.FileName)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data[:len(data)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	m = NewMain()
	m.LogOutput = io.Discard
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	err = m.Run(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("the server started on a truncated data file")
	}
	t.Logf("%v", err)
	if !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("the error does not name the damaged file: %v", err)
	}
}
