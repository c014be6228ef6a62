// Package importer writes the rows of dataset files (package dataset)
// into a store, upserting each by its external key: a node's id derives
// from its kind and key, a relationship's from its key, so importing a
// file twice changes nothing the second time.
//
// An import checks every row before it writes any: against an in-memory
// index (package index) holding the stored network and every node of
// the import, each row passes hub.Prepare alone, so that an error names
// its row. It then compares each row with the stored one
// (hub.NodeChanges, hub.RelationshipChanges) and writes only the rows
// whose facts changed, in batches of Options.BatchSize rows, nodes
// before relationships, one store transaction each. A batch holding a
// row that cannot be written is not written at all; a row that refers
// to a new node that is not written (invalid, or in such a batch)
// cannot be written either.
package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/index"
)

// Options tune an import. The zero value writes batches of
// DefaultBatchSize rows.
type Options struct {
	// BatchSize is the most rows of one store transaction; it counts
	// every row of the import in order, unchanged ones too, so that the
	// batch of a row does not depend on what the store holds.
	BatchSize int
	// DryRun checks and compares every row and writes nothing: the
	// report says what a real import would do.
	DryRun bool
	// MaxErrors is the most errors the report keeps (DefaultMaxErrors
	// when 0); all are counted.
	MaxErrors int
	// Progress, when set, is called as the import advances.
	Progress func(Progress)
	// Now is the clock of the writes' timestamps (time.Now when nil).
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultBatchSize = 1000
	DefaultMaxErrors = 100
	// MaxBatchSize is the most rows hub.Prepare takes in one batch.
	MaxBatchSize = 100_000
)

// Stages of an import, as Progress reports them.
const (
	StageLoad  = "loading the stored network"
	StageCheck = "checking rows"
	StageWrite = "writing batches"
)

// Progress is how far an import has come: Done of Total rows of the
// stage (Total is 0 while loading, whose size is not known ahead).
type Progress struct {
	Stage       string
	Done, Total int
}

// Count is what an import did with the rows of one kind.
type Count struct {
	// Kind is a node kind ("Organisation") or "Relationship".
	Kind string
	// Created and Updated count the rows written (or that a dry run
	// would write), Unchanged those whose facts are as stored, Failed
	// those not written because of an error: their own, or another row's
	// of their batch.
	Created, Updated, Unchanged, Failed int
}

// Count.Kind of relationships, and of node rows that could not be read
// (whose kind is not known).
const (
	RelationshipRows = "Relationship"
	UnreadableRows   = "(unreadable)"
)

// Change is a row that the import writes, or would write.
type Change struct {
	// Row names the row as its file does: "organisation/fokus", or a
	// relationship's key.
	Row string
	At  dataset.Position
	// Created is set for a row that is new; Fields lists the facts
	// that differ from the stored row (see hub.NodeChanges).
	Created bool
	Fields  []string
}

// Report is the outcome of an import.
type Report struct {
	DryRun bool
	// Counts are per kind, in hub.Kinds order, then relationships;
	// kinds without rows are left out.
	Counts []Count
	// Changes are the rows written, or that a dry run would write, in
	// the order of writing.
	Changes []Change
	// Errors are the first Options.MaxErrors errors, each a
	// *dataset.RowError naming its file, line and row; ErrorCount counts
	// them all.
	Errors     []error
	ErrorCount int
	// Batches is how many batches the rows formed; Skipped lists those
	// not written because of an error (by number, from 1); Written
	// counts those written (0 in a dry run).
	Batches int
	Skipped []int
	Written int
}

// Total sums the counts of every kind.
func (r *Report) Total() Count {
	t := Count{Kind: "total"}
	for _, c := range r.Counts {
		t.Created += c.Created
		t.Updated += c.Updated
		t.Unchanged += c.Unchanged
		t.Failed += c.Failed
	}
	return t
}

// item is one row of the import as it is checked and written.
type item struct {
	dataset.Row
	id, name string
	kind     string // Count.Kind
	batch    int
	err      error
	// stored is whether the store holds a row with the id; fields the
	// facts that differ from it.
	stored bool
	fields []string
}

func (it *item) fail(err error) {
	if it.err == nil {
		it.err = &dataset.RowError{At: it.At, Row: it.name, Err: err}
	}
}

// refs are the ids of the nodes a row refers to.
func (it *item) refs() []string {
	var ids []string
	if n := it.Node; n != nil {
		ids = append(ids, n.RegionIDs...)
		for _, c := range n.Sources {
			ids = append(ids, c.SourceID)
		}
	}
	if r := it.Relationship; r != nil {
		ids = append(ids, r.FromID, r.ToID)
		for _, c := range r.Sources {
			ids = append(ids, c.SourceID)
		}
	}
	return ids
}

// Run imports rows into store: rows that could not be read (their Err
// set) count as invalid rows. It returns the report, and an error when
// the store fails: then the batches before the failing one are written
// (Report.Written says how many) and none after it.
func Run(ctx context.Context, store hub.Store, rows []dataset.Row, opts Options) (*Report, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.BatchSize > MaxBatchSize {
		return nil, fmt.Errorf("a batch holds at most %d rows", MaxBatchSize)
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = DefaultMaxErrors
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	progress := func(stage string, done, total int) {
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: stage, Done: done, Total: total})
		}
	}

	// The stored network, in an index that the import's nodes join.
	progress(StageLoad, 0, 0)
	idx := index.New()
	storedNodes := map[string]*hub.Node{}
	storedRels := map[string]*hub.Relationship{}
	var loaded []hub.Change
	err := store.Load(ctx,
		func(n *hub.Node) error {
			storedNodes[n.ID] = n
			loaded = append(loaded, hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n.ID, Node: n})
			return nil
		},
		func(r *hub.Relationship) error {
			storedRels[r.ID] = r
			loaded = append(loaded, hub.Change{Op: hub.ChangeUpsert, Row: hub.RowRelationship, ID: r.ID, Relationship: r})
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("load the stored network: %w", err)
	}
	idx.Apply(loaded...)
	loaded = nil
	progress(StageLoad, len(storedNodes)+len(storedRels), len(storedNodes)+len(storedRels))

	items := order(rows)
	check(ctx, idx, items, storedNodes, opts.Now(), func(done int) { progress(StageCheck, done, len(items)) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.err != nil {
			continue
		}
		var changes []hub.FieldChange
		if it.Node != nil {
			stored := storedNodes[it.id]
			it.stored, changes = stored != nil, hub.NodeChanges(stored, it.Node)
		} else {
			stored := storedRels[it.id]
			it.stored, changes = stored != nil, hub.RelationshipChanges(stored, it.Relationship)
		}
		for _, c := range changes {
			it.fields = append(it.fields, c.Field)
		}
	}

	rep := &Report{DryRun: opts.DryRun}
	batches := batch(items, opts.BatchSize, storedNodes)
	rep.Batches = len(batches)
	for i, b := range batches {
		if slices.ContainsFunc(b, func(it *item) bool { return it.err != nil }) {
			rep.Skipped = append(rep.Skipped, i+1)
		}
	}
	count(rep, items, opts.MaxErrors)

	// Write the batches; written counts the rows of the batches done.
	written := 0
	for i, b := range batches {
		written += len(b)
		if slices.Contains(rep.Skipped, i+1) {
			progress(StageWrite, written, len(items))
			continue
		}
		var nodes []*hub.Node
		var rels []*hub.Relationship
		for _, it := range b {
			switch {
			case len(it.fields) == 0:
			case it.Node != nil:
				nodes = append(nodes, it.Node)
			default:
				rels = append(rels, it.Relationship)
			}
		}
		if len(nodes)+len(rels) > 0 && !opts.DryRun {
			if err := write(ctx, store, idx, newBatch(nodes, rels), opts.Now()); err != nil {
				return rep, fmt.Errorf("write batch %d of %d (%s to %s): %w", i+1, len(batches), b[0].At, b[len(b)-1].At, err)
			}
			rep.Written++
		}
		progress(StageWrite, written, len(items))
	}
	return rep, nil
}

// newBatch builds every batch that an import writes, so that what the
// import says about its writes (who writes them, for a store that keeps
// it) is said in one place.
func newBatch(nodes []*hub.Node, rels []*hub.Relationship) *hub.Batch {
	return &hub.Batch{Nodes: nodes, Relationships: rels, Actor: "import"}
}

// write prepares b as a whole (the rows passed one by one; this sets
// the batch's one timestamp) and applies it.
func write(ctx context.Context, store hub.Store, idx *index.Index, b *hub.Batch, now time.Time) error {
	if err := hub.Prepare(ctx, idx, b, now); err != nil {
		return err
	}
	return store.Apply(ctx, b)
}

// order gives every row its id and name and puts the rows in the order
// of writing: source documents, then the other nodes, then
// relationships, each in the order read.
func order(rows []dataset.Row) []*item {
	rank := func(r dataset.Row) int {
		switch {
		case r.Node != nil && r.Node.Kind == hub.KindSourceDocument, r.Err != nil && r.At.List == "sources":
			return 0
		case r.Node != nil, r.Err != nil && r.At.List == "nodes":
			return 1
		}
		return 2
	}
	items := make([]*item, len(rows))
	for i, r := range rows {
		it := &item{Row: r}
		switch {
		case r.Err != nil:
			it.err = r.Err
			it.kind = UnreadableRows
			if r.At.List == "relationships" {
				it.kind = RelationshipRows
			}
			var re *dataset.RowError
			if errors.As(r.Err, &re) {
				it.name = re.Row
			}
		case r.Node != nil:
			it.id, it.name, it.kind = hub.NodeID(r.Node.Kind, r.Node.Key), dataset.Ref(r.Node), string(r.Node.Kind)
		default:
			it.id, it.name, it.kind = hub.RelationshipID(r.Relationship.Key), r.Relationship.Key, RelationshipRows
		}
		items[i] = it
	}
	slices.SortStableFunc(items, func(a, b *item) int { return rank(a.Row) - rank(b.Row) })
	return items
}

// check validates every row: duplicates, then each node and each
// relationship with hub.Prepare alone against idx, which holds the
// stored network and every node of the import (so that references
// between the import's rows resolve whatever their order) and gains each
// relationship that passes (so that a second parent is found).
func check(ctx context.Context, idx *index.Index, items []*item, stored map[string]*hub.Node, now time.Time, progress func(int)) {
	first := map[string]*item{}
	var imported []hub.Change
	for _, it := range items {
		if it.err != nil {
			continue
		}
		if f, dup := first[it.id]; dup {
			it.fail(fmt.Errorf("appears twice in the import: first at %s", f.At))
			continue
		}
		first[it.id] = it
		if it.Node != nil {
			n := it.Node.Clone()
			n.ID = it.id
			imported = append(imported, hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n.ID, Node: n})
		}
	}
	idx.Apply(imported...)
	for i, it := range items {
		if i%1000 == 0 {
			if ctx.Err() != nil {
				return
			}
			progress(i)
		}
		if it.err != nil {
			continue
		}
		b := &hub.Batch{}
		if it.Node != nil {
			b.Nodes = []*hub.Node{it.Node}
		} else {
			b.Relationships = []*hub.Relationship{it.Relationship}
		}
		err := hub.Prepare(ctx, idx, b, now)
		if err == nil {
			err = hub.CheckEnds(ctx, idx, b)
		}
		if err != nil {
			it.fail(err)
			continue
		}
		if it.Relationship != nil {
			idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowRelationship, ID: it.id, Relationship: it.Relationship.Clone()})
		}
	}
	progress(len(items))
}

// batch cuts items into batches of size rows and fails every row that
// cannot be written: a row whose batch holds an error, a row referring
// to a new node that is not written; until no more rows fail.
func batch(items []*item, size int, stored map[string]*hub.Node) [][]*item {
	var batches [][]*item
	for i := 0; i < len(items); i += size {
		b := items[i:min(i+size, len(items))]
		for _, it := range b {
			it.batch = len(batches)
		}
		batches = append(batches, b)
	}
	newNodes := map[string]*item{}
	for _, it := range items {
		if it.Node != nil && stored[it.id] == nil {
			if _, ok := newNodes[it.id]; !ok {
				newNodes[it.id] = it
			}
		}
	}
	bad := make([]bool, len(batches))
	for _, it := range items {
		if it.err != nil {
			bad[it.batch] = true
		}
	}
	for again := true; again; {
		again = false
		for _, it := range items {
			if bad[it.batch] || len(it.fields) == 0 {
				continue
			}
			for _, id := range it.refs() {
				if n, ok := newNodes[id]; ok && (n.err != nil || bad[n.batch]) {
					it.fail(fmt.Errorf("not written: it refers to %s (%s), which is not written", n.name, n.At))
					bad[it.batch], again = true, true
					break
				}
			}
		}
	}
	return batches
}

// count fills the report's counts, changes and errors.
func count(rep *Report, items []*item, maxErrors int) {
	counts := map[string]*Count{}
	skipped := map[int]bool{}
	for _, b := range rep.Skipped {
		skipped[b-1] = true
	}
	for _, it := range items {
		c := counts[it.kind]
		if c == nil {
			c = &Count{Kind: it.kind}
			counts[it.kind] = c
		}
		switch {
		case it.err != nil:
			c.Failed++
			rep.ErrorCount++
			if len(rep.Errors) < maxErrors {
				rep.Errors = append(rep.Errors, it.err)
			}
		case skipped[it.batch] && len(it.fields) > 0:
			c.Failed++
		case len(it.fields) == 0:
			c.Unchanged++
		case it.stored:
			c.Updated++
			rep.Changes = append(rep.Changes, Change{Row: it.name, At: it.At, Fields: it.fields})
		default:
			c.Created++
			rep.Changes = append(rep.Changes, Change{Row: it.name, At: it.At, Created: true, Fields: it.fields})
		}
	}
	for _, k := range hub.Kinds {
		if c := counts[string(k)]; c != nil {
			rep.Counts = append(rep.Counts, *c)
		}
	}
	for _, k := range []string{RelationshipRows, UnreadableRows} {
		if c := counts[k]; c != nil {
			rep.Counts = append(rep.Counts, *c)
		}
	}
}
