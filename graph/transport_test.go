package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub/graph"
)

// exchange is one HTTP answer of the endpoint: its status, headers and
// the GraphQL errors of its body.
type exchange struct {
	status int
	header http.Header
	body   []byte
	errors []gqlError
}

func do(tb testing.TB, req *http.Request) exchange {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	ex := exchange{status: resp.StatusCode, header: resp.Header, body: body}
	var out struct{ Errors []gqlError }
	if len(body) > 0 && req.Method != http.MethodHead {
		if err := json.Unmarshal(body, &out); err != nil {
			tb.Fatalf("%s %d: the body is not JSON: %.300s", req.Method, resp.StatusCode, body)
		}
	}
	ex.errors = out.Errors
	return ex
}

// mustAnswer checks that ex has status and one error with code, and
// that the body echoes nothing of the request and names no Go type.
func (ex exchange) mustAnswer(tb testing.TB, status int, code string) {
	tb.Helper()
	if ex.status != status {
		tb.Errorf("status %d, want %d: %.300s", ex.status, status, ex.body)
	}
	if len(ex.errors) != 1 || ex.errors[0].code() != code {
		tb.Errorf("errors %.300s, want one %s", ex.body, code)
	}
	for _, leak := range []string{"Go ", "RawParams", "struct", "body:", "json:"} {
		if bytes.Contains(ex.body, []byte(leak)) {
			tb.Errorf("the answer contains %q: %.300s", leak, ex.body)
		}
	}
	if len(ex.body) > 1024 {
		tb.Errorf("%d B answer", len(ex.body))
	}
}

func post(tb testing.TB, url, contentType string, body io.Reader) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return req
}

func TestTransportErrors(t *testing.T) {
	srv := httptest.NewServer(graph.NewHandler(graph.Options{Network: MustOpenSeeded(t), MaxBodyBytes: 1 << 20}))
	defer srv.Close()

	t.Run("a body over the limit answers 413", func(t *testing.T) {
		// gqlgen's POST transport answers it 200, "could not read request body".
		big := `{"query": "{ __typename }", "variables": {"x": "` + strings.Repeat("a", 1<<20) + `"}}`
		do(t, post(t, srv.URL, "application/json", strings.NewReader(big))).mustAnswer(t, http.StatusRequestEntityTooLarge, "LIMIT_EXCEEDED")
		// Without a Content-Length, as a chunked upload.
		req := post(t, srv.URL, "application/json", io.MultiReader(strings.NewReader(big)))
		req.ContentLength = -1
		do(t, req).mustAnswer(t, http.StatusRequestEntityTooLarge, "LIMIT_EXCEEDED")
	})

	malformed := []struct{ name, body, says string }{
		{"not JSON", `{bad`, "not valid JSON"},
		{"a megabyte of not JSON", `{"query": "{ __typename }", "variables": {"x": [` + strings.Repeat(`"a",`, 200000) + `}}`, "not valid JSON"},
		{"a query that is a number", `{"query": 12}`, "query must be a string"},
		{"variables that are a list", `{"query": "{ __typename }", "variables": [1]}`, "variables must be an object"},
		{"a list", `[{"query": "{ __typename }"}]`, "must be a JSON object"},
		{"nothing", ``, "empty"},
	}
	for _, tc := range malformed {
		t.Run("a body that is "+tc.name+" answers 400 without echoing it", func(t *testing.T) {
			ex := do(t, post(t, srv.URL, "application/json", strings.NewReader(tc.body)))
			ex.mustAnswer(t, http.StatusBadRequest, "BAD_USER_INPUT")
			if len(ex.errors) > 0 && !strings.Contains(ex.errors[0].Message, tc.says) {
				t.Errorf("message %q, want %q", ex.errors[0].Message, tc.says)
			}
		})
	}

	t.Run("another content type answers 415", func(t *testing.T) {
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
			do(t, post(t, srv.URL, ct, strings.NewReader(`{"query": "{ __typename }"}`))).mustAnswer(t, http.StatusUnsupportedMediaType, "BAD_USER_INPUT")
		}
	})

	t.Run("other methods answer 405 with Allow", func(t *testing.T) {
		for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
			req, _ := http.NewRequest(method, srv.URL, strings.NewReader(`{"query": "{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			ex := do(t, req)
			ex.mustAnswer(t, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
			if allow := ex.header.Get("Allow"); allow != "OPTIONS, GET, POST" {
				t.Errorf("%s: Allow %q", method, allow)
			}
		}
	})

	t.Run("a GET of a mutation answers 405, bad GET parameters 400, both with a code", func(t *testing.T) {
		// gqlgen's GET transport answers these 406 and 400 without a code.
		for _, tc := range []struct {
			params string
			status int
		}{
			{"query=" + url.QueryEscape(`mutation { deleteNode(input: {id: "x", version: 1}) { deletedIds } }`), http.StatusMethodNotAllowed},
			{"query=" + url.QueryEscape(`subscription { changes { id } }`), http.StatusMethodNotAllowed},
			{"operationName=M&query=" + url.QueryEscape(`query Q { __typename } mutation M { deleteNode(input: {id: "x", version: 1}) { deletedIds } }`), http.StatusMethodNotAllowed},
			{"query=%7B__typename%7D&variables=" + url.QueryEscape(`[1]`), http.StatusBadRequest},
			{"query=%7B__typename%7D&extensions=" + url.QueryEscape(`{bad`), http.StatusBadRequest},
		} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"?"+tc.params, nil)
			do(t, req).mustAnswer(t, tc.status, "BAD_USER_INPUT")
		}
	})

	t.Run("GET and POST still answer", func(t *testing.T) {
		ex := do(t, post(t, srv.URL, "application/json; charset=utf-8", strings.NewReader(`{"query": "{ __typename }"}`)))
		if ex.status != http.StatusOK || len(ex.errors) > 0 {
			t.Errorf("POST: %d %s", ex.status, ex.body)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"?query=%7B__typename%7D", nil)
		if ex := do(t, req); ex.status != http.StatusOK || len(ex.errors) > 0 {
			t.Errorf("GET: %d %s", ex.status, ex.body)
		}
	})
}

func TestInputErrors(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})

	t.Run("a Float variable that is not a finite number is BAD_USER_INPUT", func(t *testing.T) {
		// gqlgen reads "NaN" as NaN, which matches nothing.
		q := `query($x: Float) { relationships(first: 1, where: {amount: {gte: $x}}) { totalCount } }`
		for _, v := range []any{"NaN", "Infinity", "-Inf", "+Inf"} {
			s.reset()
			errs := MustFailWith(t, c, "BAD_USER_INPUT", q, client.Var("x", v))
			if !strings.Contains(errs[0].Message, "where.amount.gte") {
				t.Errorf("%v: message %q does not name the argument", v, errs[0].Message)
			}
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
		}
	})

	t.Run("an error about last names last", func(t *testing.T) {
		for _, n := range []int{-1, 101} {
			errs := MustFailWith(t, c, "BAD_USER_INPUT", fmt.Sprintf(`{ pilots(last: %d) { totalCount } }`, n))
			if !strings.HasPrefix(errs[0].Message, "last ") {
				t.Errorf("message %q", errs[0].Message)
			}
		}
	})

	list := func(n int, item string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(item, i)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	// Every kind of list a where can hold, nested as clients write them.
	lists := []struct{ name, query string }{
		{"idIn", `{ organisations(where: {idIn: %s}) { totalCount } }`},
		{"keyIn", `{ pilots(where: {keyIn: %s}) { totalCount } }`},
		{"a string filter's in", `{ services(where: {name: {in: %s}}) { totalCount } }`},
		{"a string filter's notIn", `{ services(where: {key: {notIn: %s}}) { totalCount } }`},
		{"a relationship condition's related nodes", `{ organisations(where: {relationships: [{types: [PARTNER_IN], where: {keyIn: %s}}]}) { totalCount } }`},
		{"a relationship condition's relationship role", `{ organisations(where: {relationships: [{relationship: {role: {in: %s}}}]}) { totalCount } }`},
		{"a relationship filter's role", `{ relationships(where: {role: {notIn: %s}}) { totalCount } }`},
		{"a condition under or", `{ pilots(where: {or: [{keyIn: ["a"]}, {not: {keyIn: %s}}]}) { totalCount } }`},
	}
	for _, tc := range lists {
		t.Run("a list of more than 100 items in "+tc.name+" is refused", func(t *testing.T) {
			s.reset()
			q := fmt.Sprintf(tc.query, list(101, `"k%d"`))
			errs := MustFailWith(t, c, "BAD_USER_INPUT", q)
			if !strings.Contains(errs[0].Message, "101 items") {
				t.Errorf("message %q", errs[0].Message)
			}
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
			if _, errs := MustErrors(t, c, fmt.Sprintf(tc.query, list(100, `"k%d"`))); len(errs) > 0 && strings.Contains(errs[0].Message, "items") {
				t.Errorf("100 items refused: %+v", errs)
			}
		})
	}

	t.Run("a list given as a variable is refused too", func(t *testing.T) {
		// gqlgen coerces a variable's list of any length.
		keys := make([]string, 100000)
		for i := range keys {
			keys[i] = fmt.Sprint("k", i)
		}
		MustFailWith(t, c, "BAD_USER_INPUT", `query($k: [String!]) { services(where: {name: {in: $k}}) { totalCount } }`, client.Var("k", keys))
	})
}
