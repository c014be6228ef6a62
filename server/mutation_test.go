package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// postAs posts a GraphQL request with an API key ("" for none).
func postAs(tb testing.TB, m *Main, key, query string, vars map[string]any) (int, gqlResponse) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		tb.Fatalf("decode response (status %d): %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

func errorCode(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

const (
	createNode = `mutation($in: CreateNodeInput!) { createNode(input: $in) {
		node { id version ... on Organisation { name } }
		userErrors { message code path } } }`
	updateNode = `mutation($in: UpdateNodeInput!) { updateNode(input: $in) {
		node { id version ... on Organisation { name } } userErrors { message code path } } }`
	deleteNode = `mutation($in: DeleteNodeInput!) { deleteNode(input: $in) { deletedIds userErrors { code path message } } }`
	createRel  = `mutation($in: CreateRelationshipInput!) { createRelationship(input: $in) {
		relationship { id version type } userErrors { message code path } } }`
	historyOf = `query($id: ID!) { history(id: $id) { nodes { version operation actor recordedAt
		changes { field before after } sources { quote } } pageInfo { hasNextPage } } }`
)

// TestMutationsOverHTTP writes through the real server as a client
// would, on both backends: authentication, validation with input paths,
// optimistic concurrency, referential integrity, roles and the history.
func TestMutationsOverHTTP(t *testing.T) {
	own := hub.NodeID(hub.KindOrganisation, "testijarjesto")
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	partnerKey := mustNewKey(t, keysFile, "-role", "partner", "-subject", "kumppani", "-organisation", own)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, withEnv(b.env(t), "HUB_API_KEYS_FILE", keysFile))
			MustBeReady(t, m, 30*time.Second)
			testMutations(t, m, editorKey, partnerKey, own)
		})
	}
}

func testMutations(t *testing.T, m *Main, editorKey, partnerKey, own string) {
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	org := map[string]any{"kind": "Organisation", "key": "testijarjesto", "fields": map[string]any{
		"name": map[string]any{"fi": "Testijärjestö"}, "type": "ASSOCIATION",
		"sources": []any{map[string]any{"sourceId": source, "quote": "testi"}}}}

	// Who may write.
	_, r := postAs(t, m, "", createNode, map[string]any{"in": org})
	if errorCode(r) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous createNode: %+v, want UNAUTHENTICATED", r)
	}
	if status, r := postAs(t, m, "ote_not-a-key", createNode, map[string]any{"in": org}); status != http.StatusUnauthorized || errorCode(r) != "UNAUTHENTICATED" {
		t.Fatalf("unknown key: %d %+v, want 401 UNAUTHENTICATED", status, r)
	}

	// Invalid input: the field is named by its input path, nothing is
	// written.
	bad := map[string]any{"kind": "Organisation", "key": "testijarjesto", "fields": map[string]any{
		"name": map[string]any{"fi": "Testijärjestö"}, "type": "ASSOCIATION",
		"period":  map[string]any{"start": "2018-01-01", "end": "2017-01-01"},
		"sources": []any{map[string]any{"sourceId": source}}}}
	_, r = postAs(t, m, editorKey, createNode, map[string]any{"in": bad})
	ue := path(r.Data, "createNode", "userErrors", 0)
	if fmt.Sprint(path(ue, "path")) != "[input fields period end]" || path(ue, "code") != "BAD_USER_INPUT" || path(r.Data, "createNode", "node") != nil {
		t.Fatalf("period that ends before it starts: %+v", r)
	}
	noSource := map[string]any{"kind": "Organisation", "key": "testijarjesto", "fields": map[string]any{
		"name": map[string]any{"fi": "Testijärjestö"}, "type": "ASSOCIATION"}}
	_, r = postAs(t, m, editorKey, createNode, map[string]any{"in": noSource})
	if fmt.Sprint(path(r.Data, "createNode", "userErrors", 0, "path")) != "[input fields sources]" {
		t.Fatalf("a fact without a source: %+v", r)
	}
	if _, r := postAs(t, m, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": own}); path(r.Data, "node") != nil {
		t.Fatalf("a refused write wrote: %+v", r)
	}

	// Create, then update naming the version read.
	_, r = postAs(t, m, editorKey, createNode, map[string]any{"in": org})
	if path(r.Data, "createNode", "node", "id") != own || path(r.Data, "createNode", "node", "version") != 1.0 {
		t.Fatalf("createNode: %+v", r)
	}
	_, r = postAs(t, m, editorKey, createNode, map[string]any{"in": org})
	if path(r.Data, "createNode", "userErrors", 0, "code") != "CONFLICT" {
		t.Fatalf("creating it twice: %+v, want CONFLICT", r)
	}
	rename := func(key string, version int, name string) gqlResponse {
		_, r := postAs(t, m, key, updateNode, map[string]any{"in": map[string]any{"id": own, "version": version,
			"set": map[string]any{"name": map[string]any{"fi": name}}}})
		return r
	}
	if r := rename(editorKey, 1, "Uusi nimi"); path(r.Data, "updateNode", "node", "version") != 2.0 || path(r.Data, "updateNode", "node", "name") != "Uusi nimi" {
		t.Fatalf("updateNode: %+v", r)
	}
	if r := rename(editorKey, 1, "Vanhentunut"); path(r.Data, "updateNode", "userErrors", 0, "code") != "CONFLICT" {
		t.Fatalf("update from a stale version: %+v, want CONFLICT", r)
	}

	// A caller's own statement, cited fields and a conflicting value
	// kept beside the preferred one.
	_, r = postAs(t, m, editorKey, updateNode, map[string]any{"in": map[string]any{"id": own, "version": 2, "set": map[string]any{
		"sources": []any{
			map[string]any{"sourceId": source, "quote": "testi", "fields": []any{"name"}},
			map[string]any{"statedBy": true, "fields": []any{"type"}},
		},
		"alternatives": []any{map[string]any{"field": "name", "value": map[string]any{"fi": "Testiyhdistys"},
			"sources": []any{map[string]any{"sourceId": source, "locator": "s. 2"}}}},
	}}})
	if path(r.Data, "updateNode", "node", "version") != 3.0 {
		t.Fatalf("updateNode with a statement and an alternative: %+v", r)
	}
	_, r = postAs(t, m, "", `query($id: ID!) { node(id: $id) { ... on Organisation { name
		sources { document { key } statedBy fields } alternatives { field value sources { locator } } } } }`, map[string]any{"id": own})
	if path(r.Data, "node", "sources", 1, "statedBy") != "tester" || path(r.Data, "node", "sources", 1, "document") != nil ||
		fmt.Sprint(path(r.Data, "node", "sources", 0, "fields")) != "[name]" ||
		path(r.Data, "node", "alternatives", 0, "field") != "name" || path(r.Data, "node", "alternatives", 0, "value", "fi") != "Testiyhdistys" ||
		path(r.Data, "node", "name") != "Uusi nimi" {
		t.Fatalf("the node's statement and alternative: %+v", r)
	}
	_, r = postAs(t, m, editorKey, updateNode, map[string]any{"in": map[string]any{"id": own, "version": 3, "set": map[string]any{
		"alternatives": []any{map[string]any{"field": "period", "value": map[string]any{"start": "2020-01-01T00:00:00Z", "end": "2019-01-01T00:00:00Z"},
			"sources": []any{map[string]any{"sourceId": source}}}},
	}}})
	if fmt.Sprint(path(r.Data, "updateNode", "userErrors", 0, "path")) != "[input set alternatives 0 value]" {
		t.Fatalf("an alternative period that ends before it starts: %+v", r)
	}

	// A partner writes its own organisation, not another.
	if r := rename(partnerKey, 3, "Kumppanin nimi"); path(r.Data, "updateNode", "node", "version") != 4.0 {
		t.Fatalf("partner updating its own organisation: %+v", r)
	}
	_, r = postAs(t, m, "", `{ organisations(first: 1) { nodes { id version } } }`, nil)
	other := path(r.Data, "organisations", "nodes", 0, "id").(string)
	_, r = postAs(t, m, partnerKey, updateNode, map[string]any{"in": map[string]any{"id": other,
		"version": path(r.Data, "organisations", "nodes", 0, "version"), "set": map[string]any{"aliases": []any{"x"}}}})
	if errorCode(r) != "FORBIDDEN" {
		t.Fatalf("partner updating another organisation: %+v, want FORBIDDEN", r)
	}

	// Integrity: a node with relationships is deleted only with cascade.
	_, r = postAs(t, m, editorKey, createRel, map[string]any{"in": map[string]any{"type": "REFERS_TO", "fromId": own, "toId": other,
		"fields": map[string]any{"sources": []any{map[string]any{"sourceId": source}}}}})
	relID, _ := path(r.Data, "createRelationship", "relationship", "id").(string)
	if relID == "" {
		t.Fatalf("createRelationship: %+v", r)
	}
	_, r = postAs(t, m, editorKey, createRel, map[string]any{"in": map[string]any{"type": "PARTNER_IN", "fromId": own, "toId": other,
		"fields": map[string]any{"sources": []any{map[string]any{"sourceId": source}}}}})
	if fmt.Sprint(path(r.Data, "createRelationship", "userErrors", 0, "path")) != "[input type]" {
		t.Fatalf("PARTNER_IN to an organisation: %+v, want a user error on the type", r)
	}
	_, r = postAs(t, m, editorKey, deleteNode, map[string]any{"in": map[string]any{"id": own, "version": 4}})
	if path(r.Data, "deleteNode", "userErrors", 0, "code") != "CONFLICT" {
		t.Fatalf("deleting a node with a relationship: %+v, want CONFLICT", r)
	}
	_, r = postAs(t, m, editorKey, deleteNode, map[string]any{"in": map[string]any{"id": own, "version": 4, "cascade": true,
		"sources": []any{map[string]any{"sourceId": source, "quote": "lakkautettu"}}}})
	deleted := slices.Sorted(slices.Values(stringList(path(r.Data, "deleteNode", "deletedIds"))))
	if !slices.Equal(deleted, slices.Sorted(slices.Values([]string{own, relID}))) {
		t.Fatalf("cascade deleted %v, want the node and its relationship: %+v", deleted, r)
	}

	// Merging a duplicate: its relationships move, its id and key
	// resolve to the node kept.
	dup := map[string]any{"kind": "Organisation", "key": "testijarjesto-kopio", "fields": map[string]any{
		"name": map[string]any{"fi": "Testijärjestö ry"}, "type": "ASSOCIATION",
		"sources": []any{map[string]any{"sourceId": source}}}}
	keepIn := map[string]any{"kind": "Organisation", "key": "testijarjesto-2", "fields": map[string]any{
		"name": map[string]any{"fi": "Testijärjestö"}, "type": "ASSOCIATION",
		"sources": []any{map[string]any{"sourceId": source}}}}
	_, r = postAs(t, m, editorKey, createNode, map[string]any{"in": dup})
	dupID, _ := path(r.Data, "createNode", "node", "id").(string)
	_, r = postAs(t, m, editorKey, createNode, map[string]any{"in": keepIn})
	keepID, _ := path(r.Data, "createNode", "node", "id").(string)
	_, r = postAs(t, m, editorKey, createRel, map[string]any{"in": map[string]any{"type": "REFERS_TO", "fromId": dupID, "toId": other,
		"fields": map[string]any{"sources": []any{map[string]any{"sourceId": source}}}}})
	if dupID == "" || keepID == "" || path(r.Data, "createRelationship", "relationship", "id") == nil {
		t.Fatalf("setting up the merge: %+v", r)
	}
	_, r = postAs(t, m, editorKey, `mutation($in: MergeNodesInput!) { mergeNodes(input: $in) {
		node { id version ... on Organisation { aliases relationships(direction: OUT) { nodes { type to { id } } } } }
		userErrors { code path message } } }`,
		map[string]any{"in": map[string]any{"keep": keepID, "keepVersion": 1, "remove": dupID, "removeVersion": 1}})
	if path(r.Data, "mergeNodes", "node", "id") != keepID || !slices.Contains(stringList(path(r.Data, "mergeNodes", "node", "aliases")), "Testijärjestö ry") ||
		path(r.Data, "mergeNodes", "node", "relationships", "nodes", 0, "to", "id") != other {
		t.Fatalf("mergeNodes: %+v", r)
	}
	_, r = postAs(t, m, "", `query($id: ID!) { node(id: $id) { id } entityByKey(kind: Organisation, key: "testijarjesto-kopio") { id } }`, map[string]any{"id": dupID})
	if path(r.Data, "node", "id") != keepID || path(r.Data, "entityByKey", "id") != keepID {
		t.Fatalf("the merged node's id and key: %+v, want both to resolve to %s", r, keepID)
	}
	resp, err := http.Get(m.URL() + "/export/network.json?depth=0&center=" + dupID + "&center=" + keepID)
	if err != nil {
		t.Fatal(err)
	}
	exported, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || bytes.Count(exported, []byte(`"id":"`+keepID+`"`)) != 1 || bytes.Contains(exported, []byte(dupID)) {
		t.Fatalf("export centred on the merged id and the kept one: %d %s", resp.StatusCode, exported)
	}

	// The history keeps every write, newest first, the deletion too.
	_, r = postAs(t, m, "", historyOf, map[string]any{"id": own})
	var ops []string
	for _, rev := range path(r.Data, "history", "nodes").([]any) {
		ops = append(ops, fmt.Sprintf("%v%v:%v", path(rev, "operation"), path(rev, "version"), path(rev, "actor")))
	}
	if want := []string{"DELETE5:tester", "UPDATE4:kumppani", "UPDATE3:tester", "UPDATE2:tester", "CREATE1:tester"}; !slices.Equal(ops, want) {
		t.Fatalf("history %v, want %v", ops, want)
	}
	change := path(r.Data, "history", "nodes", 3, "changes", 0)
	if path(change, "field") != "name" || path(change, "before", "fi") != "Testijärjestö" || path(change, "after", "fi") != "Uusi nimi" {
		t.Errorf("the rename's change: %+v", change)
	}
	if q := path(r.Data, "history", "nodes", 0, "sources", 0, "quote"); q != "lakkautettu" {
		t.Errorf("the deletion's source quote = %v", q)
	}
}

func stringList(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// mustNewKey makes a key with hub key new, as an operator would.
func mustNewKey(t *testing.T, file string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runCommand(t.Context(), "key", append([]string{"new", "-file", file}, args...), func(string) string { return "" }, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("hub key new %v: exit %d: %s", args, code, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// TestKeysAreHashedListedAndRevoked: the file holds no key, list names
// the subjects, and a revoked key is refused by a running hub.
func TestKeysAreHashedListedAndRevoked(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	key := mustNewKey(t, file, "-role", "editor", "-subject", "alice")
	mustNewKey(t, file, "-role", "admin", "-subject", "bob")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(key)) || !bytes.Contains(data, []byte(keyHash(key))) {
		t.Fatalf("the keys file must hold the key's hash and not the key:\n%s", data)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("keys file mode %v, want 0600", fi.Mode().Perm())
	}
	run := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := runCommand(t.Context(), "key", append([]string{args[0], "-file", file}, args[1:]...), func(string) string { return "" }, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := run("list"); code != exitOK || !strings.Contains(out, "alice\teditor") || !strings.Contains(out, "bob\tadmin") || strings.Contains(out, key) {
		t.Fatalf("hub key list: %d %q", code, out)
	}
	if code, _ := run("new", "-role", "partner", "-subject", "carol"); code != exitUsage {
		t.Errorf("a partner key without an organisation: exit %d, want %d", code, exitUsage)
	}
	m := MustRunMain(t, map[string]string{"HUB_API_KEYS_FILE": file})
	MustBeReady(t, m, 30*time.Second)
	if status, r := postAs(t, m, key, `{ __typename }`, nil); status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("a request with alice's key: %d %+v", status, r)
	}
	if code, out := run("revoke", "alice"); code != exitOK {
		t.Fatalf("hub key revoke: %d %s", code, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _ := postAs(t, m, key, `{ __typename }`, nil)
		if status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's revoked key still answers %d after 5s", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBadEnumInVariablesIsTheClients: a value that is not one of an
// enum's, inside an input object, is the client's error, not INTERNAL.
func TestBadEnumInVariablesIsTheClients(t *testing.T) {
	m := MustRunMain(t, nil)
	MustBeReady(t, m, 30*time.Second)
	_, r := postAs(t, m, "", createNode, map[string]any{"in": map[string]any{"kind": "ORGANISATION", "key": "x", "fields": map[string]any{}}})
	if errorCode(r) != "BAD_USER_INPUT" {
		t.Fatalf("an unknown kind: %+v, want BAD_USER_INPUT", r)
	}
}

// TestExportsAuthenticate: an export request with a key is the key's
// caller, one with an unknown key is refused, as on /graphql.
func TestExportsAuthenticate(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	key := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	m := MustRunMain(t, map[string]string{"HUB_API_KEYS_FILE": keysFile})
	MustBeReady(t, m, 30*time.Second)
	for _, tc := range []struct {
		key  string
		want int
	}{{"", http.StatusOK}, {key, http.StatusOK}, {"ote_unknown", http.StatusUnauthorized}} {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+"/export/network.json?kind=Organisation", nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("export with key %q: %d, want %d", tc.key, resp.StatusCode, tc.want)
		}
	}
}
