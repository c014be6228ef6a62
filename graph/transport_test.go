package graph

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph/generated"
	"github.com/otehub/hub/storetest"
)

// The POST transport answers every request as gqlgen's transport.POST
// does: the same status, media type and body (but for encoding/json's
// escaping of <, > and &, which postJSON leaves as they are).
func TestPostJSONAnswersAsGqlgensPOST(t *testing.T) {
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	n := storetest.Follow(t, s)
	if err := dataset.Seed(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	opts := Options{Network: n, Logger: slog.New(slog.DiscardHandler)}
	// As the server mounts the endpoint: bodies over 1 KiB are refused
	// here, so that one case can exceed the limit.
	limit := func(h http.Handler) http.Handler { return http.MaxBytesHandler(h, 1<<10) }
	ours, theirs := limit(newHandler(opts, postJSON{})), limit(newHandler(opts, transport.POST{}))

	const nested = `{"query":"{ pilots(first: 3) { totalCount nodes { name partners { name } funding { amount currency funder { name } } } } }"}`
	tests := []struct {
		name, body, accept, contentType string
		// executes: the operation runs (postJSON answers it itself).
		executes bool
	}{
		{"a nested page", nested, "", "application/json", true},
		{"a nested page, asking for graphql-response+json", nested, "application/graphql-response+json", "application/json", true},
		{"a nested page, accepting anything", nested, "text/html, */*;q=0.8", "application/json", true},
		{"a nested page, accepting neither JSON type", nested, "text/html", "application/json", true},
		{"a nested page, accepting any application type", nested, "application/*", "application/json", true},
		{"variables and an operation name",
			`{"query":"query A($k: String!) { entityByKey(kind: Organisation, key: $k) { name } } query B { __typename }","operationName":"A","variables":{"k":"eksote"}}`,
			"", "application/json; charset=utf-8", true},
		{"a search with <, > and & in its text", `{"query":"{ search(text: \"<b>&amp;</b> Päijät\", first: 3) { match } }"}`, "", "application/json", true},
		{"an error from a resolver, with data", `{"query":"{ __typename node(id: \"not an id\") { id } }"}`, "", "application/json", true},
		{"a field that does not exist", `{"query":"{ pilots { nope } }"}`, "", "application/json", false},
		{"a field that does not exist, graphql-response+json", `{"query":"{ pilots { nope } }"}`, "application/graphql-response+json", "application/json", false},
		{"a query that does not parse", `{"query":"{ pilots { "}`, "", "application/json", false},
		{"a refused @defer", `{"query":"{ aggregates { ... @defer { pilotsPerYear { key } } } }"}`, "", "application/json", false},
		{"a body that is not JSON", `{"query": `, "", "application/json", false},
		{"a body over the limit", `{"query":"{ __typename }","x":"` + strings.Repeat("x", 2000) + `"}`, "", "application/json", false},
		{"introspection", `{"query":"{ __schema { queryType { name } } }"}`, "", "application/json", true},
	}
	t.Run("a request cancelled before its operation runs", func(t *testing.T) {
		// Straight to the transports: the handler's time limit would
		// answer a cancelled request before them.
		exec := executor.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{Index: n}}))
		ask := func(tr graphql.Transport) (w *httptest.ResponseRecorder, panicked any) {
			ctx, cancel := context.WithCancel(graphql.StartOperationTrace(context.Background()))
			cancel()
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			r.Header.Set("Content-Type", "application/json")
			w = httptest.NewRecorder()
			defer func() { panicked = recover() }()
			tr.Do(w, r, exec)
			return w, nil
		}
		got, p := ask(postJSON{})
		want, wantPanic := ask(transport.POST{})
		if wantPanic != nil {
			t.Fatalf("transport.POST panicked: %v", wantPanic)
		}
		if p != nil || got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("got %d %q (panic %v), want %d %q", got.Code, got.Body.String(), p, want.Code, want.Body.String())
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ask := func(h http.Handler) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tc.body))
				r.Header.Set("Content-Type", tc.contentType)
				if tc.accept != "" {
					r.Header.Set("Accept", tc.accept)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			got, want := ask(ours), ask(theirs)
			gotBody, _ := io.ReadAll(got.Body)
			wantBody, _ := io.ReadAll(want.Body)
			unescape := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") ||
				unescape(string(gotBody)) != unescape(string(wantBody)) {
				t.Errorf("got %d %s\n%s\nwant %d %s\n%s", got.Code, got.Header().Get("Content-Type"), gotBody,
					want.Code, want.Header().Get("Content-Type"), wantBody)
			}
			if executes := strings.Contains(string(gotBody), `"data":{`); executes != tc.executes {
				t.Errorf("the operation ran: %v, want %v: %s", executes, tc.executes, gotBody)
			}
		})
	}
}
