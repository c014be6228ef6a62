// Package subscribetest gives tests GraphQL subscription clients written
// from the protocols, not from the hub's code: graphql-transport-ws over
// a WebSocket (github.com/coder/websocket's client) and server-sent
// events over a plain HTTP POST.
package subscribetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// Response is one GraphQL response of a stream.
type Response struct {
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string {
	s, _ := e.Extensions["code"].(string)
	return s
}

// ErrComplete is returned by Next once the server has completed the
// stream.
var ErrComplete = errors.New("the stream is complete")

// Stream is one subscription's responses.
type Stream interface {
	// Next returns the next response, ErrComplete once the stream has
	// completed, or another error when the connection failed.
	Next(ctx context.Context) (Response, error)
}

// Request is a GraphQL request.
type Request struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

// message is a graphql-transport-ws message.
type message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// WebSocket is a graphql-transport-ws connection.
type WebSocket struct {
	conn *websocket.Conn
	// cancel stops the reader.
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	streams map[string]chan message
	// err is why the connection ended, once done is closed.
	err error
}

// DialWebSocket opens a graphql-transport-ws connection to url (http or
// https), with header on the upgrade request, and initialises it.
func DialWebSocket(ctx context.Context, url string, header http.Header) (*WebSocket, *http.Response, error) {
	return DialWebSocketWith(ctx, url, header, json.RawMessage(`{}`))
}

// DialWebSocketWith is DialWebSocket with init as the connection_init
// payload.
func DialWebSocketWith(ctx context.Context, url string, header http.Header, init json.RawMessage) (*WebSocket, *http.Response, error) {
	url = "ws" + strings.TrimPrefix(url, "http")
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, resp, err
	}
	if p := conn.Subprotocol(); p != "graphql-transport-ws" {
		conn.CloseNow()
		return nil, resp, fmt.Errorf("the server chose subprotocol %q", p)
	}
	conn.SetReadLimit(16 << 20)
	if err := writeMessage(ctx, conn, message{Type: "connection_init", Payload: init}); err != nil {
		conn.CloseNow()
		return nil, resp, err
	}
	var ack message
	if err := readMessage(ctx, conn, &ack); err != nil {
		conn.CloseNow()
		return nil, resp, err
	}
	if ack.Type != "connection_ack" {
		conn.CloseNow()
		return nil, resp, fmt.Errorf("got %q, want connection_ack", ack.Type)
	}
	rctx, cancel := context.WithCancel(context.Background())
	ws := &WebSocket{conn: conn, cancel: cancel, done: make(chan struct{}), streams: map[string]chan message{}}
	go ws.read(rctx)
	return ws, resp, nil
}

func writeMessage(ctx context.Context, c *websocket.Conn, m message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.Write(ctx, websocket.MessageText, b)
}

func readMessage(ctx context.Context, c *websocket.Conn, m *message) error {
	_, b, err := c.Read(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, m)
}

// read dispatches the server's messages to the streams, answers pings,
// and records why the connection ended.
func (ws *WebSocket) read(ctx context.Context) {
	defer close(ws.done)
	for {
		var m message
		err := readMessage(ctx, ws.conn, &m)
		if err != nil {
			ws.mu.Lock()
			ws.err = err
			for _, ch := range ws.streams {
				close(ch)
			}
			ws.streams = map[string]chan message{}
			ws.mu.Unlock()
			return
		}
		switch m.Type {
		case "ping":
			_ = writeMessage(ctx, ws.conn, message{Type: "pong"})
		case "pong":
		default:
			ws.mu.Lock()
			ch := ws.streams[m.ID]
			if ch != nil && (m.Type == "complete" || m.Type == "error") {
				delete(ws.streams, m.ID)
			}
			ws.mu.Unlock()
			if ch == nil {
				continue
			}
			// The stream's buffer is generous; a test that stops reading
			// one stream holds up the others, as a real client would.
			select {
			case ch <- m:
			case <-ctx.Done():
				return
			}
			if m.Type == "complete" || m.Type == "error" {
				close(ch)
			}
		}
	}
}

// Subscribe starts an operation with id.
func (ws *WebSocket) Subscribe(ctx context.Context, id string, req Request) (Stream, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ch := make(chan message, 4096)
	ws.mu.Lock()
	ws.streams[id] = ch
	ws.mu.Unlock()
	if err := writeMessage(ctx, ws.conn, message{ID: id, Type: "subscribe", Payload: payload}); err != nil {
		return nil, err
	}
	return &wsStream{ws: ws, ch: ch}, nil
}

// Stop ends the operation id from the client's side.
func (ws *WebSocket) Stop(ctx context.Context, id string) error {
	return writeMessage(ctx, ws.conn, message{ID: id, Type: "complete"})
}

// Ended waits until the connection has ended or ctx ends, and returns
// its close status (-1 when it ended without a close frame, or has not
// ended).
func (ws *WebSocket) Ended(ctx context.Context) websocket.StatusCode {
	select {
	case <-ws.done:
		return websocket.CloseStatus(ws.err)
	case <-ctx.Done():
		return -1
	}
}

// Close closes the connection normally.
func (ws *WebSocket) Close() {
	ws.conn.Close(websocket.StatusNormalClosure, "")
	ws.cancel()
	<-ws.done
}

type wsStream struct {
	ws *WebSocket
	ch chan message
}

func (s *wsStream) Next(ctx context.Context) (Response, error) {
	select {
	case m, ok := <-s.ch:
		if !ok {
			s.ws.mu.Lock()
			err := s.ws.err
			s.ws.mu.Unlock()
			if err == nil {
				return Response{}, ErrComplete
			}
			return Response{}, fmt.Errorf("the connection ended: %w", err)
		}
		var r Response
		switch m.Type {
		case "next":
			err := json.Unmarshal(m.Payload, &r)
			return r, err
		case "error":
			err := json.Unmarshal(m.Payload, &r.Errors)
			return r, err
		case "complete":
			return Response{}, ErrComplete
		}
		return Response{}, fmt.Errorf("unexpected message %q", m.Type)
	case <-ctx.Done():
		return Response{}, ctx.Err()
	}
}

// EventStream is a subscription over server-sent events.
type EventStream struct {
	// Response is the HTTP response; its body is the stream.
	Response *http.Response
	events   chan event
	cancel   context.CancelFunc
	stop     chan struct{}
	done     chan struct{}
	// start starts reading the body, at the first Next: until then the
	// client reads nothing, as a client that falls behind.
	start sync.Once
}

type event struct {
	name, data string
	err        error
}

// PostEventStream POSTs req to url asking for server-sent events, with
// header, and returns the stream once the response headers are in; the
// body is read from the first call of Next on. A
// response that is not an event stream is returned with a nil stream.
func PostEventStream(ctx context.Context, url string, req Request, header http.Header) (*EventStream, *http.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	hr, err := http.NewRequestWithContext(sctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, nil, err
	}
	for k, v := range header {
		hr.Header[k] = v
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer cancel()
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil, resp, nil
	}
	s := &EventStream{Response: resp, events: make(chan event, 4096), cancel: cancel, stop: make(chan struct{}), done: make(chan struct{})}
	return s, resp, nil
}

// read parses the events of the body (fields "event" and "data";
// comments and other fields are skipped).
func (s *EventStream) read() {
	defer close(s.done)
	defer close(s.events)
	sc := bufio.NewScanner(s.Response.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var ev event
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" || len(data) > 0 {
				ev.data = strings.Join(data, "\n")
				if !s.send(ev) {
					return
				}
			}
			ev, data = event{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			ev.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	s.send(event{err: err})
}

func (s *EventStream) send(ev event) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.stop:
		return false
	}
}

// Next implements Stream: an "event: next" is a response, "event:
// complete" ends the stream.
func (s *EventStream) Next(ctx context.Context) (Response, error) {
	s.start.Do(func() { go s.read() })
	select {
	case ev, ok := <-s.events:
		if !ok {
			return Response{}, io.EOF
		}
		if ev.err != nil {
			return Response{}, fmt.Errorf("the stream ended without completing: %w", ev.err)
		}
		switch ev.name {
		case "complete":
			return Response{}, ErrComplete
		case "next", "":
			var r Response
			err := json.Unmarshal([]byte(ev.data), &r)
			return r, err
		}
		return Response{}, fmt.Errorf("unexpected event %q", ev.name)
	case <-ctx.Done():
		return Response{}, ctx.Err()
	}
}

// Close ends the request.
func (s *EventStream) Close() {
	close(s.stop)
	s.cancel()
	s.Response.Body.Close()
	started := true
	s.start.Do(func() { started = false })
	if started {
		<-s.done
	}
}
