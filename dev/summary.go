package dev

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
)

// Errors of Summary.Check.
var (
	// ErrLost is wrapped when accepted events never reached a final outcome.
	ErrLost = errors.New("events lost")
	// ErrDuplicateCompletions is wrapped when Arena received a completion
	// for a record that the run had already completed.
	ErrDuplicateCompletions = errors.New("duplicate completions")
	// ErrReviewQueueIncomplete is wrapped when the review queue contains fewer
	// open entries than events were dead-lettered.
	ErrReviewQueueIncomplete = errors.New("review queue incomplete")
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
	// ReviewQueueSize is the number of open entries in the review queue
	// when the run ended: one per dead letter that the reconciler stored.
	// Check reports it when it is below the dead-lettered total. It is above
	// that total when the dead-letter topic of an outside Kafka contained
	// records of earlier runs that the reconciler's group had not read yet.
	ReviewQueueSize int `json:"review_queue_size"`
	// Retried counts events that went to a retry tier at least once.
	Retried int `json:"retried"`
	// RetriesByTier counts, for each retry tier named by its topic suffix
	// such as retry.1s, the events moved into it. It has a key for every
	// tier of the run, zero included.
	RetriesByTier map[string]int `json:"retries_by_tier"`
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

// Check returns an error wrapping ErrLost, ErrDuplicateCompletions or
// ErrReviewQueueIncomplete when the run lost events, completed a record
// twice or left dead letters out of the review queue, and nil otherwise.
func (s Summary) Check() error {
	var errs []error
	if s.Lost > 0 {
		errs = append(errs, fmt.Errorf("%w: %d of %d sent events have no final outcome; raise --timeout if the worker was still busy, otherwise read the worker's log", ErrLost, s.Lost, s.EventsSent))
	}
	if s.DuplicateCompletions > 0 {
		errs = append(errs, fmt.Errorf("%w: Arena received %d completions for records that were already completed", ErrDuplicateCompletions, s.DuplicateCompletions))
	}
	if total := s.DeadLetteredTotal(); s.ReviewQueueSize < total {
		errs = append(errs, fmt.Errorf("%w: it contains %d open entries for %d dead-lettered events; raise --timeout if the reconciler was still busy, otherwise read its log", ErrReviewQueueIncomplete, s.ReviewQueueSize, total))
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
	if s.RetriesByTier == nil {
		s.RetriesByTier = map[string]int{}
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
	row("review queue (open entries)", s.ReviewQueueSize)
	row("retried", s.Retried)
	row("moved into retry tiers", "")
	for _, tier := range tiersByDelay(s.RetriesByTier) {
		row("  "+tier, s.RetriesByTier[tier])
	}
	row("lost", s.Lost)
	row("duplicate completions", s.DuplicateCompletions)
	row("throughput (final events/s)", fmt.Sprintf("%.1f", s.ThroughputPerSecond))
	row("e2e latency p50 (ms)", fmt.Sprintf("%.1f", s.E2ELatencyMS.P50))
	row("e2e latency p99 (ms)", fmt.Sprintf("%.1f", s.E2ELatencyMS.P99))

	return tw.Flush()
}

// tiersByDelay returns the tier names of counts, such as retry.1s, ordered
// by their delay, which is the order of the ladder. Names without a
// parsable delay come last, in name order.
func tiersByDelay(counts map[string]int) []string {
	names := slices.Collect(maps.Keys(counts))
	slices.SortFunc(names, func(a, b string) int {
		da, okA := tierDelay(a)
		db, okB := tierDelay(b)
		switch {
		case okA && okB && da != db:
			return cmp.Compare(da, db)
		case okA != okB:
			// A parsable name sorts first.
			if okA {
				return -1
			}

			return 1
		}

		return strings.Compare(a, b)
	})

	return names
}

// tierPrefix starts the name of a retry tier. The consumer names a tier's
// topic <main topic>.retry.<delay>.
const tierPrefix = "retry."

// tierNames returns the names of the retry tiers of cfg, first tier first:
// their topics without the main topic and its dot, such as retry.1s. cfg's
// Topic must be set.
func tierNames(cfg consumer.Config) []string {
	tiers := cfg.Tiers()
	names := make([]string, 0, len(tiers))
	for _, tier := range tiers {
		names = append(names, strings.TrimPrefix(tier.Topic, cfg.Topic+"."))
	}

	return names
}

// tierDelay parses the delay of a tier name such as retry.1s.
func tierDelay(name string) (time.Duration, bool) {
	delay, ok := strings.CutPrefix(name, tierPrefix)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(delay)

	return d, err == nil
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
