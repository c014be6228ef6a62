package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/otehub/hub"
)

// allowedMethods are the methods of the GraphQL endpoint (gqlgen's
// OPTIONS, GET and POST transports).
const allowedMethods = "OPTIONS, GET, POST"

// guardTransport answers, before gqlgen's transports see them, the
// requests they would answer without an extensions.code, with HTTP 200,
// or with the body echoed back and Go's type names in the message: other
// methods (405 with Allow), other content types (415), bodies over
// maxBody (413), and bodies that are not a JSON GraphQL request (400).
func guardTransport(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		case http.MethodGet:
			if status, msg := checkGetRequest(r.URL.Query()); msg != "" {
				if status == http.StatusMethodNotAllowed {
					w.Header().Set("Allow", http.MethodPost)
				}
				writeError(w, status, hub.EINVALID, msg)
				return
			}
			next.ServeHTTP(w, r)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", allowedMethods)
			writeError(w, http.StatusMethodNotAllowed, hub.EINVALID, fmt.Sprintf("method %s is not allowed; use GET or POST", r.Method))
			return
		}
		if readBody(w, r, maxBody) {
			next.ServeHTTP(w, r)
		}
	})
}

// readBody reads a POST's JSON GraphQL request body, at most maxBody
// bytes of it, and puts it back for gqlgen to decode; or answers the
// request with what is wrong (415, 413 or 400) and returns false.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) bool {
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, hub.EINVALID, "send a POST request with Content-Type: application/json")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, hub.ETOOLARGE, fmt.Sprintf("the request body is larger than %d bytes", maxBody))
			return false
		}
		writeError(w, http.StatusBadRequest, hub.EINVALID, "the request body could not be read")
		return false
	}
	if msg := checkRequestBody(body); msg != "" {
		writeError(w, http.StatusBadRequest, hub.EINVALID, msg)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true
}

// checkRequestBody says what is wrong with a POST body that gqlgen could
// not decode into its request parameters, in words that do not repeat the
// body or name Go types; "" when it decodes. Like gqlgen, it reads the
// first JSON value and field names case-insensitively.
func checkRequestBody(body []byte) string {
	var p struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&p); err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.As(err, &syntax):
			return fmt.Sprintf("the request body is not valid JSON (at byte %d)", syntax.Offset)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return "the request body is empty or ends too soon"
		default:
			return `the request body must be a JSON object such as {"query": "...", "variables": {...}}`
		}
	}
	for _, f := range []struct {
		name  string
		value json.RawMessage
		first byte
		want  string
	}{
		{"query", p.Query, '"', "a string"},
		{"operationName", p.OperationName, '"', "a string"},
		{"variables", p.Variables, '{', "an object"},
		{"extensions", p.Extensions, '{', "an object"},
	} {
		if v := bytes.TrimSpace(f.value); len(v) > 0 && v[0] != f.first && !bytes.Equal(v, []byte("null")) {
			return fmt.Sprintf("%s must be %s", f.name, f.want)
		}
	}
	return ""
}

// checkGetRequest says what is wrong with a GET request that gqlgen's GET
// transport would refuse with an error without a code (variables or
// extensions that are not JSON objects, an operation that is not a
// query), and the status to answer it with; "" when gqlgen can take it.
// A query that does not parse is left to gqlgen, whose parse errors carry
// a code.
func checkGetRequest(params url.Values) (int, string) {
	for _, name := range []string{"variables", "extensions"} {
		if v := strings.TrimSpace(params.Get(name)); v != "" {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(v), &obj); err != nil {
				return http.StatusBadRequest, name + " must be a JSON object"
			}
		}
	}
	query := params.Get("query")
	if query == "" {
		return 0, ""
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err != nil {
		return 0, ""
	}
	op := doc.Operations.ForName(params.Get("operationName"))
	if params.Get("operationName") == "" && len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	if op != nil && op.Operation != ast.Query {
		return http.StatusMethodNotAllowed, fmt.Sprintf("GET answers queries only; send a %s with POST", op.Operation)
	}
	return 0, ""
}

// writeError answers with one GraphQL error carrying the API name of
// code.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeAPIError(w, status, ExtensionCode(code), message)
}

// writeAPIError answers with one GraphQL error whose extensions.code is
// apiCode.
func writeAPIError(w http.ResponseWriter, status int, apiCode, message string) {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message":    message,
		"extensions": map[string]any{"code": apiCode},
	}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client has gone if this fails
}
