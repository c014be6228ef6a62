package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/web"
)

// MustRunMain starts the real server on a free loopback port with a fresh
// data directory, like a user's `go run ./server`, and stops it when the
// test ends.
func MustRunMain(tb testing.TB, env map[string]string) *Main {
	tb.Helper()
	return mustRunMainWith(tb, env, func(*Main) {})
}

// mustRunMainWith is MustRunMain with prepare called on the Main before
// it runs.
func mustRunMainWith(tb testing.TB, env map[string]string, prepare func(*Main)) *Main {
	tb.Helper()
	m := NewMain()
	m.LogOutput = io.Discard
	env = testEnv(env)
	if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-data-dir", tb.TempDir()}, func(k string) string { return env[k] }); err != nil {
		tb.Fatal(err)
	}
	prepare(m)
	if err := m.Run(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Error(err)
		}
	})
	return m
}

// withEnv is env with the variables of kv (name, value, ...) set, env
// itself unchanged.
func withEnv(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// testEnv is env with the rate limits off unless env sets them: every
// test request comes from one address, so a test of anything else would
// otherwise depend on how fast it runs (the rate limit tests set them).
func testEnv(env map[string]string) map[string]string {
	out := withEnv(nil, "HUB_RATE_LIMIT_ANONYMOUS", "0", "HUB_RATE_LIMIT_KEY", "0")
	for k, v := range env {
		out[k] = v
	}
	return out
}

type gqlResponse struct {
	Data       map[string]any `json:"data"`
	Extensions map[string]any `json:"extensions"`
	Errors     []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// postQuery posts a GraphQL request as an anonymous caller.
func postQuery(tb testing.TB, m *Main, query string, vars map[string]any) gqlResponse {
	tb.Helper()
	_, r := postAs(tb, m, "", query, vars)
	return r
}

// path walks a decoded JSON value by keys and indexes.
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func names(list any) []string {
	var out []string
	for _, it := range list.([]any) {
		out = append(out, path(it, "name").(string))
	}
	return out
}

func TestMain(m *testing.M) { mongotest.Main(m) }

// backends are the stores every server test runs against.
var backends = []struct {
	name string
	env  func(tb testing.TB) map[string]string
}{
	{"embedded", func(testing.TB) map[string]string { return nil }},
	{"mongodb", func(tb testing.TB) map[string]string {
		return map[string]string{"MONGODB_URI": mongotest.URI(tb)}
	}},
}

// MustBeReady waits until /readyz says ready.
func MustBeReady(tb testing.TB, m *Main, within time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(m.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not ready after %v", within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestServer(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, b.env(t))
			MustBeReady(t, m, 30*time.Second)
			testServer(t, m)
		})
	}
}

// The two backends give byte-identical answers to every example query.
func TestBackendsAnswerAlike(t *testing.T) {
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	exports := []string{"network.json?metrics=degree,betweenness,community", "network.graphml?kind=Pilot&kind=Organisation&depth=1", "network.gexf?asOf=2018-06-01"}
	var answers [2][]string
	for i, b := range backends {
		m := MustRunMain(t, b.env(t))
		MustBeReady(t, m, 30*time.Second)
		for _, e := range examples {
			if e.Subscription || e.Mutation {
				continue // TestSubscriptionsOnTheEmbeddedStore and TestPlaygroundMutations run them
			}
			r := postQuery(t, m, e.Query, nil)
			// Freshness is the instance's own (when it loaded, what it
			// applied since); every other part of the answer must agree.
			if _, ok := r.Extensions["freshness"]; !ok {
				t.Errorf("%s: no freshness in the response", e.Name)
			}
			delete(r.Extensions, "freshness")
			out, _ := json.Marshal(r)
			answers[i] = append(answers[i], string(out))
		}
		for _, x := range exports {
			resp, err := http.Get(m.URL() + "/export/" + x)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers[i] = append(answers[i], resp.Status+string(body))
		}
	}
	names := make([]string, 0, len(examples)+len(exports))
	for _, e := range examples {
		if !e.Subscription && !e.Mutation {
			names = append(names, e.Name)
		}
	}
	names = append(names, exports...)
	for i, name := range names {
		if answers[0][i] != answers[1][i] {
			t.Errorf("%s differs:\nembedded: %.2000s\nmongodb:  %.2000s", name, answers[0][i], answers[1][i])
		}
	}
}

func testServer(t *testing.T, m *Main) {
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, e := range examples {
		byName[e.Name] = e.Query
	}

	t.Run("health check answers with the version", func(t *testing.T) {
		resp, err := http.Get(m.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Status, Version string }
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK ||
			body.Status != "ok" || !strings.HasPrefix(body.Version, "hub ") {
			t.Fatalf("status %d, body %+v, %v", resp.StatusCode, body, err)
		}
	})

	t.Run("the playground page offers the example queries", func(t *testing.T) {
		resp, err := http.Get(m.URL() + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		page := string(b)
		if resp.StatusCode != 200 || !strings.Contains(page, "GraphiQL") {
			t.Fatalf("status %d, page without GraphiQL", resp.StatusCode)
		}
		for _, name := range []string{"Pilots", "Organisation", "PilotServices", "Search"} {
			if _, ok := byName[name]; !ok {
				t.Fatalf("no example %s", name)
			}
			if !strings.Contains(page, "query "+name) {
				t.Errorf("playground lacks example %s", name)
			}
		}
	})

	t.Run("every example query runs without errors", func(t *testing.T) {
		for _, e := range examples {
			if e.Subscription {
				continue // TestSubscriptionsOnTheEmbeddedStore runs it
			}
			if e.Mutation {
				// Without a key a mutation is refused and writes nothing;
				// TestPlaygroundMutations runs them with one.
				if r := postQuery(t, m, e.Query, nil); errorCode(r) != "UNAUTHENTICATED" || r.Data != nil {
					t.Errorf("%s without a key: %+v, want UNAUTHENTICATED and no data", e.Name, r)
				}
				continue
			}
			r := postQuery(t, m, e.Query, nil)
			if len(r.Errors) > 0 || r.Data == nil {
				t.Errorf("%s: errors %+v", e.Name, r.Errors)
			}
		}
	})

	t.Run("a contact whose role ended is not a current contact", func(t *testing.T) {
		// seed-002 line 135: "projektipäällikkö Niina Turunen (17.5.2017 asti)".
		r := postQuery(t, m, `{ pilots(where: {keyIn: ["yhdessa-hyva-ote"]}) { nodes {
			now: contacts { key } then: contacts(asOf: "2017-05-01") { key } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("errors %+v", r.Errors)
		}
		keys := func(field string) []string {
			var out []string
			for _, c := range path(r.Data, "pilots", "nodes", 0, field).([]any) {
				out = append(out, path(c, "key").(string))
			}
			slices.Sort(out)
			return out
		}
		if got := keys("now"); !slices.Equal(got, []string{"timo-pesu"}) {
			t.Errorf("contacts today = %v, want [timo-pesu]", got)
		}
		if got := keys("then"); !slices.Equal(got, []string{"niina-turunen", "timo-pesu"}) {
			t.Errorf("contacts on 2017-05-01 = %v, want both", got)
		}
	})

	t.Run("partner counts leave out the actors to be gathered", func(t *testing.T) {
		// seed-002 line 27 names seven partners of Yhdessä hyvä OTE; the
		// four actors of line 56 are to be gathered, not partners.
		r := postQuery(t, m, `{ pilots(where: {keyIn: ["yhdessa-hyva-ote"]}) { nodes { partners { key }
			relationships(types: [PROSPECTIVE_PARTNER_IN], direction: IN) { totalCount } } }
			aggregates { partnersPerPilot { node { key } count } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("errors %+v", r.Errors)
		}
		p := path(r.Data, "pilots", "nodes", 0)
		if got := len(path(p, "partners").([]any)); got != 7 {
			t.Errorf("partners = %d, want 7", got)
		}
		if got := path(p, "relationships", "totalCount"); got != float64(4) {
			t.Errorf("actors to be gathered = %v, want 4", got)
		}
		for _, b := range path(r.Data, "aggregates", "partnersPerPilot").([]any) {
			if path(b, "node", "key") == "yhdessa-hyva-ote" && path(b, "count") != float64(7) {
				t.Errorf("partnersPerPilot Yhdessä hyvä OTE = %v, want 7", path(b, "count"))
			}
		}
	})

	t.Run("pilots example lists the seven pilots with administrators and both disputed figures", func(t *testing.T) {
		r := postQuery(t, m, byName["Pilots"], nil)
		if got := path(r.Data, "pilots", "totalCount"); got != float64(7) {
			t.Fatalf("totalCount = %v, want 7", got)
		}
		pilots := path(r.Data, "pilots", "nodes").([]any)
		found := false
		for _, p := range pilots {
			if path(p, "name") != "Yhdessä hyvä OTE" {
				continue
			}
			found = true
			if admins := names(path(p, "administrators")); len(admins) != 1 || admins[0] != "Etelä-Karjalan sosiaali- ja terveystoimi" {
				t.Errorf("administrators = %v", admins)
			}
			var amounts []float64
			for _, f := range path(p, "funding").([]any) {
				amounts = append(amounts, path(f, "amount").(float64))
				if len(path(f, "sources").([]any)) == 0 {
					t.Errorf("funding record without source")
				}
			}
			if len(amounts) != 2 || !(slices.Contains(amounts, 1200000) && slices.Contains(amounts, 1500000)) {
				t.Errorf("funding = %v, want 1200000 and 1500000", amounts)
			}
			if partners := names(path(p, "partners")); !slices.Contains(partners, "Carea") || !slices.Contains(partners, "Kansaneläkelaitos") {
				t.Errorf("partners = %v, want Carea and Kela among them", partners)
			}
		}
		if !found {
			t.Fatal("Yhdessä hyvä OTE missing")
		}
	})

	t.Run("organisation example shows Eksote administering its pilot", func(t *testing.T) {
		r := postQuery(t, m, byName["Organisation"], nil)
		if got := path(r.Data, "entityByKey", "name"); got != "Etelä-Karjalan sosiaali- ja terveystoimi" {
			t.Fatalf("name = %v", got)
		}
		ok := false
		for _, rel := range path(r.Data, "entityByKey", "relationships", "nodes").([]any) {
			if path(rel, "type") == "ADMINISTERS" && path(rel, "to", "name") == "Yhdessä hyvä OTE" {
				ok = true
			}
		}
		if !ok {
			t.Error("no ADMINISTERS relationship to Yhdessä hyvä OTE")
		}
	})

	t.Run("pilot services example lists job coaching", func(t *testing.T) {
		r := postQuery(t, m, byName["PilotServices"], nil)
		services := names(path(r.Data, "pilots", "nodes", 0, "services"))
		if len(services) < 5 {
			t.Errorf("services = %v, want several", services)
		}
		joined := strings.ToLower(strings.Join(services, "|"))
		if !strings.Contains(joined, "työhönvalmennus") {
			t.Errorf("services %v lack työhönvalmennus (job coaching)", services)
		}
	})

	t.Run("search finds Päijät-Häme from plain ASCII, exact match first", func(t *testing.T) {
		r := postQuery(t, m, `{ search(text: "paijat hame", first: 10) { match node { name } } }`, nil)
		first := path(r.Data, "search", 0)
		if path(first, "node", "name") != "Päijät-Häme" || path(first, "match") != "EXACT" {
			t.Errorf("first hit = %v", first)
		}
	})

	t.Run("the Search example finds Kainuu by an inflected form, after the alias that contains it", func(t *testing.T) {
		r := postQuery(t, m, byName["Search"], nil)
		// "Vieraita muilta OTE-kokeilualueilta Kainuussa" is an alias
		// of the Kajaani meeting of 2017.
		first, second := path(r.Data, "search", 0), path(r.Data, "search", 1)
		if path(first, "match") != "CONTAINS" || path(first, "matchedField") != "alias" ||
			path(second, "node", "name") != "Kainuu" || path(second, "match") != "WORD" || path(second, "cursor") == "" {
			t.Errorf("first hits = %v, %v", first, second)
		}
	})

	t.Run("GET queries work too", func(t *testing.T) {
		resp, err := http.Get(m.URL() + "/graphql?query=" + url.QueryEscape(`{ regions(where:{levelIn:[REGION]}) { totalCount } }`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r gqlResponse
		json.NewDecoder(resp.Body).Decode(&r)
		if got := path(r.Data, "regions", "totalCount"); got != float64(19) {
			t.Errorf("regions = %v, want 19", got)
		}
	})

	t.Run("Accept-Language picks the language of names, an argument overrides it", func(t *testing.T) {
		query := `{ entityByKey(kind: Region, key: "09") { name fi: name(language: FI) } }`
		for header, want := range map[string]string{"": "Etelä-Karjala", "sv-FI,sv;q=0.9": "Södra Karelen", "en-GB, fi;q=0.5": "South Karelia", "de": "Etelä-Karjala"} {
			body, _ := json.Marshal(map[string]any{"query": query})
			req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if header != "" {
				req.Header.Set("Accept-Language", header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var r gqlResponse
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if got := path(r.Data, "entityByKey", "name"); got != want {
				t.Errorf("Accept-Language %q: name %v, want %s", header, got, want)
			}
			if got := path(r.Data, "entityByKey", "fi"); got != "Etelä-Karjala" {
				t.Errorf("Accept-Language %q: name(language: FI) %v", header, got)
			}
		}
	})

	t.Run("contact details stay hidden from anonymous callers", func(t *testing.T) {
		r := postQuery(t, m, `{ contacts(first: 100) { nodes { name title email phone } } }`, nil)
		contacts := path(r.Data, "contacts", "nodes").([]any)
		if len(contacts) == 0 {
			t.Fatal("no contacts")
		}
		for _, c := range contacts {
			if path(c, "email") != nil || path(c, "phone") != nil {
				t.Errorf("contact %v exposes personal data", path(c, "name"))
			}
		}
	})

	t.Run("bad input gets a coded error", func(t *testing.T) {
		for _, tc := range []struct{ query, code string }{
			{`{ pilots(first: 101) { totalCount } }`, "BAD_USER_INPUT"},
			{`{ pilots(after: "bm90LWEtY3Vyc29y") { totalCount } }`, "BAD_USER_INPUT"},
			{`{ node(id: "garbage!") { id } }`, "BAD_USER_INPUT"},
			{`{ search(text: "  ") { matchedText } }`, "BAD_USER_INPUT"},
			{`{ pilots { nodes { nope } } }`, "GRAPHQL_VALIDATION_FAILED"},
			{`{ pilots(orderBy: [{field: TYPE}]) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"},
		} {
			r := postQuery(t, m, tc.query, nil)
			if len(r.Errors) == 0 {
				t.Errorf("%s: no error", tc.query)
				continue
			}
			if got := r.Errors[0].Extensions["code"]; got != tc.code {
				t.Errorf("%s: code %v (%s), want %s", tc.query, got, r.Errors[0].Message, tc.code)
			}
		}
	})

	t.Run("CORS lets a dashboard on another origin call the API", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, m.URL()+"/graphql", nil)
		req.Header.Set("Origin", "https://dashboard.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
	})
}

func TestCORSOriginsAreConfigurable(t *testing.T) {
	m := MustRunMain(t, map[string]string{"HUB_CORS_ORIGINS": "https://partner.example"})
	for origin, want := range map[string]string{"https://partner.example": "https://partner.example", "https://evil.example": ""} {
		req, _ := http.NewRequest(http.MethodOptions, m.URL()+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("origin %s: allowed %q, want %q", origin, got, want)
		}
	}
}

func TestRestartKeepsDataAndDoesNotReseed(t *testing.T) {
	dir := t.TempDir()
	start := func() *Main {
		m := NewMain()
		m.LogOutput = io.Discard
		if err := m.ParseFlags([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := start()
	first := postQuery(t, m, `{ relationships { totalCount } organisations { totalCount } }`, nil)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = start()
	defer m.Close()
	second := postQuery(t, m, `{ relationships { totalCount } organisations { totalCount } }`, nil)
	a, _ := json.Marshal(first.Data)
	b, _ := json.Marshal(second.Data)
	if string(a) != string(b) || first.Data == nil {
		t.Errorf("after restart %s, before %s", b, a)
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(Config) bool
		wantErr bool
	}{
		{"defaults", nil, nil, func(c Config) bool { return c.Addr == ":8080" && c.DataDir == "./data" && c.Seed }, false},
		{"PORT sets the port", nil, map[string]string{"PORT": "9090"}, func(c Config) bool { return c.Addr == ":9090" }, false},
		{"flags win over env", []string{"-data-dir", "/x"}, map[string]string{"HUB_DATA_DIR": "/y"}, func(c Config) bool { return c.DataDir == "/x" }, false},
		{"origins are split", nil, map[string]string{"HUB_CORS_ORIGINS": "https://a.example, https://b.example"}, func(c Config) bool {
			return len(c.CORSOrigins) == 2 && c.CORSOrigins[1] == "https://b.example"
		}, false},
		{"metrics on a listener of their own", nil, map[string]string{"HUB_METRICS_ADDR": ":9464"}, func(c Config) bool { return c.MetricsAddr == ":9464" && c.Addr == ":8080" }, false},
		{"the metrics flag wins over its variable", []string{"-metrics-addr", "127.0.0.1:9100"}, map[string]string{"HUB_METRICS_ADDR": ":9464"}, func(c Config) bool { return c.MetricsAddr == "127.0.0.1:9100" }, false},
		{"metrics on the main listener by default", nil, nil, func(c Config) bool { return c.MetricsAddr == "" }, false},
		{"seeding can be turned off", nil, map[string]string{"HUB_SEED": "false"}, func(c Config) bool { return !c.Seed }, false},
		{"bad HUB_SEED", nil, map[string]string{"HUB_SEED": "maybe"}, nil, true},
		{"bad timeout", nil, map[string]string{"HUB_REQUEST_TIMEOUT": "soon"}, nil, true},
		{"stray argument", []string{"extra"}, nil, nil, true},
		{"limits from the environment", nil, map[string]string{"HUB_MAX_COMPLEXITY": "5000", "HUB_MAX_DEPTH": "6", "HUB_MAX_ROOT_FIELDS": "4", "HUB_MAX_FIELDS": "300", "HUB_MAX_ERRORS": "10", "HUB_MAX_BODY_BYTES": "65536", "HUB_MAX_SUBSCRIPTIONS": "500", "HUB_MAX_SUBSCRIPTIONS_PER_CONNECTION": "5"},
			func(c Config) bool {
				return c.Limits == graph.Limits{Complexity: 5000, Depth: 6, RootFields: 4, Fields: 300, Errors: 10, Subscriptions: 500, SubscriptionsPerConnection: 5} && c.MaxBodyBytes == 65536
			}, false},
		{"a limit flag wins over its variable", []string{"-max-depth", "8"}, map[string]string{"HUB_MAX_DEPTH": "6"}, func(c Config) bool { return c.Limits.Depth == 8 }, false},
		{"limits default to graph's", nil, nil, func(c Config) bool { return c.Limits == graph.Limits{} && c.MaxBodyBytes == 1<<20 }, false},
		{"a limit that is not a number", nil, map[string]string{"HUB_MAX_DEPTH": "deep"}, nil, true},
		{"a limit below one", nil, map[string]string{"HUB_MAX_ERRORS": "0"}, nil, true},
		{"a negative limit flag", []string{"-max-fields", "-3"}, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			err := m.ParseFlags(tc.args, func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.check != nil && !tc.check(m.Config) {
				t.Errorf("config %+v", m.Config)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	m := MustRunMain(t, nil)
	if err := probe(context.Background(), m.URL()+"/readyz"); err != nil {
		t.Errorf("probe of a ready hub: %v", err)
	}
	if err := probe(context.Background(), m.URL()+"/no-such-page"); err == nil {
		t.Error("probe of a 404 succeeded")
	}
}
