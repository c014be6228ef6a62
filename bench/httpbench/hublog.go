package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// loadLine finds the hub's log line about loading its index: the first
// line whose message says the network or index was loaded, and the
// duration it gives (its first attribute whose value is a duration).
func loadLine(logPath string) (line string, took time.Duration, ok bool) {
	f, err := os.Open(logPath)
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		msg := strings.ToLower(logMessage(l))
		if !strings.Contains(msg, "loaded") || !(strings.Contains(msg, "network") || strings.Contains(msg, "index")) {
			continue
		}
		for _, field := range strings.Fields(l) {
			_, v, found := strings.Cut(field, "=")
			v = strings.Trim(v, `"`)
			// "0" is the one duration without a unit: a count, here.
			if d, err := time.ParseDuration(v); found && v != "0" && err == nil {
				return l, d, true
			}
		}
		return l, 0, false
	}
	return "", 0, false
}

// logMessage returns the msg of a log/slog text line, or the whole line.
func logMessage(line string) string {
	_, rest, found := strings.Cut(line, "msg=")
	if !found {
		return line
	}
	if strings.HasPrefix(rest, `"`) {
		if s, err := strconv.QuotedPrefix(rest); err == nil {
			return s
		}
	}
	msg, _, _ := strings.Cut(rest, " ")
	return msg
}
