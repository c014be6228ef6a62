// Package mongodb is the production storage backend: the network in two
// MongoDB collections (nodes and relationships), written in majority-
// acknowledged transactions, loaded in full at start and followed through
// change streams by every hub instance's in-memory index (package
// index). No query runs in the database. It passes the same conformance
// suite as the embedded store.
package mongodb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/otehub/hub"
)

// Collection names.
const (
	NodesCollection         = "nodes"
	RelationshipsCollection = "relationships"
	// MetaCollection holds the database's epoch (see Store.Init).
	MetaCollection = "meta"
	// HistoryCollection holds every revision of every row.
	HistoryCollection = "history"
	// GuardsCollection holds one counter per node that writes depend on
	// (see hub.WritePlan.Guards).
	GuardsCollection = "guards"
)

// Options configure the store.
type Options struct {
	// URI is the MongoDB connection string.
	URI string
	// Database is the database name; empty takes the one in the URI, or
	// "ote".
	Database string
	// MaxPoolSize and MinPoolSize bound the connection pool (0 keeps the
	// driver's default or the URI's maxPoolSize/minPoolSize).
	MaxPoolSize, MinPoolSize uint64
	// OperationTimeout bounds every store call (default 10s).
	OperationTimeout time.Duration
	// ServerSelectionTimeout is how long a call waits for a reachable
	// server before failing with EUNAVAILABLE (default 3s), so that
	// requests fail fast while MongoDB is down.
	ServerSelectionTimeout time.Duration
	// PoolMonitor, when set, is told of the connection pool's events
	// (connections created, checked out, closed), for metrics.
	PoolMonitor *event.PoolMonitor
	// Monitor, when set, is told of every command the client sends (the
	// hub's tracing makes spans of them); nil monitors nothing.
	Monitor *event.CommandMonitor
}

// Store is the MongoDB store. It is safe for concurrent use.
type Store struct {
	client    *mongo.Client
	db        *mongo.Database
	nodes     *mongo.Collection
	rels      *mongo.Collection
	history   *mongo.Collection
	guards    *mongo.Collection
	opTimeout time.Duration
	// known is the database's epoch as Init found it ("" before Init):
	// writes and feeds check that the database still has it.
	known atomic.Value
}

var _ hub.Store = (*Store)(nil)

// Open creates the client. It does not wait for the server: MongoDB may
// be down at start; call Init (with retries) before serving.
func Open(opts Options) (*Store, error) {
	if opts.OperationTimeout <= 0 {
		opts.OperationTimeout = 10 * time.Second
	}
	if opts.ServerSelectionTimeout <= 0 {
		opts.ServerSelectionTimeout = 3 * time.Second
	}
	co := options.Client().ApplyURI(opts.URI).
		SetWriteConcern(writeconcern.Majority()).
		SetReadConcern(readconcern.Majority()).
		SetReadPreference(readpref.Primary()).
		SetRetryWrites(true).
		SetRetryReads(true).
		SetServerSelectionTimeout(opts.ServerSelectionTimeout).
		SetConnectTimeout(opts.ServerSelectionTimeout).
		SetAppName("ote-hub")
	if opts.Monitor != nil {
		co.SetMonitor(opts.Monitor)
	}
	if opts.MaxPoolSize > 0 {
		co.SetMaxPoolSize(opts.MaxPoolSize)
	}
	if opts.MinPoolSize > 0 {
		co.SetMinPoolSize(opts.MinPoolSize)
	}
	if opts.PoolMonitor != nil {
		co.SetPoolMonitor(opts.PoolMonitor)
	}
	if err := co.Validate(); err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	name := opts.Database
	if name == "" {
		name = databaseFromURI(opts.URI)
	}
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	db := client.Database(name)
	return &Store{
		client:    client,
		db:        db,
		nodes:     db.Collection(NodesCollection),
		rels:      db.Collection(RelationshipsCollection),
		history:   db.Collection(HistoryCollection),
		guards:    db.Collection(GuardsCollection),
		opTimeout: opts.OperationTimeout,
	}, nil
}

var uriDatabase = regexp.MustCompile(`^mongodb(?:\+srv)?://[^/]*/([^?/]+)`)

func databaseFromURI(uri string) string {
	if m := uriDatabase.FindStringSubmatch(uri); m != nil {
		return m[1]
	}
	return "ote"
}

// Database returns the database name in use.
func (s *Store) Database() string { return s.db.Name() }

// Init pings the server and creates the indexes (idempotently). Call it at
// start, retrying while it fails with EUNAVAILABLE.
func (s *Store) Init(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	for coll, models := range indexes() {
		if _, err := s.db.Collection(coll).Indexes().CreateMany(ctx, models); err != nil {
			return translate(err, "create indexes")
		}
	}
	if err := s.keyExternalIDs(ctx); err != nil {
		return err
	}
	// The epoch is written once per database: every instance that starts
	// later keeps the first one's.
	b := make([]byte, 8)
	rand.Read(b)
	_, err := s.db.Collection(MetaCollection).UpdateOne(ctx, bson.M{"_id": epochID},
		bson.M{"$setOnInsert": bson.M{"epoch": hex.EncodeToString(b), "createdAt": time.Now().UTC()}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return translate(err, "write the database epoch")
	}
	epoch, err := s.epoch(ctx)
	if err != nil {
		return err
	}
	s.known.Store(epoch)
	return nil
}

// keyExternalIDs gives the nodes written before external ids had unique
// keys their externalKeys, so that the unique index covers every holder.
// A node whose id another node holds already keeps none: start-up is no
// place to choose between them, and Prepare still refuses a third.
func (s *Store) keyExternalIDs(ctx context.Context) error {
	nodes, err := findAll(ctx, s.nodes, bson.M{"externalIds.0": bson.M{"$exists": true}, "externalKeys": bson.M{"$exists": false}}, (*nodeDoc).node)
	if err != nil {
		return translate(err, "read the nodes without external keys")
	}
	for _, n := range nodes {
		_, err := s.nodes.UpdateOne(ctx, bson.M{"_id": n.ID}, bson.M{"$set": bson.M{"externalKeys": hub.ExternalKeys(n)}})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return translate(err, "key the external ids")
		}
	}
	return nil
}

// checkEpoch fails with an EUNAVAILABLE error whose cause is
// hub.ErrStoreReplaced when the database's epoch is not the one Init
// found: the server came back without its data (or another database
// took its place), and a write into it would start a second network
// beside the one the hub serves, without the indexes Init made.
func (s *Store) checkEpoch(epoch string) error {
	known, _ := s.known.Load().(string)
	if known == "" || epoch == known {
		return nil
	}
	return hub.Wrap(hub.EUNAVAILABLE, hub.ErrStoreReplaced,
		"the database is not the one this hub started on (restarted without its data, or replaced): writes are refused until its data is restored or the hub is restarted")
}

// epochID is the _id of the document that holds the database's epoch.
const epochID = "epoch"

// epoch returns the random value Init wrote once into this database ("" when
// there is none): a database dropped and created again, or a server
// restarted without its data, has another epoch or none, whatever its
// change stream says.
func (s *Store) epoch(ctx context.Context) (string, error) {
	var doc struct {
		Epoch string `bson:"epoch"`
	}
	err := s.db.Collection(MetaCollection).FindOne(ctx, bson.M{"_id": epochID}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", translate(err, "read the database epoch")
	}
	return doc.Epoch, nil
}

// Ping implements hub.Store.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return translate(s.client.Ping(ctx, readpref.Primary()), "ping")
}

// Close implements hub.Store.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.client.Disconnect(ctx)
	if errors.Is(err, mongo.ErrClientDisconnected) {
		return nil
	}
	return err
}

// call bounds one store call by the operation timeout.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// translate maps driver errors to domain errors: unreachable servers,
// timeouts and cancellations are EUNAVAILABLE, anything else EINTERNAL.
// Driver messages never reach clients (the domain message is generic).
func translate(err error, op string) error {
	if err == nil {
		return nil
	}
	var he *hub.Error
	switch {
	case errors.As(err, &he):
		return err
	case errors.Is(err, mongo.ErrClientDisconnected):
		return hub.Wrap(hub.EUNAVAILABLE, err, "store is closed")
	case isServerSelection(err), mongo.IsNetworkError(err):
		return hub.Wrap(hub.EUNAVAILABLE, err, "the database is unavailable; try again shortly")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), mongo.IsTimeout(err):
		// A server that answers too slowly, or a query too heavy for the
		// operation timeout: the caller cannot tell which from here.
		return hub.Wrap(hub.EUNAVAILABLE, err, "the database did not answer in time; try again shortly, or narrow the query")
	case mongo.IsDuplicateKeyError(err) && strings.Contains(err.Error(), "businessKey"):
		return hub.Wrap(hub.ECONFLICT, err, "another node of that kind has that business ID")
	case mongo.IsDuplicateKeyError(err) && strings.Contains(err.Error(), "externalKeys"):
		return hub.Wrap(hub.ECONFLICT, err, "another node of that kind has that external id")
	case mongo.IsDuplicateKeyError(err):
		return hub.Wrap(hub.ECONFLICT, err, "a row with that key exists")
	case isTransient(err):
		// A server starting, stepping down or shutting down, or a
		// transaction it lost: the write may be tried again.
		return hub.Wrap(hub.EUNAVAILABLE, err, "the database is unavailable; try again shortly")
	}
	return hub.Wrap(hub.EINTERNAL, err, op+" failed")
}

// transientCodes are the server's codes for a server that is not the
// primary (yet, or any more), is shutting down, or lost the transaction.
var transientCodes = map[int32]bool{
	91: true, 189: true, 10107: true, 11600: true, 11602: true, 13435: true, 13436: true, // state changes
	251: true, // NoSuchTransaction
}

// isTransient reports whether err is a server error that its labels or
// code mark as passing.
func isTransient(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	for _, label := range []string{"TransientTransactionError", "UnknownTransactionCommitResult", "RetryableWriteError"} {
		if se.HasErrorLabel(label) {
			return true
		}
	}
	for code := range transientCodes {
		if se.HasErrorCode(int(code)) {
			return true
		}
	}
	return false
}

func isServerSelection(err error) bool {
	var sse topology.ServerSelectionError
	var ce topology.ConnectionError
	return errors.As(err, &sse) || errors.As(err, &ce)
}

// Load implements hub.Store: every node, then every relationship, each
// decoded as the cursor yields it.
func (s *Store) Load(ctx context.Context, node func(*hub.Node) error, rel func(*hub.Relationship) error) error {
	if err := loadAll(ctx, s.nodes, (*nodeDoc).node, node); err != nil {
		return err
	}
	return loadAll(ctx, s.rels, (*relationshipDoc).relationship, rel)
}

// loadAll decodes every document of coll as a D and visits it as the
// domain row conv makes of it.
func loadAll[D, T any](ctx context.Context, coll *mongo.Collection, conv func(*D) *T, visit func(*T) error) error {
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		return translate(err, "load "+coll.Name())
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		d := new(D)
		if err := cur.Decode(d); err != nil {
			return translate(err, "decode "+coll.Name())
		}
		if err := visit(conv(d)); err != nil {
			return err
		}
	}
	return translate(cur.Err(), "load "+coll.Name())
}
