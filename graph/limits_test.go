package graph_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/web"
)

// allocated runs f and returns the bytes the process allocated meanwhile
// (other tests running in parallel count too, so bounds are generous).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDocumentLimits(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})

	// One response name written with conflicting arguments: validation
	// compares every pair, and each pair is an error. Without the limit,
	// this 20 KB document (540 repeats) takes 1.7 s and 344 MB to answer
	// with 28 MB of errors; 7 000 repeats of __typename take 4 s and
	// 565 MB to validate.
	conflicting := func(n int) string {
		var b strings.Builder
		b.WriteString(`{ entityByKey(kind: Organisation, key: "eksote") {`)
		for i := range n {
			fmt.Fprintf(&b, " total: relationships(first: %d) { totalCount }", i)
		}
		return b.String() + " } }"
	}
	attacks := []struct{ name, query string }{
		{"one response name with conflicting arguments, 400 times", conflicting(400)},
		{"one response name with conflicting arguments, 540 times", conflicting(540)},
		{"one field repeated 900 times", "{" + strings.Repeat(" t: __typename", 900) + " }"},
		{"one response name with conflicting arguments in 150 fragments", func() string {
			var b strings.Builder
			b.WriteString(`{ entityByKey(kind: Organisation, key: "eksote") {`)
			for i := range 150 {
				fmt.Fprintf(&b, " ...F%d", i)
			}
			b.WriteString(" } }")
			for i := range 150 {
				fmt.Fprintf(&b, " fragment F%d on Entity { total: relationships(first: %d) { totalCount } }", i, i)
			}
			return b.String()
		}()},
		{"one field repeated 7 000 times", "{" + strings.Repeat(" __typename", 7000) + " }"},
		{"more fields than MaxFields", func() string {
			var b strings.Builder
			b.WriteString("{ aggregates {")
			for i := range graph.MaxFields/2 + 1 {
				fmt.Fprintf(&b, " a%d: __typename b%d: __typename", i, i)
			}
			return b.String() + " } }"
		}()},
	}
	for _, tc := range attacks {
		t.Run(tc.name+" is refused before validation", func(t *testing.T) {
			s.reset()
			var errs []gqlError
			start := time.Now()
			alloc := allocated(func() { _, errs = MustErrors(t, c, tc.query) })
			took := time.Since(start)
			if len(errs) != 1 || errs[0].code() != "LIMIT_EXCEEDED" {
				t.Fatalf("errors %+v, want one LIMIT_EXCEEDED", errs)
			}
			t.Logf("%d B query: %v, %d KB allocated, %q", len(tc.query), took, alloc>>10, errs[0].Message)
			if took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if alloc > 64<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
		})
	}

	t.Run("a name written MaxRepeats times is validated as usual", func(t *testing.T) {
		_, errs := MustErrors(t, c, conflicting(graph.MaxRepeats))
		if len(errs) == 0 || errs[0].code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("errors %.300v, want GRAPHQL_VALIDATION_FAILED", errs)
		}
		var same strings.Builder
		same.WriteString(`{ entityByKey(kind: Organisation, key: "eksote") {`)
		for range graph.MaxRepeats {
			same.WriteString(" total: relationships(first: 1) { totalCount }")
		}
		same.WriteString(" } }")
		if data, errs := MustErrors(t, c, same.String()); len(errs) > 0 || data == nil {
			t.Errorf("errors %+v", errs)
		}
		// As Apollo Client sends it: __typename in every selection set.
		typenames := "{" + strings.Repeat(" __typename", graph.MaxFields) + " }"
		if data, errs := MustErrors(t, c, typenames); len(errs) > 0 || data == nil {
			t.Errorf("errors %+v", errs)
		}
	})

	t.Run("at most MaxErrors errors are returned, and one saying more were dropped", func(t *testing.T) {
		// Uncapped, 3 000 unknown directives return 3 000 errors, 400 KB.
		var b strings.Builder
		b.WriteString("{ __typename")
		for i := range 3000 {
			fmt.Fprintf(&b, " @x%d", i)
		}
		b.WriteString(" }")
		resp, err := c.RawPost(b.String())
		if err != nil {
			t.Fatal(err)
		}
		_, errs := MustErrors(t, c, b.String())
		if len(errs) != graph.MaxErrors+1 {
			t.Fatalf("%d errors, want %d", len(errs), graph.MaxErrors+1)
		}
		last := errs[len(errs)-1]
		if last.code() != "LIMIT_EXCEEDED" || !strings.Contains(last.Message, "dropped") {
			t.Errorf("last error %+v", last)
		}
		if len(resp.Errors) > 16<<10 {
			t.Errorf("%d B of errors", len(resp.Errors))
		}
	})
}

func TestIntrospectionAndRootLimits(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})

	t.Run("the introspection query of graphql-js and GraphiQL answers", func(t *testing.T) {
		q, err := os.ReadFile("testdata/introspection.graphql")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := c.RawPost(string(q), client.Operation("IntrospectionQuery"))
		if err != nil || len(raw.Errors) > 0 {
			t.Fatalf("%v %s", err, raw.Errors)
		}
		data, _ := json.Marshal(raw.Data)
		var resp struct {
			Schema struct {
				QueryType struct{ Name string }
				Types     []struct{ Name string }
			} `json:"__schema"`
		}
		if err := json.Unmarshal(data, &resp); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d B of introspection", len(data))
		if resp.Schema.QueryType.Name != "Query" || len(resp.Schema.Types) < 20 {
			t.Errorf("query type %q, %d types", resp.Schema.QueryType.Name, len(resp.Schema.Types))
		}
	})

	t.Run("type references nested past MaxIntrospectionDepth are refused", func(t *testing.T) {
		q := `{ __type(name: "Pilot") { ` + strings.Repeat("ofType { ", graph.MaxIntrospectionDepth) + "name" + strings.Repeat(" }", graph.MaxIntrospectionDepth) + " } }"
		errs := MustFailWith(t, c, "LIMIT_EXCEEDED", q)
		if !strings.Contains(errs[0].Message, fmt.Sprint(graph.MaxIntrospectionDepth)) {
			t.Errorf("message %q does not name the limit", errs[0].Message)
		}
	})

	aliased := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field)
		}
		return b.String() + " }"
	}
	refused := []struct{ name, query string }{
		// Without the limit, one request answers 330 of these.
		{"330 aliased introspections", aliased(330, "__schema { types { name fields { name } } }")},
		{"more introspection roots than MaxIntrospectionRoots", aliased(graph.MaxIntrospectionRoots+1, "__schema { queryType { name } }")},
		{"more root fields than MaxRootFields", aliased(graph.MaxRootFields+1, "pilots(first: 1) { totalCount }")},
		{"more root fields than MaxRootFields through fragments", `{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...C ...C } fragment C on Query { ...D ...D } fragment D on Query { ...E ...E } fragment E on Query { ...F ...F } fragment F on Query { pilots(first: 1) { totalCount } }`},
	}
	for _, tc := range refused {
		t.Run(tc.name+" are refused before anything is read", func(t *testing.T) {
			s.reset()
			MustFailWith(t, c, "LIMIT_EXCEEDED", tc.query)
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
		})
	}

	t.Run("MaxRootFields root fields and MaxIntrospectionRoots introspections answer", func(t *testing.T) {
		for _, q := range []string{
			aliased(graph.MaxRootFields, "pilots(first: 1) { totalCount }"),
			aliased(graph.MaxIntrospectionRoots, "__schema { queryType { name } }"),
		} {
			if data, errs := MustErrors(t, c, q); len(errs) > 0 || data == nil {
				t.Errorf("errors %+v\nquery: %.200s", errs, q)
			}
		}
	})
}

func TestCostCountsPages(t *testing.T) {
	s := newCountingReader(MustOpenSeeded(t))
	c := newClient(graph.Options{Network: s})

	// Counted once rather than once per row of its pages, 150 aliases of
	// this pass every limit, and 20 of them answer 27.6 MB.
	const nested = `pilots(first: 100) { nodes { relationships(first: 100) { nodes { from { relationships(first: 100) { nodes { id key } } } } } } }`
	// Each fragment spreads the next twice; gqlgen's own walk takes 2ⁿ
	// steps, the cost limit one per fragment.
	var fragments strings.Builder
	fragments.WriteString(`{ pilots(first: 1) { nodes { ...F0 } } }`)
	const n = 40
	for i := range n {
		fmt.Fprintf(&fragments, " fragment F%d on Pilot { ...F%d ... on Pilot { ...F%d } }", i, i+1, i+1)
	}
	fmt.Fprintf(&fragments, " fragment F%d on Pilot { name }", n)

	refused := []struct {
		name, query string
		vars        map[string]any
	}{
		{"three nested pages of 100", "{ " + nested + " }", nil},
		{"three nested pages of 100 under 20 aliases", func() string {
			var b strings.Builder
			b.WriteString("{")
			for i := range graph.MaxRootFields {
				fmt.Fprintf(&b, " a%d: %s", i, nested)
			}
			return b.String() + " }"
		}(), nil},
		{"three nested pages sized by a variable", `query($n: Int) { pilots(first: $n) { nodes { relationships(last: $n) { nodes { from { relationships(first: $n) { nodes { id } } } } } } } }`, map[string]any{"n": 100}},
		{"three nested pages of the default size of 20, with 30 fields each", `{ pilots { nodes { relationships { nodes { from { relationships { nodes { ...R } } } } } } } } fragment R on Relationship { ` + strings.Repeat("id type role description ", 7) + `}`, nil},
		{"fragments spread twice each, 40 deep", fragments.String(), nil},
	}
	for _, tc := range refused {
		t.Run(tc.name+" is refused before anything is read", func(t *testing.T) {
			s.reset()
			var opts []client.Option
			for k, v := range tc.vars {
				opts = append(opts, client.Var(k, v))
			}
			start := time.Now()
			errs := MustFailWith(t, c, "COMPLEXITY_LIMIT_EXCEEDED", tc.query, opts...)
			took := time.Since(start)
			t.Logf("%v: %s", took, errs[0].Message)
			if took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if calls, n := s.snapshot(); n != 0 {
				t.Errorf("the network was read: %v", calls)
			}
		})
	}

	t.Run("the playground's examples and the map's and dashboard's queries are under the limit", func(t *testing.T) {
		examples, err := web.Examples()
		if err != nil {
			t.Fatal(err)
		}
		queries := map[string]string{}
		for _, e := range examples {
			// Mutations need a key, and the history a store, which this
			// Reader lacks: the server's TestPlaygroundMutations runs
			// them, through the same limits.
			if !e.Subscription && !e.Mutation && e.Name != "History" {
				queries[e.Name] = e.Query
			}
		}
		// The queries of web/map/src, as the pages send them.
		for _, f := range []string{"dashboard.js", "map.js"} {
			src, err := os.ReadFile("../web/map/src/" + f)
			if err != nil {
				t.Fatal(err)
			}
			found := regexp.MustCompile("graphql\\(`([^`]*)`").FindAllStringSubmatch(string(src), -1)
			if len(found) == 0 {
				t.Fatalf("no query found in %s", f)
			}
			for i, m := range found {
				queries[fmt.Sprintf("%s #%d", f, i+1)] = m[1]
			}
		}
		for name, q := range queries {
			// A page's search sends what the user typed.
			var vars []client.Option
			if strings.Contains(q, "$text") {
				vars = append(vars, client.Var("text", "Kela"))
			}
			if data, errs := MustErrors(t, c, q, vars...); len(errs) > 0 || data == nil {
				t.Errorf("%s: %+v", name, errs)
			}
		}
	})
}

// Limits given in Options replace the defaults, each where it applies.
func TestConfiguredLimits(t *testing.T) {
	c := newClient(graph.Options{Network: MustOpenSeeded(t), Limits: graph.Limits{Complexity: 50, Depth: 3, RootFields: 2, Fields: 8, Errors: 3}})
	for _, tc := range []struct {
		name, code, query, says string
	}{
		{"a query within every limit answers", "", `{ pilots(first: 2) { totalCount } }`, ""},
		{"four levels are one too many", "LIMIT_EXCEEDED", `{ pilots(first: 1) { nodes { regions { name } } } }`, "levels deep"},
		{"three root fields are one too many", "LIMIT_EXCEEDED", `{ a: pilots(first: 1) { totalCount } b: pilots(first: 1) { totalCount } c: pilots(first: 1) { totalCount } }`, "root fields"},
		{"nine fields are one too many", "LIMIT_EXCEEDED", `{ pilots(first: 1) { totalCount a: totalCount nodes { id name key shortName b: name } } }`, "fields; the limit is 8"},
		{"a page of 20 costs more than 50", "COMPLEXITY_LIMIT_EXCEEDED", `{ pilots(first: 20) { nodes { name key } } }`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == "" {
				var resp struct{ Pilots struct{ TotalCount int } }
				MustQuery(t, c, tc.query, &resp)
				if resp.Pilots.TotalCount != 7 {
					t.Errorf("totalCount %d, want 7", resp.Pilots.TotalCount)
				}
				return
			}
			errs := MustFailWith(t, c, tc.code, tc.query)
			if !strings.Contains(errs[0].Message, tc.says) {
				t.Errorf("error %q does not say %q", errs[0].Message, tc.says)
			}
		})
	}
	t.Run("a response carries three errors and one saying more were dropped", func(t *testing.T) {
		_, errs := MustErrors(t, c, `{ a: nope1 b: nope2 }`)
		// Two unknown fields make two errors: within the cap.
		if len(errs) != 2 {
			t.Fatalf("%d errors, want 2: %+v", len(errs), errs)
		}
		_, errs = MustErrors(t, c, `{ __typename @a @b @c @d @e }`)
		if len(errs) != 4 || !strings.Contains(errs[3].Message, "more errors were dropped") {
			t.Errorf("%d errors, want 3 and a note: %+v", len(errs), errs)
		}
	})
}
