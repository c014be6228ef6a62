package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// TestExternalIDsOverHTTP writes an organisation with external ids
// through the real server, on both backends, and finds it by one of them
// as a partner joining its register would.
func TestExternalIDsOverHTTP(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, withEnv(b.env(t), "HUB_API_KEYS_FILE", keysFile))
			MustBeReady(t, m, 30*time.Second)
			testExternalIDs(t, m, editorKey)
		})
	}
}

func testExternalIDs(t *testing.T, m *Main, editorKey string) {
	const create = `mutation($in: CreateNodeInput!) { createNode(input: $in) {
		node { id ... on Organisation { externalIds { scheme id } } } userErrors { code path message } } }`
	const find = `query($scheme: String!, $id: String!) {
		organisations(where: {externalId: {scheme: $scheme, id: $id}}) { totalCount nodes { id key externalIds { scheme id } } }
		employers(where: {externalId: {scheme: $scheme, id: $id}}) { totalCount } }`
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	org := func(key string, ids ...any) map[string]any {
		return map[string]any{"in": map[string]any{"kind": "Organisation", "key": key, "fields": map[string]any{
			"name": map[string]any{"fi": "Järjestö " + key}, "type": "ASSOCIATION", "externalIds": ids,
			"sources": []any{map[string]any{"sourceId": source, "quote": "testi"}}}}}
	}
	ext := func(scheme, id string) map[string]any { return map[string]any{"scheme": scheme, "id": id} }

	// Invalid: the input path names the scheme of the second id; nothing
	// is written.
	_, r := postAs(t, m, editorKey, create, org("ulkoinen", ext("ytj", "0245437-2"), ext("YTJ", "x")))
	if ue := path(r.Data, "createNode", "userErrors", 0); fmt.Sprint(path(ue, "path")) != "[input fields externalIds 1 scheme]" ||
		path(ue, "code") != "BAD_USER_INPUT" || path(r.Data, "createNode", "node") != nil {
		t.Fatalf("an upper-case scheme: %+v", r)
	}
	_, r = postAs(t, m, editorKey, create, org("ulkoinen", ext("ytj", "1"), ext("ytj", "2")))
	if fmt.Sprint(path(r.Data, "createNode", "userErrors", 0, "path")) != "[input fields externalIds 1 scheme]" {
		t.Fatalf("one scheme twice: %+v", r)
	}

	_, r = postAs(t, m, editorKey, create, org("ulkoinen", ext("ytj", "0245437-2"), ext("partner:acme", "A-17")))
	id := hub.NodeID(hub.KindOrganisation, "ulkoinen")
	if path(r.Data, "createNode", "node", "id") != id || fmt.Sprint(path(r.Data, "createNode", "node", "externalIds")) != "[map[id:0245437-2 scheme:ytj] map[id:A-17 scheme:partner:acme]]" {
		t.Fatalf("createNode: %+v", r)
	}
	if _, r = postAs(t, m, editorKey, create, org("toinen", ext("kela", "A-17"))); path(r.Data, "createNode", "node", "id") == nil {
		t.Fatalf("createNode toinen: %+v", r)
	}

	// The id of a scheme that another organisation holds: refused, with
	// the field and the holder named; nothing is written.
	_, r = postAs(t, m, editorKey, create, org("kolmas", ext("kela", "K-3"), ext("partner:acme", "A-17")))
	if ue := path(r.Data, "createNode", "userErrors", 0); fmt.Sprint(path(ue, "path")) != "[input fields externalIds 1 id]" ||
		path(ue, "code") != "BAD_USER_INPUT" || path(ue, "message") != "Organisation/kolmas: external id A-17 of scheme partner:acme is Organisation/ulkoinen's already" ||
		path(r.Data, "createNode", "node") != nil {
		t.Fatalf("a held external id: %+v", r)
	}

	for _, tc := range []struct {
		scheme, id string
		want       string // the key found, "" for none
	}{
		{"partner:acme", "A-17", "ulkoinen"},
		{"ytj", "0245437-2", "ulkoinen"},
		{"kela", "A-17", "toinen"},
		{"partner:acme", "a-17", ""},
		{"ytj", "A-17", ""},
	} {
		r := postQuery(t, m, find, map[string]any{"scheme": tc.scheme, "id": tc.id})
		if len(r.Errors) > 0 {
			t.Fatalf("%s=%s: %+v", tc.scheme, tc.id, r.Errors)
		}
		got := ""
		if path(r.Data, "organisations", "totalCount") == 1.0 {
			got, _ = path(r.Data, "organisations", "nodes", 0, "key").(string)
		} else if n := path(r.Data, "organisations", "totalCount"); n != 0.0 {
			t.Errorf("%s=%s: %v organisations", tc.scheme, tc.id, n)
		}
		if got != tc.want || path(r.Data, "employers", "totalCount") != 0.0 {
			t.Errorf("%s=%s found %q and %v employers, want %q and none", tc.scheme, tc.id, got, path(r.Data, "employers", "totalCount"), tc.want)
		}
	}
}
