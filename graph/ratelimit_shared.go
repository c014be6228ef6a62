package graph

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/otehub/hub"
)

// Defaults of the shared rate limits (see RateLimits.Shared).
const (
	// RateSyncInterval is how often an instance adds what its callers
	// took to the shared counters and reads what the other instances
	// added.
	RateSyncInterval = 200 * time.Millisecond
	// RateWindow is the span of one shared counter: a counter holds what
	// a client took in one window, from all instances. Ten seconds is
	// longer than the default bursts take to refill (5 s anonymous, 4 s
	// with a key), which is what a first look at a client reads back.
	RateWindow = 10 * time.Second
	// MaxSharedClients bounds the clients of one kind whose counters an
	// instance reads at each sync, the most recently seen first; the
	// others are limited by the instance alone until they are among them.
	MaxSharedClients = 2000
	// rateSyncTimeout bounds one sync; a slower database leaves the
	// limits to each instance meanwhile, never holding a request.
	rateSyncTimeout = 2 * time.Second
)

// RateCounters are counters that every instance of the hub adds to and
// reads: the MongoDB store's ratelimits collection. The ids are opaque
// to them.
type RateCounters interface {
	// ShareCounts adds each of add to its counter (creating it, expiring
	// at expires) and returns the values of the counters read, leaving
	// out those that do not exist.
	ShareCounts(ctx context.Context, add map[string]int64, read []string, expires time.Time) (map[string]int64, error)
}

// bucketShare is what a bucket knows of its client's counters: what
// this instance took and has not added yet, and per window what it
// added and what the others had added when it last looked.
type bucketShare struct {
	// id names the client in the counters: a hash, never the address
	// or the subject itself.
	id      string
	pending int64
	// seen is the window of the last sync that read the counters; a
	// bucket not read since before the previous window is looked at
	// afresh (first).
	seen    int64
	first   bool
	windows [2]shareWindow
}

type shareWindow struct {
	start, own, others int64
}

// window returns the entry of the window starting at start (unix
// seconds), making room for it by dropping the oldest.
func (s *bucketShare) window(start int64) *shareWindow {
	for i := range s.windows {
		if s.windows[i].start == start {
			return &s.windows[i]
		}
	}
	old := 0
	if s.windows[1].start < s.windows[0].start {
		old = 1
	}
	s.windows[old] = shareWindow{start: start}
	return &s.windows[old]
}

// sharedID names a client in the shared counters: a hash of its kind
// and key, so that no address or subject is written to the database.
// It is pseudonymous, not anonymous: an IPv4 address can be found from
// it by trying them all, which is why counters expire within a minute.
func sharedID(kind, key string) string {
	sum := sha256.Sum256([]byte("ote-hub rate limit\x00" + kind + "\x00" + key))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func counterID(client string, window int64) string {
	return client + ":" + strconv.FormatInt(window, 10)
}

// sharing is one sync's work on one bucket.
type sharing struct {
	b       *buckets
	bk      *bucket
	flushed int64
}

// share syncs the buckets with the shared counters every interval until
// ctx ends. While the counters do not answer, each instance limits on
// its own (the buckets work as before) and what it took is added once
// they answer again.
func (l *rateLimiter) share(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sctx, cancel := context.WithTimeout(ctx, rateSyncTimeout)
		asked, err := l.sync(sctx, time.Now())
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			l.log.Warn("rate limits are per instance until the shared counters answer again", "err", hub.ErrorMessage(err))
		case err == nil && asked && failing:
			// Only counters that answered say so: a sync with nothing
			// to share asks them nothing.
			failing = false
			l.log.Info("rate limits are shared across instances again")
		}
	}
}

// sync adds what each recently seen client took since the last sync to
// its counter of the current window, reads its counters of the current
// and the previous window, and takes from its bucket what the other
// instances took since this one last looked. asked says whether it
// asked the counters: with no client seen lately it asks nothing.
func (l *rateLimiter) sync(ctx context.Context, now time.Time) (asked bool, err error) {
	if l.shared == nil {
		return false, nil
	}
	w := now.Truncate(l.window)
	cur, prev := w.Unix(), w.Add(-l.window).Unix()
	var work []sharing
	for _, b := range []*buckets{l.anonymous, l.keys} {
		work = b.collect(work, prev)
	}
	if len(work) == 0 {
		return false, nil
	}
	add := map[string]int64{}
	read := make([]string, 0, 2*len(work))
	for _, s := range work {
		id := s.bk.share.id
		if s.flushed > 0 {
			add[counterID(id, cur)] += s.flushed
		}
		read = append(read, counterID(id, prev), counterID(id, cur))
	}
	got, err := l.shared.ShareCounts(ctx, add, read, w.Add(3*l.window))
	if err != nil {
		for _, b := range []*buckets{l.anonymous, l.keys} {
			b.restore(work)
		}
		return true, err
	}
	for _, b := range []*buckets{l.anonymous, l.keys} {
		b.apply(work, got, prev, cur, now)
	}
	return true, nil
}

// collect appends the buckets used since the window starting at since
// (unix seconds), at most MaxSharedClients, the most recently used
// first, taking their pending counts.
func (b *buckets) collect(work []sharing, since int64) []sharing {
	if !b.rate.On() {
		return work
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for e := b.order.Front(); e != nil && n < MaxSharedClients; e = e.Next() {
		bk := e.Value.(*bucket)
		if bk.used.Unix() < since {
			break // the rest were used earlier still
		}
		if bk.share.seen < since {
			// Not read in this window or the previous: what the others
			// took meanwhile is unknown, so the counters are read as
			// they stand.
			bk.share.first = true
		}
		work = append(work, sharing{b: b, bk: bk, flushed: bk.share.pending})
		bk.share.pending = 0
		n++
	}
	return work
}

// restore puts back the counts of a sync that failed, to be added by
// the next.
func (b *buckets) restore(work []sharing) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range work {
		if s.b == b {
			s.bk.share.pending += s.flushed
		}
	}
}

// apply takes from b's buckets what the counters say the other
// instances took since the last sync.
func (b *buckets) apply(work []sharing, got map[string]int64, prev, cur int64, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range work {
		if s.b != b {
			continue
		}
		sh := s.bk.share
		sh.window(cur).own += s.flushed
		var charge, seen int64
		for _, start := range []int64{prev, cur} {
			win := sh.window(start)
			others := max(0, got[counterID(sh.id, start)]-win.own)
			if others > win.others {
				charge += others - win.others
			}
			seen += others
			// Lower only when a counter vanished (expired early, or a
			// database restarted empty): start again from it.
			win.others = others
		}
		if sh.first {
			// A first look: the counters say what the others took in the
			// last one or two windows but not when; count only what is
			// more than the bucket would have refilled since, as if it
			// was full when the previous window began.
			refill := int64(b.rate.PerSecond * now.Sub(time.Unix(prev, 0)).Seconds())
			charge = max(0, seen-refill)
			sh.first = false
		}
		sh.seen = cur
		for charge > 0 {
			// A reservation that is not cancelled stays taken, so the
			// bucket goes into debt and refuses until it has refilled.
			n := min(charge, int64(b.rate.Burst))
			s.bk.lim.ReserveN(now, int(n))
			charge -= n
		}
	}
}
