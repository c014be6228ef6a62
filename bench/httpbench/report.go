package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// Targets the hub is held to, as multiples of the floor.
const (
	targetP50Ratio  = 1.3 // the hub's median latency at most 1.3× the floor's
	targetRateRatio = 0.8 // the hub's throughput at least 0.8× the floor's
)

// measure is what the rounds measured for one system and shape.
type measure struct {
	// latencies are every request of the concurrency-1 runs.
	latencies []time.Duration
	// requests and elapsed add up the concurrency-N runs.
	requests int
	elapsed  time.Duration
	// rates are the concurrency-N runs' rates, one per round.
	rates []float64
}

func (m *measure) add(c1, cN result) {
	m.latencies = append(m.latencies, c1.latencies...)
	m.requests += cN.requests
	m.elapsed += cN.elapsed
	m.rates = append(m.rates, cN.rate())
}

// rate is the throughput over all rounds.
func (m *measure) rate() float64 {
	if m.elapsed <= 0 {
		return 0
	}
	return float64(m.requests) / m.elapsed.Seconds()
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// row is one line of the table.
type row struct {
	shape, system      string
	p50, p99           time.Duration
	samples            int
	rate, minR, maxR   float64
	p50Ratio, rateRate float64 // system / floor
}

// rows computes the table: for each shape, each system and then the
// floor, with the ratios to the floor.
func rows(shapes []shape, systems []string, floorName string, m map[string]map[string]*measure) []row {
	var out []row
	for _, sh := range shapes {
		fl := summarize(m[floorName][sh.id])
		for _, sys := range append(slices.Clone(systems), floorName) {
			r := summarize(m[sys][sh.id])
			r.shape, r.system = sh.id+" "+sh.name, sys
			if fl.p50 > 0 {
				r.p50Ratio = float64(r.p50) / float64(fl.p50)
			}
			if fl.rate > 0 {
				r.rateRate = r.rate / fl.rate
			}
			out = append(out, r)
		}
	}
	return out
}

func summarize(m *measure) row {
	if m == nil {
		return row{}
	}
	lat := slices.Clone(m.latencies)
	slices.Sort(lat)
	r := row{p50: percentile(lat, 50), p99: percentile(lat, 99), samples: len(lat), rate: m.rate()}
	if len(m.rates) > 0 {
		r.minR, r.maxR = slices.Min(m.rates), slices.Max(m.rates)
	}
	return r
}

// writeTable prints rows as a Markdown table, the targets next to the
// ratios, so that it reads in a terminal and pastes into the docs.
func writeTable(w io.Writer, rs []row, concurrency int, floorName string) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "| shape\t| system\t| p50 c=1\t| p99 c=1\t| samples\t| req/s c=%d\t| rounds' range\t| p50 / floor (≤ %.1f)\t| req/s / floor (≥ %.1f)\t|\n",
		concurrency, targetP50Ratio, targetRateRatio)
	fmt.Fprintf(tw, "|---\t|---\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|\n")
	last := ""
	for _, r := range rs {
		shape := r.shape
		if shape == last {
			shape = ""
		}
		last = r.shape
		p50, rate := fmt.Sprintf("%.2f", r.p50Ratio), fmt.Sprintf("%.2f", r.rateRate)
		if r.system != floorName {
			p50 += " " + verdict(r.p50Ratio <= targetP50Ratio)
			rate += " " + verdict(r.rateRate >= targetRateRatio)
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t| %d\t| %.0f\t| %.0f–%.0f\t| %s\t| %s\t|\n",
			shape, r.system, ms(r.p50), ms(r.p99), r.samples, r.rate, r.minR, r.maxR, p50, rate)
	}
	tw.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// ms writes a latency in milliseconds with three significant digits or
// more.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}
