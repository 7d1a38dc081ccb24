package consumer_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// seededCompletion seeds an IN_PROGRESS record and returns a completion for it.
func seededCompletion(rig *pipelineRig, id, employee, course, date string) (pipeline.Event, string) {
	rec := rig.sim.AddRecord(arenasim.Record{EmployeeID: employee, CourseID: course, Status: "IN_PROGRESS"})
	event := completion(id, employee, course, date, score(90))
	event.TrainingRecordID = rec.ID

	return event, rec.ID
}

func TestTiersExhaustedGoToDeadLetter(t *testing.T) {
	rig := startRig(t, rigOptions{})
	failing, recordID := seededCompletion(rig, "cmp-503", "EMP12345", "LMS-OUTAGE", "2025-03-01T10:00:00Z")
	rig.sim.FailRecord(recordID, http.StatusServiceUnavailable)
	healthy, healthyRecord := seededCompletion(rig, "cmp-ok", "EMP22222", "LMS-OK", "2025-03-01T11:00:00Z")

	rig.produce(failing, healthy)

	if got := rig.outcomes.final(t, "cmp-ok", finalWait); got[0].outcome.Kind != pipeline.Done {
		t.Fatalf("healthy event outcome = %+v, want done", got)
	}
	if len(rig.outcomes.all("cmp-503")) == 4 {
		t.Errorf("failing event was final before the healthy one completed; tiers blocked other keys")
	}

	got := rig.outcomes.final(t, "cmp-503", finalWait)
	wantTopics := []string{rig.cfg.Topic, rig.cfg.Topic + ".retry.300ms", rig.cfg.Topic + ".retry.600ms", rig.cfg.Topic + ".retry.900ms"}
	if len(got) != len(wantTopics) {
		t.Fatalf("outcomes = %+v, want one per topic %v", got, wantTopics)
	}
	for i, o := range got {
		if o.topic != wantTopics[i] {
			t.Errorf("outcome %d on topic %s, want %s", i, o.topic, wantTopics[i])
		}
		if o.meta.Attempt != i {
			t.Errorf("outcome %d has attempt %d, want %d", i, o.meta.Attempt, i)
		}
	}
	last := got[3].outcome
	if last.Kind != pipeline.Permanent || last.Reason != pipeline.ReasonRetriesExhausted {
		t.Errorf("last outcome = %s %s, want permanent retries_exhausted", last.Kind, last.Reason)
	}

	dl := rig.readDeadLetters(1)[0]
	headers := map[string]string{
		pipeline.HeaderReason:        "retries_exhausted",
		pipeline.HeaderErrorClass:    "arena_unavailable",
		pipeline.HeaderAttempt:       "3",
		pipeline.HeaderArenaStatus:   "503",
		pipeline.HeaderEventID:       "cmp-503",
		pipeline.HeaderOriginalTopic: rig.cfg.Topic,
	}
	for key, want := range headers {
		if value := pipeline.HeaderValue(dl.Headers, key); value != want {
			t.Errorf("dead-letter header %s = %q, want %q", key, value, want)
		}
	}
	if pipeline.HeaderValue(dl.Headers, pipeline.HeaderFirstSeen) == "" {
		t.Errorf("dead letter has no first-seen header")
	}

	if rec, _ := rig.sim.Record(healthyRecord); rec.Status != "COMPLETED" {
		t.Errorf("healthy record status = %s, want COMPLETED", rec.Status)
	}
}

func TestTierRecoveryCompletesWithoutDeadLetter(t *testing.T) {
	rig := startRig(t, rigOptions{retryDelays: []time.Duration{300 * time.Millisecond, 3 * time.Second, 5 * time.Second}})
	event, recordID := seededCompletion(rig, "cmp-heal", "EMP12345", "LMS-HEAL", "2025-03-02T10:00:00Z")
	rig.sim.FailRecord(recordID, http.StatusBadGateway)

	rig.produce(event)

	// Two retryable outcomes: main topic and first tier; the event now waits in the second tier.
	rig.outcomes.waitFor(t, "cmp-heal", finalWait, func(seen []observed) bool { return len(seen) == 2 })
	rig.sim.ClearFailures()

	got := rig.outcomes.final(t, "cmp-heal", finalWait)
	if len(got) != 3 {
		t.Fatalf("outcomes = %+v, want 3", got)
	}
	if got[2].topic != rig.cfg.Topic+".retry.3s" || got[2].outcome.Kind != pipeline.Done {
		t.Errorf("final outcome %s on %s, want done on the second tier", got[2].outcome.Kind, got[2].topic)
	}
	if rec, _ := rig.sim.Record(recordID); rec.Status != "COMPLETED" {
		t.Errorf("record status = %s, want COMPLETED", rec.Status)
	}
	if n := testenv.TopicEnd(t, rig.brokers, rig.cfg.DeadLetterTopic); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
	if n := testenv.TopicEnd(t, rig.brokers, rig.cfg.Topic+".retry.5s"); n != 0 {
		t.Errorf("third tier holds %d records, want 0", n)
	}
}

func TestPermanentFailureSkipsTiers(t *testing.T) {
	rig := startRig(t, rigOptions{})
	event := completion("cmp-404", "EMP12345", "LMS-X", "2025-03-03T10:00:00Z", nil)
	event.TrainingRecordID = "TR-DOES-NOT-EXIST"

	rig.produce(event)

	got := rig.outcomes.final(t, "cmp-404", finalWait)
	if len(got) != 1 || got[0].outcome.Reason != pipeline.ReasonRecordNotFound {
		t.Fatalf("outcomes = %+v, want one record_not_found", got)
	}
	for _, tier := range rig.cfg.Tiers() {
		if n := testenv.TopicEnd(t, rig.brokers, tier.Topic); n != 0 {
			t.Errorf("tier %s holds %d records, want 0", tier.Topic, n)
		}
	}
	if reason := pipeline.HeaderValue(rig.readDeadLetters(1)[0].Headers, pipeline.HeaderReason); reason != "record_not_found" {
		t.Errorf("dead-letter reason = %q, want record_not_found", reason)
	}
}

func TestUndecodableRecordGoesToDeadLetter(t *testing.T) {
	rig := startRig(t, rigOptions{})
	raw := []byte(`{"eventType": "course.completed", broken`)

	rig.produceRaw([]byte("EMP12345|LMS-BAD"), raw)
	after, _ := seededCompletion(rig, "cmp-after-poison", "EMP12345", "LMS-BAD", "2025-03-04T10:00:00Z")
	rig.produce(after)

	if got := rig.outcomes.final(t, "cmp-after-poison", finalWait); got[0].outcome.Kind != pipeline.Done {
		t.Fatalf("event after the poison record = %+v, want done", got)
	}

	dl := rig.readDeadLetters(1)[0]
	if !bytes.Equal(dl.Value, raw) {
		t.Errorf("dead-letter value = %q, want the raw bytes %q", dl.Value, raw)
	}
	if reason := pipeline.HeaderValue(dl.Headers, pipeline.HeaderReason); reason != "undecodable_record" {
		t.Errorf("reason = %q, want undecodable_record", reason)
	}
	if msg := pipeline.HeaderValue(dl.Headers, pipeline.HeaderErrorMessage); msg == "" {
		t.Errorf("dead letter has no error message")
	}
	if offset := pipeline.HeaderValue(dl.Headers, pipeline.HeaderOriginalOffset); offset != "0" {
		t.Errorf("original offset = %q, want 0", offset)
	}
}

func TestHandlerPanicGoesToDeadLetter(t *testing.T) {
	rig := startRig(t, rigOptions{wrap: func(next consumer.Handler) consumer.Handler {
		return consumer.HandlerFunc(func(ctx context.Context, env pipeline.Envelope) pipeline.Outcome {
			if env.Event.ID == "cmp-panic" {
				panic("simulated handler bug")
			}

			return next.Handle(ctx, env)
		})
	}})
	bad, _ := seededCompletion(rig, "cmp-panic", "EMP12345", "LMS-PANIC", "2025-03-05T10:00:00Z")
	good, _ := seededCompletion(rig, "cmp-calm", "EMP12345", "LMS-CALM", "2025-03-05T11:00:00Z")

	rig.produce(bad, good)

	if got := rig.outcomes.final(t, "cmp-calm", finalWait); got[0].outcome.Kind != pipeline.Done {
		t.Fatalf("event after the panic = %+v, want done", got)
	}
	got := rig.outcomes.final(t, "cmp-panic", finalWait)
	if got[0].outcome.Reason != pipeline.ReasonHandlerPanic {
		t.Errorf("outcome reason = %s, want handler_panic", got[0].outcome.Reason)
	}

	dl := rig.readDeadLetters(1)[0]
	if reason := pipeline.HeaderValue(dl.Headers, pipeline.HeaderReason); reason != "handler_panic" {
		t.Errorf("reason = %q, want handler_panic", reason)
	}
	env, err := pipeline.DecodeRecord(dl)
	if err != nil || env.Event.ID != "cmp-panic" {
		t.Errorf("dead-letter value decodes to %+v, %v; want the original record", env.Event, err)
	}
}

func TestOrderKeepsNewestCompletion(t *testing.T) {
	// One partition, so the unrelated key shares the partition of the held one.
	rig := startRig(t, rigOptions{partitions: 1, retryDelays: []time.Duration{3 * time.Second, 4 * time.Second, 5 * time.Second}})
	rec := rig.sim.AddRecord(arenasim.Record{EmployeeID: "EMP12345", CourseID: "LMS-RETAKE", Status: "IN_PROGRESS"})
	first := completion("cmp-first", "EMP12345", "LMS-RETAKE", "2025-04-01T09:00:00Z", score(70))
	first.TrainingRecordID = rec.ID
	second := completion("cmp-second", "EMP12345", "LMS-RETAKE", "2025-04-02T09:00:00Z", score(88))
	second.TrainingRecordID = rec.ID
	other, _ := seededCompletion(rig, "cmp-other", "EMP22222", "LMS-OTHER", "2025-04-02T10:00:00Z")

	rig.sim.FailRecord(rec.ID, http.StatusServiceUnavailable)
	rig.produce(first)
	firstOut := rig.outcomes.waitFor(t, "cmp-first", finalWait, func(seen []observed) bool { return len(seen) == 1 })
	if firstOut[0].outcome.Kind != pipeline.Retryable {
		t.Fatalf("first completion outcome = %s, want retryable", firstOut[0].outcome.Kind)
	}

	time.Sleep(time.Second)
	rig.sim.ClearFailures()
	sentAt := time.Now()
	rig.produce(second, other)

	if got := rig.outcomes.final(t, "cmp-other", finalWait); got[0].outcome.Kind != pipeline.Done {
		t.Fatalf("unrelated key outcome = %+v, want done", got)
	}
	if delay := time.Since(sentAt); delay > 2*time.Second {
		t.Errorf("unrelated key took %s; it waited behind the held key", delay)
	}
	parked := rig.outcomes.waitFor(t, "cmp-second", finalWait, func(seen []observed) bool { return len(seen) > 0 })
	if parked[0].outcome.Kind != pipeline.Parked {
		t.Fatalf("second completion first outcome = %s, want parked", parked[0].outcome.Kind)
	}

	secondOut := rig.outcomes.final(t, "cmp-second", finalWait)
	if kind := secondOut[len(secondOut)-1].outcome.Kind; kind != pipeline.Done {
		t.Errorf("second completion final outcome = %s, want done", kind)
	}
	firstFinal := rig.outcomes.final(t, "cmp-first", finalWait)
	if reason := firstFinal[len(firstFinal)-1].outcome.Reason; reason != pipeline.ReasonSuperseded {
		t.Errorf("first completion final reason = %s, want superseded", reason)
	}

	final, _ := rig.sim.Record(rec.ID)
	if final.CompletionDate != "2025-04-02T09:00:00Z" {
		t.Errorf("arena completion date = %s, want the second completion's 2025-04-02T09:00:00Z", final.CompletionDate)
	}
	if final.Score == nil || *final.Score != 88 {
		t.Errorf("arena score = %v, want 88", final.Score)
	}
	if n := testenv.TopicEnd(t, rig.brokers, rig.cfg.DeadLetterTopic); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
	holder, err := store.NewHolds(rig.redis, rig.prefix).Holder(t.Context(), first.Key())
	if err != nil || holder != "" {
		t.Errorf("key still held by %q (%v) after both completions", holder, err)
	}

	// The parked record is durable in Redis, so the main topic's offsets
	// are committed past it: all three records.
	waitUntilTrue(t, finalWait, func() bool { return committedOffset(t, rig, rig.cfg.Topic, rig.cfg.GroupID) == 3 })
}
