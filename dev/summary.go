package dev

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

// Errors of Summary.Check.
var (
	// ErrLost is wrapped when accepted events never reached a final outcome.
	ErrLost = errors.New("events lost")
	// ErrDuplicateCompletions is wrapped when Arena received a completion
	// for a record that the run had already completed.
	ErrDuplicateCompletions = errors.New("duplicate completions")
)

// Summary is the result of a run. Its JSON form has exactly the keys below.
type Summary struct {
	// EventsSent counts webhooks that ingest accepted (202) or rejected as
	// invalid (422).
	EventsSent int `json:"events_sent"`
	// Completed counts events whose outcome was done: records created and
	// completions that Arena holds.
	Completed int `json:"completed"`
	// PendingApproval counts completions that wait for a manager in Arena.
	PendingApproval int `json:"pending_approval"`
	// DeadLettered counts events on the dead-letter topic, by reason.
	DeadLettered map[string]int `json:"dead_lettered"`
	// Retried counts events that went to a retry tier at least once.
	Retried int `json:"retried"`
	// Lost counts sent events without a final outcome when the wait ended.
	Lost int `json:"lost"`
	// DuplicateCompletions counts completion calls that Arena rejected with
	// 409 for records this run had created, so had completed already. It is
	// measured only with the embedded simulator and is zero otherwise.
	DuplicateCompletions int `json:"duplicate_completions"`
	// ThroughputPerSecond is final outcomes per second, from the first
	// ingest response to the last final outcome.
	ThroughputPerSecond float64 `json:"throughput_per_second"`
	// E2ELatencyMS is the time from ingest accepting an event to its final
	// outcome, over accepted events.
	E2ELatencyMS Latency `json:"e2e_latency_ms"`

	// simulator holds the simulator's counters for tests; zero with an
	// outside Arena.
	simulator arenasim.Stats
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Check returns an error wrapping ErrLost or ErrDuplicateCompletions when
// the run lost events or completed a record twice, and nil otherwise.
func (s Summary) Check() error {
	var errs []error
	if s.Lost > 0 {
		errs = append(errs, fmt.Errorf("%w: %d of %d sent events have no final outcome; raise --timeout if the worker was still busy, otherwise read the worker's log", ErrLost, s.Lost, s.EventsSent))
	}
	if s.DuplicateCompletions > 0 {
		errs = append(errs, fmt.Errorf("%w: Arena received %d completions for records that were already completed", ErrDuplicateCompletions, s.DuplicateCompletions))
	}

	return errors.Join(errs...)
}

// DeadLetteredTotal returns the number of dead-lettered events over all reasons.
func (s Summary) DeadLetteredTotal() int {
	total := 0
	for _, n := range s.DeadLettered {
		total += n
	}

	return total
}

// WriteJSON writes the summary as one indented JSON object.
func (s Summary) WriteJSON(w io.Writer) error {
	if s.DeadLettered == nil {
		s.DeadLettered = map[string]int{}
	}

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")

	return enc.Encode(s)
}

// WriteTable writes the summary as an aligned two-column table.
func (s Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, value any) {
		fmt.Fprintf(tw, "%s\t%10v\n", label, value)
	}

	row("events sent", s.EventsSent)
	row("completed", s.Completed)
	row("pending approval", s.PendingApproval)
	row("dead-lettered", s.DeadLetteredTotal())
	reasons := make([]string, 0, len(s.DeadLettered))
	for reason := range s.DeadLettered {
		reasons = append(reasons, reason)
	}
	slices.Sort(reasons)
	for _, reason := range reasons {
		row("  "+reason, s.DeadLettered[reason])
	}
	row("retried", s.Retried)
	row("lost", s.Lost)
	row("duplicate completions", s.DuplicateCompletions)
	row("throughput (final events/s)", fmt.Sprintf("%.1f", s.ThroughputPerSecond))
	row("e2e latency p50 (ms)", fmt.Sprintf("%.1f", s.E2ELatencyMS.P50))
	row("e2e latency p99 (ms)", fmt.Sprintf("%.1f", s.E2ELatencyMS.P99))

	return tw.Flush()
}

// throughput returns events per second over elapsed, rounded to 0.1.
func throughput(events int, elapsed time.Duration) float64 {
	if events == 0 || elapsed <= 0 {
		return 0
	}

	return round1(float64(events) / elapsed.Seconds())
}

// latencyPercentiles returns the nearest-rank p50 and p99 of latencies in
// milliseconds, rounded to 0.1; zero without latencies.
func latencyPercentiles(latencies []time.Duration) Latency {
	if len(latencies) == 0 {
		return Latency{}
	}

	slices.Sort(latencies)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(latencies)))) - 1
		ms := float64(latencies[max(i, 0)]) / float64(time.Millisecond)

		return round1(ms)
	}

	return Latency{P50: rank(0.50), P99: rank(0.99)}
}

// round1 rounds x to one decimal.
func round1(x float64) float64 {
	return math.Round(x*10) / 10
}
