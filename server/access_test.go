package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAccessLog: logs are JSON lines when they do not go to a terminal;
// every request gets an id, answered in X-Request-Id and logged on its
// line, which holds neither the query string nor the key.
func TestAccessLog(t *testing.T) {
	logs := &syncBuffer{}
	m := mustRunMainWith(t, nil, func(m *Main) { m.LogOutput = logs })
	MustBeReady(t, m, 30*time.Second)
	secret := "matti.meikalainen@example.fi"
	req, _ := http.NewRequest(http.MethodGet, m.URL()+"/graphql?query="+url.QueryEscape(`{ search(text: "`+secret+`") { match } }`), nil)
	req.Header.Set("Authorization", "Bearer ote_not-a-real-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get(requestIDHeader)
	if len(id) != 16 {
		t.Fatalf("X-Request-Id %q", id)
	}
	var line map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for line == nil && time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var l map[string]any
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("a log line that is not JSON: %s", sc.Text())
			}
			if l["msg"] == "request" && l["id"] == id {
				line = l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if line == nil {
		t.Fatalf("no access log line with id %s in:\n%s", id, logs.String())
	}
	if line["path"] != "/graphql" || line["method"] != "GET" || line["status"] != float64(resp.StatusCode) {
		t.Errorf("access log line %v, answer %d", line, resp.StatusCode)
	}
	// A GraphQL error names the request's id too.
	r := postQuery(t, m, `{ nosuchfield }`, nil)
	if len(r.Errors) == 0 {
		t.Fatal("an unknown field answered without an error")
	}
	if rid, _ := r.Errors[0].Extensions["requestId"].(string); len(rid) != 16 {
		t.Errorf("a GraphQL error without the request's id: %+v", r.Errors)
	}
	if all := logs.String(); strings.Contains(all, secret) || strings.Contains(all, "ote_not-a-real-key") {
		t.Errorf("the logs hold the query's text or the key:\n%s", all)
	}
}
