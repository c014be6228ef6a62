// Package mongotest gives tests a MongoDB server: the one in MONGODB_URI
// when set (so the suites run against real MongoDB anywhere), otherwise a
// SecantusDB server started once per test binary. Each caller gets its own
// database. Where no server can be had, tests fail under CI (CI=true) and
// are skipped, loudly, elsewhere.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub/internal/secantus"
)

var (
	once    sync.Once
	server  *secantus.Server
	baseURI string
	failure error
	logDir  string
)

// Main runs the tests of a package and stops the shared server after
// them. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	if logDir != "" {
		os.RemoveAll(logDir)
	}
	os.Exit(code)
}

// Unavailable fails the test under CI and skips it elsewhere.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("MongoDB backend cannot be tested: %v", err)
	}
	tb.Skipf("SKIPPING MongoDB test: %v (set MONGODB_URI or run make test)", err)
}

// URI returns a connection string to a fresh database for this test and
// drops the database when the test ends.
func URI(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if u := os.Getenv("MONGODB_URI"); u != "" {
			baseURI = u
			return
		}
		logDir, failure = os.MkdirTemp("", "secantus-log-")
		if failure != nil {
			return
		}
		server, failure = secantus.Start("", filepath.Join(logDir, "server.log"))
		if failure == nil {
			baseURI = server.URI("")
		}
	})
	if failure != nil {
		Unavailable(tb, failure)
	}
	db := "hubtest_" + randomHex(6)
	uri := withDatabase(baseURI, db)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			return
		}
		defer c.Disconnect(ctx)
		c.Database(db).Drop(ctx)
	})
	return uri
}

// withDatabase puts db into the path of a connection string.
func withDatabase(uri, db string) string {
	rest, query, _ := strings.Cut(uri, "?")
	scheme, hosts, _ := strings.Cut(rest, "://")
	hosts, _, _ = strings.Cut(hosts, "/")
	out := fmt.Sprintf("%s://%s/%s", scheme, hosts, db)
	if query != "" {
		out += "?" + query
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
