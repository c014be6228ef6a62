// Package hubclient is the benchmarks' GraphQL client of the hub: one
// POST per operation, an API key when writing, and failures that carry
// a short code (the GraphQL error's extensions.code, the user error's
// code, the HTTP status or the transport's failure) for counting.
package hubclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"

	"github.com/otehub/hub"
)

// Codes of failures that are not the hub's own error codes.
const (
	CodeTransport   = "TRANSPORT"    // no answer: connection refused, reset, ...
	CodeTimeout     = "TIMEOUT"      // no answer within the client's time
	CodeBadResponse = "BAD_RESPONSE" // an answer that is not a GraphQL response
	CodeNoCode      = "GRAPHQL_ERROR"
)

// Error is a failed operation: Code classifies it, Err says what
// happened.
type Error struct {
	Code string
	Err  error
}

func (e *Error) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of err: an *Error's, TIMEOUT for a context
// that ended, else TRANSPORT.
func CodeOf(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	}
	return CodeTransport
}

// HTTPCode is the code of an answer with status: HTTP_503 and the like.
func HTTPCode(status int) string { return fmt.Sprintf("HTTP_%d", status) }

// Response is a GraphQL response, its errors' codes readable.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Post sends one GraphQL operation to url (the endpoint) with an API
// key if key is set, and returns the data of a 200 answer without
// errors. Anything else is an *Error: the first GraphQL error's code
// (an error answer's status is implied by its code), or HTTP_<status>
// when the body is not a GraphQL response.
func Post(ctx context.Context, client *http.Client, url, key, query string, variables map[string]any) (json.RawMessage, error) {
	req := map[string]any{"query": query}
	if variables != nil {
		req["variables"] = variables
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(r)
	if err != nil {
		return nil, &Error{Code: CodeOf(err), Err: err}
	}
	defer resp.Body.Close()
	var out Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		code := CodeBadResponse
		if resp.StatusCode != http.StatusOK {
			code = HTTPCode(resp.StatusCode)
		}
		return nil, &Error{Code: code, Err: fmt.Errorf("%s answered %s: %w", url, resp.Status, err)}
	}
	if len(out.Errors) > 0 {
		code, _ := out.Errors[0].Extensions["code"].(string)
		if code == "" {
			code = CodeNoCode
		}
		return nil, &Error{Code: code, Err: fmt.Errorf("%s answered %s: %s", url, resp.Status, out.Errors[0].Message)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Code: HTTPCode(resp.StatusCode), Err: fmt.Errorf("%s answered %s", url, resp.Status)}
	}
	return out.Data, nil
}

const (
	createMutation = `mutation($in: CreateNodeInput!) { createNode(input: $in) { node { id version } userErrors { message code path } } }`
	updateMutation = `mutation($in: UpdateNodeInput!) { updateNode(input: $in) { node { id version } userErrors { message code path } } }`
)

// DatasetSource is a source document of the OTE dataset, which every
// hub seeded with it holds.
var DatasetSource = hub.NodeID(hub.KindSourceDocument, "seed-000")

// Writer sends mutations to one hub with an API key.
type Writer struct {
	Client *http.Client
	URL    string // the GraphQL endpoint
	Key    string
	// Source is the id of the document every written node cites
	// (DatasetSource when empty).
	Source string
}

// Mutate sends one mutation whose root field returns a node payload and
// returns the node's id and version. A user error is an *Error coded
// USER_ERROR:<its code>.
func (w *Writer) Mutate(ctx context.Context, query string, in map[string]any) (string, int64, error) {
	data, err := Post(ctx, w.Client, w.URL, w.Key, query, map[string]any{"in": in})
	if err != nil {
		return "", 0, err
	}
	var out map[string]*struct {
		Node *struct {
			ID      string
			Version int64
		}
		UserErrors []struct {
			Message, Code string
			Path          []string
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return "", 0, &Error{Code: CodeBadResponse, Err: err}
	}
	for field, p := range out {
		switch {
		case p != nil && len(p.UserErrors) > 0:
			return "", 0, &Error{Code: "USER_ERROR:" + p.UserErrors[0].Code, Err: fmt.Errorf("%s: %+v", field, p.UserErrors)}
		case p == nil || p.Node == nil:
			return "", 0, &Error{Code: CodeBadResponse, Err: fmt.Errorf("%s: no node", field)}
		}
		return p.Node.ID, p.Node.Version, nil
	}
	return "", 0, &Error{Code: CodeBadResponse, Err: errors.New("an answer without data")}
}

// Create creates an organisation of key citing the writer's source.
func (w *Writer) Create(ctx context.Context, key string) (string, int64, error) {
	source := w.Source
	if source == "" {
		source = DatasetSource
	}
	return w.Mutate(ctx, createMutation, map[string]any{"kind": "Organisation", "key": key, "fields": map[string]any{
		"name": map[string]any{"fi": "Kirjoitustesti " + key}, "type": "ASSOCIATION",
		"sources": []any{map[string]any{"sourceId": source, "locator": "write benchmark"}}}})
}

// Update renames the node id from version, and returns its new version.
func (w *Writer) Update(ctx context.Context, id string, version int64, name string) (int64, error) {
	_, v, err := w.Mutate(ctx, updateMutation, map[string]any{"id": id, "version": version,
		"set": map[string]any{"name": map[string]any{"fi": name}}})
	if err == nil && v != version+1 {
		err = &Error{Code: CodeBadResponse, Err: fmt.Errorf("updateNode of %s from version %d answered version %d", id, version, v)}
	}
	return v, err
}

// NewKey makes an editor's API key for subject in the keys file with
// the hub's own command, as an operator would, and returns it.
func NewKey(ctx context.Context, hubBin, file, subject string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, hubBin, "key", "new", "-file", file, "-role", "editor", "-subject", subject)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hub key new: %w: %s", err, stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String()), nil
}
