package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/otehub/hub/graph"
)

// expected are the error codes a run under load may see by design:
// the hub shedding load, and the open loop's own bound.
var expected = []string{graph.CodeOverloaded, codeDropped}

// Report is a whole run of the command: its settings and every
// measured run.
type Report struct {
	Started    time.Time `json:"started"`
	Host       string    `json:"host"`
	CPUs       int       `json:"cpus"`
	GoVersion  string    `json:"goVersion"`
	LoadBefore string    `json:"loadAverageBefore"`
	LoadAfter  string    `json:"loadAverageAfter"`
	// Mode says what was measured: hubs started here (and how they were
	// set up) or the URLs.
	Mode        string  `json:"mode"`
	Network     string  `json:"network,omitempty"`
	Weights     weights `json:"weights"`
	Duration    string  `json:"duration"`
	Warmup      string  `json:"warmup"`
	Writes      float64 `json:"writesPerSecond"`
	Subscribers int     `json:"subscribers"`
	Runs        []Run   `json:"runs"`
	// PeakRSS is, per hub this tool started, the most resident memory
	// its process held by the end of its runs (VmHWM), in bytes.
	PeakRSS map[string]int64 `json:"hubPeakRSSBytes,omitempty"`
}

// Run is one measured window: one target at one load level.
type Run struct {
	Target  string  `json:"target"`
	Loop    string  `json:"loop"` // closed or open
	Clients int     `json:"clients,omitempty"`
	Rate    float64 `json:"rate,omitempty"`
	Seconds float64 `json:"seconds"`
	// LoadAverage is the host's at the window's end.
	LoadAverage   string      `json:"loadAverage"`
	Classes       []Summary   `json:"classes"`
	Overall       Summary     `json:"overall"`
	Subscriptions *Deliveries `json:"subscriptions,omitempty"`
}

func (r Run) level() string {
	if r.Loop == "open" {
		return fmt.Sprintf("%g requests/s", r.Rate)
	}
	return fmt.Sprintf("%d clients", r.Clients)
}

// unexpected fails when a run saw an error other than the expected
// ones, a missed event or a failed subscription.
func (rep *Report) unexpected() error {
	var found []string
	for _, r := range rep.Runs {
		for code, n := range r.Overall.ErrorsByCode {
			if !slices.Contains(expected, code) {
				found = append(found, fmt.Sprintf("%s, %s: %d × %s", r.Target, r.level(), n, code))
			}
		}
		if s := r.Subscriptions; s != nil {
			if s.Missing > 0 {
				found = append(found, fmt.Sprintf("%s, %s: %d of %d events did not reach their subscriber", r.Target, r.level(), s.Missing, s.Expected))
			}
			for code, n := range s.Failures {
				found = append(found, fmt.Sprintf("%s, %s: %d subscriptions ended with %s", r.Target, r.level(), n, code))
			}
		}
	}
	if len(found) > 0 {
		slices.Sort(found)
		return fmt.Errorf("unexpected errors (-allow-errors to report them only):\n  %s", strings.Join(found, "\n  "))
	}
	return nil
}

// write prints the report as tables, or as JSON.
func (rep *Report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(rep)
	}
	fmt.Fprintf(w, "Mixed load of the hub, %s UTC\n", rep.Started.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(w, "host: %s, %d CPUs, %s; load average %s before, %s after\n", rep.Host, rep.CPUs, rep.GoVersion, rep.LoadBefore, rep.LoadAfter)
	fmt.Fprintf(w, "target: %s", rep.Mode)
	if rep.Network != "" {
		fmt.Fprintf(w, "; network: %s", rep.Network)
	}
	var mix []string
	for _, c := range readClasses {
		mix = append(mix, fmt.Sprintf("%s %d", c, rep.Weights[c]))
	}
	fmt.Fprintf(w, "\nmix (weights): %s; writes %g/s; %d WebSocket subscribers\n", strings.Join(mix, ", "), rep.Writes, rep.Subscribers)
	fmt.Fprintf(w, "each run: %s after %s of warm-up; latency percentiles exact (nearest rank over every request answered without error)\n", rep.Duration, rep.Warmup)
	for _, r := range rep.Runs {
		fmt.Fprintf(w, "\n%s, %s loop, %s, %.1f s (load average %s at the end)\n\n", r.Target, r.Loop, r.level(), r.Seconds, r.LoadAverage)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintf(tw, "| class\t| requests\t| errors\t| req/s\t| p50\t| p95\t| p99\t| max\t| errors by code\t|\n")
		fmt.Fprintf(tw, "|---\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|---\t|\n")
		for _, s := range append(slices.Clone(r.Classes), r.Overall) {
			fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %.1f\t| %s\t| %s\t| %s\t| %s\t| %s\t|\n", s.Class, s.Requests, s.Errors, s.Throughput,
				ms(s.Latency.P50), ms(s.Latency.P95), ms(s.Latency.P99), ms(s.Latency.Max), codes(s.ErrorsByCode))
		}
		tw.Flush()
		if s := r.Subscriptions; s != nil {
			fmt.Fprintf(w, "\nevents: %d subscribers × %d writes: %d of %d delivered, %d missing%s\n", s.Subscribers, s.Writes, s.Delivered, s.Expected, s.Missing, failures(s.Failures))
			fmt.Fprintf(w, "change at → arrival p50 %s, p95 %s, p99 %s, max %s; acknowledgement → arrival p50 %s, p99 %s\n",
				ms(s.FromCommit.P50), ms(s.FromCommit.P95), ms(s.FromCommit.P99), ms(s.FromCommit.Max), ms(s.FromAck.P50), ms(s.FromAck.P99))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rep.PeakRSS)) {
		fmt.Fprintf(w, "\n%s peak resident memory: %.0f MiB", name, float64(rep.PeakRSS[name])/(1<<20))
	}
	if len(rep.PeakRSS) > 0 {
		fmt.Fprintln(w)
	}
	return nil
}

func codes(m map[string]int) string {
	var out []string
	for _, c := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s %d", c, m[c]))
	}
	return strings.Join(out, ", ")
}

func failures(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	return "; subscriptions ended: " + codes(m)
}

// ms writes a latency in milliseconds, to three significant digits.
func ms(v float64) string {
	switch {
	case v >= 100 || v <= -100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10 || v <= -10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(3, uint64(time.Now().UnixNano()))) }
