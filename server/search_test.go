package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// TestSearchKeepsPersonalDataFromCallersWithoutTheRight writes an
// organisation whose description holds an e-mail address and a phone
// number, on both backends, and searches over HTTP as a client: an
// editor (who may read personal data) finds it by either, an anonymous
// caller by neither, and finds it by its other words with both
// replaced in the matched text.
func TestSearchKeepsPersonalDataFromCallersWithoutTheRight(t *testing.T) {
	const (
		email = "hakutesti@esimerkki.fi"
		phone = "040 123 4567"
	)
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	org := map[string]any{"kind": "Organisation", "key": "hakutesti", "fields": map[string]any{
		"name": map[string]any{"fi": "Hakutestin yhdistys"}, "type": "ASSOCIATION",
		"description": map[string]any{"fi": "Yhteydenotot: " + email + " tai " + phone + ". Kehittää kuntoutusta Kainuussa."},
		"sources":     []any{map[string]any{"sourceId": hub.NodeID(hub.KindSourceDocument, "seed-000"), "quote": "testi"}}}}
	const query = `query($text: String!) { search(text: $text, first: 100) { node { key } match matchedField matchedText } }`
	type hit struct{ key, match, field, text string }
	find := func(t *testing.T, m *Main, key, text string) *hit {
		t.Helper()
		_, r := postAs(t, m, key, query, map[string]any{"text": text})
		if len(r.Errors) > 0 {
			t.Fatalf("search %q: %+v", text, r.Errors)
		}
		hits, _ := path(r.Data, "search").([]any)
		for i := range hits {
			if path(r.Data, "search", i, "node", "key") == "hakutesti" {
				s := func(f string) string { v, _ := path(r.Data, "search", i, f).(string); return v }
				return &hit{"hakutesti", s("match"), s("matchedField"), s("matchedText")}
			}
		}
		return nil
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			m := MustRunMain(t, withEnv(b.env(t), "HUB_API_KEYS_FILE", keysFile))
			MustBeReady(t, m, 30*time.Second)
			if _, r := postAs(t, m, editorKey, createNode, map[string]any{"in": org}); len(r.Errors) > 0 || path(r.Data, "createNode", "node", "id") == nil {
				t.Fatalf("createNode: %+v", r)
			}
			for _, text := range []string{email, "esimerkki", phone} {
				h := find(t, m, editorKey, text)
				if h == nil || h.match != "DESCRIPTION" || h.field != "description" || !strings.Contains(h.text, email) {
					t.Errorf("the editor searching %q: %+v, want the description with the e-mail", text, h)
				}
				if h := find(t, m, "", text); h != nil {
					t.Errorf("an anonymous caller finds the organisation by %q: %+v", text, h)
				}
			}
			for _, key := range []string{"", editorKey} {
				h := find(t, m, key, "kuntoutusta kainuussa")
				if h == nil || h.match != "DESCRIPTION" {
					t.Fatalf("searching its other words: %+v", h)
				}
				personal := key != ""
				if strings.Contains(h.text, email) != personal || strings.Contains(h.text, phone) != personal ||
					strings.Contains(h.text, hub.EmailRemoved) == personal || strings.Contains(h.text, hub.PhoneRemoved) == personal {
					t.Errorf("caller with personal data %v: matched text %q", personal, h.text)
				}
			}
		})
	}
}
