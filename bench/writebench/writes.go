package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otehub/hub"
)

const (
	createMutation = `mutation($in: CreateNodeInput!) { createNode(input: $in) { node { id version } userErrors { message code path } } }`
	updateMutation = `mutation($in: UpdateNodeInput!) { updateNode(input: $in) { node { id version } userErrors { message code path } } }`
)

// source is the document every written node cites: one of the OTE
// dataset's, which every hub here holds.
var source = hub.NodeID(hub.KindSourceDocument, "seed-000")

// writer sends mutations to one hub with an API key.
type writer struct {
	client *http.Client
	url    string // the GraphQL endpoint
	key    string
}

// mutate sends one mutation whose root field returns a node payload and
// returns the node's id and version. A transport error, a status other
// than 200, a GraphQL error or a user error fails it.
func (w *writer) mutate(ctx context.Context, query string, in map[string]any) (string, int64, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"in": in}})
	if err != nil {
		return "", 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.key)
	resp, err := w.client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Data map[string]*struct {
			Node *struct {
				ID      string
				Version int64
			}
			UserErrors []struct {
				Message, Code string
				Path          []string
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", 0, fmt.Errorf("%s answered %s: %w", w.url, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || len(out.Errors) > 0 {
		return "", 0, fmt.Errorf("%s answered %s: %+v", w.url, resp.Status, out.Errors)
	}
	for field, p := range out.Data {
		if p == nil || len(p.UserErrors) > 0 || p.Node == nil {
			return "", 0, fmt.Errorf("%s: %+v", field, p)
		}
		return p.Node.ID, p.Node.Version, nil
	}
	return "", 0, errors.New("an answer without data")
}

// create creates an organisation of key citing source.
func (w *writer) create(ctx context.Context, key string) (string, int64, error) {
	return w.mutate(ctx, createMutation, map[string]any{"kind": "Organisation", "key": key, "fields": map[string]any{
		"name": map[string]any{"fi": "Kirjoitustesti " + key}, "type": "ASSOCIATION",
		"sources": []any{map[string]any{"sourceId": source, "locator": "write benchmark"}}}})
}

// update renames the node id from version, and returns its new version.
func (w *writer) update(ctx context.Context, id string, version int64, name string) (int64, error) {
	_, v, err := w.mutate(ctx, updateMutation, map[string]any{"id": id, "version": version,
		"set": map[string]any{"name": map[string]any{"fi": name}}})
	if err == nil && v != version+1 {
		err = fmt.Errorf("updateNode of %s from version %d answered version %d", id, version, v)
	}
	return v, err
}

// writeResult is what one write run measured.
type writeResult struct {
	creates, updates []time.Duration
	elapsed          time.Duration
}

func (r writeResult) mutations() int { return len(r.creates) + len(r.updates) }

// writeLoad runs clients writers against w until duration has passed or
// requests mutations were sent (a zero bound does not bound). Each
// writer creates a node (keys prefix-client-i), then updates it naming
// version 1, and again. Any failed mutation stops the run and is
// returned.
func writeLoad(ctx context.Context, w *writer, prefix string, clients int, duration time.Duration, requests int) (writeResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		issued atomic.Int64
		mu     sync.Mutex
		res    writeResult
		wg     sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			var creates, updates []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				if requests > 0 && issued.Add(2) > int64(requests) {
					break
				}
				if duration > 0 && time.Since(start) >= duration {
					break
				}
				t0 := time.Now()
				id, v, err := w.create(ctx, fmt.Sprintf("%s-%d-%d", prefix, c, i))
				if err == nil && v != 1 {
					err = fmt.Errorf("createNode answered version %d", v)
				}
				if err != nil {
					cancel(fmt.Errorf("createNode: %w", err))
					break
				}
				t1 := time.Now()
				creates = append(creates, t1.Sub(t0))
				if _, err := w.update(ctx, id, v, fmt.Sprintf("Kirjoitustesti %s-%d-%d päivitetty", prefix, c, i)); err != nil {
					cancel(fmt.Errorf("updateNode: %w", err))
					break
				}
				updates = append(updates, time.Since(t1))
			}
			mu.Lock()
			res.creates = append(res.creates, creates...)
			res.updates = append(res.updates, updates...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, context.Cause(ctx)
}
