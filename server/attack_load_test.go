package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Settings of TestLegitimateTrafficUnderAttack; `make attack` sets them
// for a longer run that asserts the ratio.
const (
	// attackDurationEnv is how long each phase runs (default 1s, and
	// then the phase of attackers sending as fast as they are answered
	// is left out: it takes both cores of a CI host from the tests
	// running beside it).
	attackDurationEnv = "HUB_ATTACK_DURATION"
	// attackMinRatioEnv, when set, is the least fraction of the
	// undisturbed throughput the legitimate clients must keep under
	// attack (the issue asks for 0.5). Unset, the test logs the ratio
	// only: on a shared CI host timing assertions fail for reasons of
	// their own.
	attackMinRatioEnv = "HUB_ATTACK_MIN_RATIO"
)

// legitimate are the queries of well-behaved clients, each with a check
// of its answer.
var legitimate = []struct {
	query string
	check func(gqlResponse) bool
}{
	{`{ pilots(first: 10) { totalCount nodes { name partners { name } funding { amount } } } }`,
		func(r gqlResponse) bool { return path(r.Data, "pilots", "totalCount") == float64(7) }},
	{`{ entityByKey(kind: Organisation, key: "eksote") { name relationships(first: 20) { totalCount nodes { type to { name } } } } }`,
		func(r gqlResponse) bool {
			return path(r.Data, "entityByKey", "name") == "Etelä-Karjalan sosiaali- ja terveystoimi"
		}},
	{`{ search(text: "paijat hame", first: 5) { match node { name } } }`,
		func(r gqlResponse) bool { return path(r.Data, "search", 0, "node", "name") == "Päijät-Häme" }},
	{`{ regions(where: {levelIn: [REGION]}) { totalCount } }`,
		func(r gqlResponse) bool { return path(r.Data, "regions", "totalCount") == float64(19) }},
}

// attackBodies are the expensive or invalid requests of the attacker,
// with i spaces more, so that no cache of refusals could answer them.
func attackBodies(i int) [][]byte {
	pad := strings.Repeat(" ", i)
	return [][]byte{
		gqlRequest(pad+"{"+strings.Repeat(" __typename", 7000)+" }", nil),
		gqlRequest(pad+conflictingRepeats(540), nil),
		gqlRequest(pad+conflictingRepeats(100), nil),
		gqlRequest(pad+unknownDirectives(3000), nil),
		gqlRequest(pad+nestedPages(20), nil),
		gqlRequest(pad+fragmentsSpreadTwice(40), nil),
		gqlRequest(pad+aliasedIntrospections(330), nil),
		[]byte(`{"query": "{ __typename }", "variables": {"x": [` + strings.Repeat(`"a",`, 200000) + `}}`),
	}
}

// load runs clients legitimate clients (and attackers attackers, each
// sending rate attacks a second, or as fast as answered when rate is 0)
// for d, and returns the legitimate answers per second and the attacks
// sent.
func load(t *testing.T, m *Main, key string, clients, attackers int, rate float64, d time.Duration) (float64, int64) {
	t.Helper()
	var legit, attacks, limited, wrong atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + attackers}}
	defer client.CloseIdleConnections()
	// post sends body as the partner with key, or as an anonymous caller
	// at address from (the hub trusts the loopback proxy's
	// X-Forwarded-For).
	post := func(body []byte, key, from string) (int, gqlResponse, error) {
		req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if from != "" {
			req.Header.Set("X-Forwarded-For", from)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, gqlResponse{}, err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, gqlResponse{}, err
		}
		var r gqlResponse
		err = json.Unmarshal(raw, &r)
		return resp.StatusCode, r, err
	}
	for c := range clients {
		wg.Go(func() {
			for i := c; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := legitimate[i%len(legitimate)]
				status, r, err := post(gqlRequest(q.query, nil), key, "")
				if err != nil || status != http.StatusOK || len(r.Errors) > 0 || !q.check(r) {
					if wrong.Add(1) <= 3 {
						t.Errorf("legitimate query %.60s: status %d, %v, errors %+v", q.query, status, err, r.Errors)
					}
					continue
				}
				legit.Add(1)
			}
		})
	}
	// Built beforehand, so that the attackers' own work, in this
	// process, does not count against the server.
	var bodies [][][]byte
	for i := range 8 * min(attackers, 1) {
		bodies = append(bodies, attackBodies(i))
	}
	for a := range attackers {
		wg.Go(func() {
			for i := a; ; i++ {
				for _, body := range bodies[i%len(bodies)] {
					select {
					case <-stop:
						return
					default:
					}
					if rate > 0 {
						select {
						case <-stop:
							return
						case <-time.After(time.Duration(float64(time.Second) / rate)):
						}
					}
					status, r, err := post(body, "", "203.0.113."+strconv.Itoa(1+a))
					if status == http.StatusTooManyRequests {
						limited.Add(1)
					}
					if err != nil || len(r.Errors) == 0 || status >= 500 {
						if wrong.Add(1) <= 3 {
							t.Errorf("attack %.60s: status %d, %v, answered %+v", body, status, err, r.Data)
						}
					}
					attacks.Add(1)
				}
			}
		})
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
	if attacks.Load() > 0 {
		t.Logf("%d of %d attacks were refused by the rate limit", limited.Load(), attacks.Load())
	}
	return float64(legit.Load()) / d.Seconds(), attacks.Load()
}

// TestLegitimateTrafficUnderAttack runs legitimate clients alone, then
// beside attackers sending the suite's expensive and invalid requests,
// and compares the legitimate throughput. Every legitimate answer must
// be right and every attack refused with a code; the throughputs are
// logged (docs/security.md reports them), and asserted only when
// HUB_ATTACK_MIN_RATIO is set (make attack).
func TestLegitimateTrafficUnderAttack(t *testing.T) {
	d, long := time.Second, false
	if s := os.Getenv(attackDurationEnv); s != "" {
		var err error
		long = true
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatalf("%s: %v", attackDurationEnv, err)
		}
	}
	// Reads are answered from the in-memory index on either backend, so
	// the embedded store stands for both here. The hub runs with its
	// default anonymous rate limit and sits behind a proxy (loopback) it
	// trusts: each attacker is an anonymous caller at an address of its
	// own; the legitimate clients are a partner with an API key, whose
	// own limit is set out of reach so that the phases compare what the
	// hub can serve.
	keysFile := filepath.Join(t.TempDir(), "keys")
	key := mustNewKey(t, keysFile, "-role", "editor", "-subject", "partner-dashboard")
	m := MustRunMain(t, map[string]string{"HUB_API_KEYS_FILE": keysFile, "HUB_TRUSTED_PROXIES": "127.0.0.1/32",
		"HUB_RATE_LIMIT_ANONYMOUS": fmt.Sprintf("%g,%d", defaultRateAnonymous.PerSecond, defaultRateAnonymous.Burst), "HUB_RATE_LIMIT_KEY": "100000,100000"})
	MustBeReady(t, m, 30*time.Second)
	// Under make test, two of each, so that the run leaves the packages
	// tested beside it some of the host.
	clients, attackers := 2, 2
	if long {
		clients, attackers = 4, 4
	}
	load(t, m, key, clients, 0, 0, d/4) // warm up
	alone, _ := load(t, m, key, clients, 0, 0, d)
	// The measure: a few expensive requests a second (here 5 a
	// second from each attacker), and attackers sending as fast as they
	// are answered, which only admission control and rate limits can
	// hold back.
	paced, pacedAttacks := load(t, m, key, clients, attackers, 5, d)
	ratio := paced / alone
	t.Logf("%d legitimate clients, %v per phase: %.0f answers/s alone; %.0f/s (%.0f %%) beside %d attackers sending %.0f attacks/s",
		clients, d, alone, paced, 100*ratio, attackers, float64(pacedAttacks)/d.Seconds())
	flat, flatAttacks := 1.0, int64(0)
	if long {
		flat, flatAttacks = load(t, m, key, clients, attackers, 0, d)
		t.Logf("%d legitimate clients, %v per phase: %.0f answers/s alone; %.0f/s (%.0f %%) beside %d attackers sending %.0f attacks/s; %.0f/s (%.0f %%) beside attackers sending as fast as answered (%.0f attacks/s)",
			clients, d, alone, paced, 100*ratio, attackers, float64(pacedAttacks)/d.Seconds(), flat, 100*flat/alone, float64(flatAttacks)/d.Seconds())
	}
	if s := os.Getenv(attackMinRatioEnv); s != "" {
		min, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: %v", attackMinRatioEnv, err)
		}
		if ratio < min {
			t.Errorf("legitimate throughput fell to %.0f %% of %.0f/s under a few attacks a second; want at least %.0f %%", 100*ratio, alone, 100*min)
		}
	}
	if paced == 0 || flat == 0 {
		t.Errorf("no legitimate answer under attack (%.0f/s alone)", alone)
	}
}
