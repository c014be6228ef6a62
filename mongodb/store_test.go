package mongodb_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/storetest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

// MustOpen opens a store on a fresh database and closes it at the end.
// The test server answers a new connection within the store's default
// 3 seconds, except on a machine busy with the other packages' tests,
// where it has taken longer: the tests wait up to 30.
func MustOpen(tb testing.TB, uri string) *mongodb.Store {
	tb.Helper()
	// The tests' SecantusDB serialises transactions (racing writers wait,
	// they never conflict) and shares two cores with the rest of the
	// suite: its slowest writes under that load pass the production
	// default of 10 s. The tests check what the store does, not how
	// fast; the fault tests set short timeouts of their own.
	s, err := mongodb.Open(mongodb.Options{URI: uri, ServerSelectionTimeout: 30 * time.Second, OperationTimeout: 30 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Init(ctx); err != nil {
		tb.Fatalf("Init: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// rawDatabase is s's database through a driver client of the test's
// own, for documents written or read past the store's own types.
func rawDatabase(t *testing.T, uri string, s *mongodb.Store) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	return client.Database(s.Database())
}

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) hub.Store { return MustOpen(t, mongotest.URI(t)) })
}

func TestInitIsIdempotent(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := s.Init(ctx); err != nil {
			t.Fatalf("Init #%d: %v", i+2, err)
		}
	}
}

// Init gives nodes stored with external ids but without their unique
// keys (as the previous version wrote them) their keys, and the unique
// index then refuses a second holder; of two holders stored already, the
// first keeps the key and the second is left without.
func TestInitKeysExternalIDs(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	ctx := context.Background()
	nodes := rawDatabase(t, uri, s).Collection(mongodb.NodesCollection)
	doc := func(key string) bson.M {
		return bson.M{"_id": hub.NodeID(hub.KindOrganisation, key), "kind": "Organisation", "key": key, "name": bson.M{"fi": key},
			"externalIds": bson.A{bson.M{"scheme": "kela", "id": "K-1"}}, "version": 1}
	}
	if _, err := nodes.InsertMany(ctx, []any{doc("a"), doc("b")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	keyed, err := nodes.CountDocuments(ctx, bson.M{"externalKeys": "Organisation:kela=K-1"})
	if err != nil || keyed != 1 {
		t.Fatalf("%d nodes keyed with Organisation:kela=K-1 (%v), want 1", keyed, err)
	}
	if _, err := nodes.InsertOne(ctx, bson.M{"_id": "third", "kind": "Organisation", "key": "c", "externalKeys": bson.A{"Organisation:kela=K-1"}}); !mongo.IsDuplicateKeyError(err) {
		t.Errorf("a third holder of the key was stored: %v", err)
	}
}

// Documents written by earlier versions of the hub, whose field names
// came from bson tags on the domain types, load unchanged: each is
// inserted here as raw BSON, bypassing the backend's own document types.
func TestLoadReadsStoredDocuments(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	ctx := context.Background()
	db := rawDatabase(t, uri, s)

	at := time.Date(2025, time.March, 14, 7, 26, 53, 589_000_000, time.UTC)
	later := at.Add(time.Hour)
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return &t
	}
	nodes := []any{
		bson.D{
			{Key: "_id", Value: "n_pilot"},
			{Key: "kind", Value: "Pilot"},
			{Key: "key", Value: "pahee"},
			{Key: "name", Value: bson.D{{Key: "fi", Value: "Päijät-Hämeen pilotti"}, {Key: "sv", Value: "Pilot"}, {Key: "en", Value: "Pilot"}}},
			{Key: "abbreviations", Value: bson.A{"PÄHEE"}},
			{Key: "aliases", Value: bson.A{"PH-pilotti", "Päijät-Hämeen OTE"}},
			{Key: "description", Value: bson.D{{Key: "fi", Value: "Kuvaus"}, {Key: "en", Value: "Description"}}},
			{Key: "type", Value: "PILOT"},
			{Key: "code", Value: "07"},
			{Key: "regionIds", Value: bson.A{"n_region"}},
			{Key: "period", Value: bson.D{{Key: "start", Value: *day(2021, time.March, 1)}, {Key: "end", Value: *day(2024, time.December, 31)}}},
			{Key: "goals", Value: bson.A{bson.D{{Key: "fi", Value: "Työllisyys"}, {Key: "sv", Value: "Sysselsättning"}}, bson.D{{Key: "en", Value: "Only English"}}}},
			{Key: "title", Value: "Projektipäällikkö"},
			{Key: "contact", Value: bson.D{{Key: "email", Value: "maija@example.org"}, {Key: "phone", Value: "+358 40 123 4567"}}},
			{Key: "document", Value: bson.D{
				{Key: "file", Value: "tiedote.pdf"},
				{Key: "publisher", Value: "TEM"},
				{Key: "author", Value: "Maija Meikäläinen"},
				{Key: "published", Value: *day(2024, time.May, 17)},
				{Key: "language", Value: "fi"},
				{Key: "url", Value: "https://tem.fi/-/tiedote"},
			}},
			{Key: "sources", Value: bson.A{
				bson.D{{Key: "sourceId", Value: "n_src"}, {Key: "locator", Value: "s. 3"}, {Key: "quote", Value: "Pilotti alkaa."}},
				bson.D{{Key: "sourceId", Value: "n_src"}},
			}},
			{Key: "searchTerms", Value: bson.A{"paijat hameen pilotti", "pahee"}},
			{Key: "sortName", Value: "paijat hameen pilotti"},
			{Key: "sortStart", Value: "2021-03-01"},
			{Key: "createdAt", Value: at},
			{Key: "updatedAt", Value: later},
			{Key: "version", Value: int64(3)},
		},
		// Every optional field left out, as omitempty wrote them.
		bson.D{
			{Key: "_id", Value: "n_theme"},
			{Key: "kind", Value: "Theme"},
			{Key: "key", Value: "osaaminen"},
			{Key: "name", Value: bson.D{{Key: "fi", Value: "Osaaminen"}}},
			{Key: "sortName", Value: "osaaminen"},
			{Key: "sortStart", Value: ""},
			{Key: "createdAt", Value: at},
			{Key: "updatedAt", Value: at},
			{Key: "version", Value: int64(1)},
		},
	}
	rels := []any{
		bson.D{
			{Key: "_id", Value: "r_funds"},
			{Key: "key", Value: "FUNDS/Organisation/tem/Pilot/pahee/2021"},
			{Key: "type", Value: "FUNDS"},
			{Key: "fromId", Value: "n_tem"},
			{Key: "toId", Value: "n_pilot"},
			{Key: "role", Value: "rahoittaja"},
			{Key: "amount", Value: bson.D{{Key: "minor", Value: int64(150_000_000)}, {Key: "currency", Value: "EUR"}}},
			{Key: "period", Value: bson.D{{Key: "start", Value: *day(2021, time.March, 1)}}},
			{Key: "description", Value: bson.D{{Key: "sv", Value: "Finansiering"}}},
			{Key: "sources", Value: bson.A{bson.D{{Key: "sourceId", Value: "n_src"}, {Key: "quote", Value: "1,5 miljoonaa euroa"}}}},
			{Key: "sortStart", Value: "2021-03-01"},
			{Key: "createdAt", Value: at},
			{Key: "updatedAt", Value: later},
			{Key: "version", Value: int64(2)},
		},
		bson.D{
			{Key: "_id", Value: "r_part"},
			{Key: "key", Value: "PART_OF/Pilot/pahee/Programme/ote"},
			{Key: "type", Value: "PART_OF"},
			{Key: "fromId", Value: "n_pilot"},
			{Key: "toId", Value: "n_ote"},
			{Key: "sortStart", Value: ""},
			{Key: "createdAt", Value: at},
			{Key: "updatedAt", Value: at},
			{Key: "version", Value: int64(1)},
		},
	}
	if _, err := db.Collection(mongodb.NodesCollection).InsertMany(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(mongodb.RelationshipsCollection).InsertMany(ctx, rels); err != nil {
		t.Fatal(err)
	}

	wantNodes := map[string]*hub.Node{
		"n_pilot": {
			ID: "n_pilot", Kind: hub.KindPilot, Key: "pahee",
			Name:          hub.LocalizedText{FI: "Päijät-Hämeen pilotti", SV: "Pilot", EN: "Pilot"},
			Abbreviations: []string{"PÄHEE"},
			Aliases:       []string{"PH-pilotti", "Päijät-Hämeen OTE"},
			Description:   hub.LocalizedText{FI: "Kuvaus", EN: "Description"},
			Type:          "PILOT",
			Code:          "07",
			RegionIDs:     []string{"n_region"},
			Period:        &hub.Period{Start: day(2021, time.March, 1), End: day(2024, time.December, 31)},
			Goals:         []hub.LocalizedText{{FI: "Työllisyys", SV: "Sysselsättning"}, {EN: "Only English"}},
			Title:         "Projektipäällikkö",
			Contact:       &hub.ContactDetails{Email: "maija@example.org", Phone: "+358 40 123 4567"},
			Document: &hub.Document{
				File: "tiedote.pdf", Publisher: "TEM", Author: "Maija Meikäläinen",
				Published: day(2024, time.May, 17), Language: hub.Finnish, URL: "https://tem.fi/-/tiedote",
			},
			Sources: []hub.Citation{
				{SourceID: "n_src", Locator: "s. 3", Quote: "Pilotti alkaa."},
				{SourceID: "n_src"},
			},
			SearchTerms: []string{"paijat hameen pilotti", "pahee"},
			SortName:    "paijat hameen pilotti",
			SortStart:   "2021-03-01",
			CreatedAt:   at, UpdatedAt: later, Version: 3,
		},
		"n_theme": {
			ID: "n_theme", Kind: hub.KindTheme, Key: "osaaminen",
			Name:     hub.LocalizedText{FI: "Osaaminen"},
			SortName: "osaaminen", CreatedAt: at, UpdatedAt: at, Version: 1,
		},
	}
	wantRels := map[string]*hub.Relationship{
		"r_funds": {
			ID: "r_funds", Key: "FUNDS/Organisation/tem/Pilot/pahee/2021", Type: hub.Funds,
			FromID: "n_tem", ToID: "n_pilot", Role: "rahoittaja",
			Amount:      &hub.Money{Minor: 150_000_000, Currency: "EUR"},
			Period:      &hub.Period{Start: day(2021, time.March, 1)},
			Description: hub.LocalizedText{SV: "Finansiering"},
			Sources:     []hub.Citation{{SourceID: "n_src", Quote: "1,5 miljoonaa euroa"}},
			SortStart:   "2021-03-01",
			CreatedAt:   at, UpdatedAt: later, Version: 2,
		},
		"r_part": {
			ID: "r_part", Key: "PART_OF/Pilot/pahee/Programme/ote", Type: hub.PartOf,
			FromID: "n_pilot", ToID: "n_ote", CreatedAt: at, UpdatedAt: at, Version: 1,
		},
	}

	gotNodes := map[string]*hub.Node{}
	gotRels := map[string]*hub.Relationship{}
	err := s.Load(ctx,
		func(n *hub.Node) error { gotNodes[n.ID] = n; return nil },
		func(r *hub.Relationship) error { gotRels[r.ID] = r; return nil })
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	// reflect.DeepEqual also tells nil from empty and requires the times
	// in UTC, as the domain's rows have them.
	for id, want := range wantNodes {
		if got := gotNodes[id]; !reflect.DeepEqual(got, want) {
			t.Errorf("node %s:\n got %+v\nwant %+v", id, got, want)
		}
	}
	for id, want := range wantRels {
		if got := gotRels[id]; !reflect.DeepEqual(got, want) {
			t.Errorf("relationship %s:\n got %+v\nwant %+v", id, got, want)
		}
	}
	if len(gotNodes) != len(wantNodes) || len(gotRels) != len(wantRels) {
		t.Errorf("Load gave %d nodes and %d relationships, want %d and %d", len(gotNodes), len(gotRels), len(wantNodes), len(wantRels))
	}
}

// Several instances adding to the same counters at once, some creating
// them: every increment counts once, counters never written are not
// returned, and the TTL index that removes them exists.
// Before Init the counters are not shared: the collection and its TTL
// index are Init's to create.
func TestShareCountsWaitsForInit(t *testing.T) {
	uri := mongotest.URI(t)
	s, err := mongodb.Open(mongodb.Options{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ShareCounts(t.Context(), map[string]int64{"a:1": 1}, []string{"a:1"}, time.Now().Add(time.Minute)); hub.ErrorCode(err) != hub.EUNAVAILABLE {
		t.Fatalf("ShareCounts before Init: %v, want EUNAVAILABLE", err)
	}
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ShareCounts(t.Context(), map[string]int64{"a:1": 1}, []string{"a:1"}, time.Now().Add(time.Minute)); err != nil || got["a:1"] != 1 {
		t.Fatalf("ShareCounts after Init: %v, %v", got, err)
	}
}

func TestShareCounts(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	ctx := t.Context()
	expires := time.Now().Add(time.Minute)
	const instances, rounds = 4, 25
	errs := make(chan error, instances)
	for i := range instances {
		go func() {
			other := MustOpen(t, uri)
			for r := range rounds {
				if _, err := other.ShareCounts(ctx, map[string]int64{"a:1": 1, "b:1": int64(i + 1), fmt.Sprintf("c%d:%d", i, r): 2}, nil, expires); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range instances {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ShareCounts(ctx, nil, []string{"a:1", "b:1", "c0:0", "c3:24", "never"}, expires)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"a:1": instances * rounds, "b:1": rounds * (1 + 2 + 3 + 4), "c0:0": 2, "c3:24": 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counters %v, want %v", got, want)
	}

	var ttl *int32
	specs, err := rawDatabase(t, uri, s).Collection(mongodb.RateLimitsCollection).Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range specs {
		if spec.Name == "expiresAt_ttl" {
			ttl = spec.ExpireAfterSeconds
		}
	}
	if ttl == nil || *ttl != 0 {
		t.Errorf("no TTL index on expiresAt: %+v", specs)
	}
}
