package consumer_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/notify"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/review"
)

// reviewRig runs the reconciler's part next to a worker rig: the review
// queue fed from the dead-letter topic, and a notifier posting to a local
// webhook receiver.
type reviewRig struct {
	store    *review.Store
	messages *webhookInbox
}

// webhookInbox records the texts posted to a local incoming webhook.
type webhookInbox struct {
	mu    sync.Mutex
	texts []string
}

func (in *webhookInbox) all() []string {
	in.mu.Lock()
	defer in.mu.Unlock()

	return append([]string(nil), in.texts...)
}

// startReview starts the review consumer and the notifier for rig's topics.
func startReview(t *testing.T, rig *pipelineRig, interval time.Duration) *reviewRig {
	t.Helper()

	inbox := &webhookInbox{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Errorf("webhook body %q is not {\"text\": ...}: %v", body, err)
		}
		inbox.mu.Lock()
		inbox.texts = append(inbox.texts, msg.Text)
		inbox.mu.Unlock()
	}))
	t.Cleanup(receiver.Close)

	notifier, err := notify.New(notify.Config{WebhookURL: receiver.URL, Interval: interval}, nil, zap.NewNop(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	store := review.NewStore(rig.redis, rig.prefix+"review:")
	alert := func(e review.Entry) {
		notifier.Notify(notify.DeadLetter{EntryID: e.ID, Reason: e.Reason, EventID: e.EventID, EmployeeID: e.EmployeeID, CourseID: e.CourseID})
	}
	consumer, err := review.NewConsumer(review.Config{Brokers: rig.brokers, Topic: rig.cfg.DeadLetterTopic, GroupID: rig.cfg.GroupID + "-reconciler", CommitInterval: 100 * time.Millisecond}, store, alert, zap.NewNop(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = notifier.Run(ctx) }()
	go func() { defer wg.Done(); _ = consumer.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	return &reviewRig{store: store, messages: inbox}
}

// entryOf waits until the review queue holds an entry for eventID.
func (r *reviewRig) entryOf(t *testing.T, eventID string) review.Entry {
	t.Helper()

	deadline := time.Now().Add(finalWait)
	for time.Now().Before(deadline) {
		entries, err := r.store.List(t.Context(), review.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.EventID == eventID {
				return e
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no review entry for event %s after %s", eventID, finalWait)

	return review.Entry{}
}

func TestExhaustedRetriesNotifyOnce(t *testing.T) {
	rig := startRig(t, rigOptions{})
	reviews := startReview(t, rig, time.Second)
	failing, recordID := seededCompletion(rig, "cmp-down", "EMP12345", "LMS-DOWN", "2025-06-01T10:00:00Z")
	rig.sim.FailRecord(recordID, http.StatusServiceUnavailable)
	flowing, _ := seededCompletion(rig, "cmp-flowing", "EMP22222", "LMS-UP", "2025-06-01T11:00:00Z")

	rig.produce(failing, flowing)

	if got := rig.outcomes.final(t, "cmp-flowing", finalWait); got[0].outcome.Kind != pipeline.Done {
		t.Fatalf("other record = %+v, want done while the failing one retries", got)
	}
	entry := reviews.entryOf(t, "cmp-down")
	if entry.Reason != "retries_exhausted" || entry.ErrorClass != "arena_unavailable" {
		t.Errorf("entry reason = %s / %s, want retries_exhausted / arena_unavailable", entry.Reason, entry.ErrorClass)
	}
	if entry.Attempt != 3 {
		t.Errorf("entry attempt = %d, want 3 retries", entry.Attempt)
	}

	waitUntilTrue(t, 10*time.Second, func() bool { return len(reviews.messages.all()) > 0 })
	time.Sleep(2 * time.Second) // a second message would arrive within one more interval
	messages := reviews.messages.all()
	if len(messages) != 1 {
		t.Fatalf("notifications = %d (%q), want 1", len(messages), messages)
	}
	if !strings.Contains(messages[0], "retries_exhausted") {
		t.Errorf("notification %q does not name the reason", messages[0])
	}
}

func TestReplayAfterFixCompletes(t *testing.T) {
	rig := startRig(t, rigOptions{})
	reviews := startReview(t, rig, time.Minute)

	rig.produce(enrollment("enr-newcomer", "EMP77777", "LMS-ONBOARD"))
	if got := rig.outcomes.final(t, "enr-newcomer", finalWait); got[0].outcome.Reason != pipeline.ReasonEmployeeNotFound {
		t.Fatalf("outcome = %+v, want employee_not_found", got)
	}
	entry := reviews.entryOf(t, "enr-newcomer")

	// The administrator fixes the cause, then replays.
	rig.sim.AddEmployee("EMP77777", "Nia Newcomer")
	replayer := review.NewReplayer(reviews.store, rig.brokers, rig.cfg.Topic)
	defer replayer.Close()
	if _, err := replayer.Replay(t.Context(), entry.ID, "qa-admin", "employee created in Arena"); err != nil {
		t.Fatalf("replay: %v", err)
	}

	got := rig.outcomes.waitFor(t, "enr-newcomer", finalWait, func(seen []observed) bool {
		return len(seen) == 2 && seen[1].outcome.Kind == pipeline.Done
	})
	if got[1].meta.Replay != "dlt" {
		t.Errorf("replayed record has replay header %q, want dlt", got[1].meta.Replay)
	}
	if records := rig.sim.FindRecords("EMP77777", "LMS-ONBOARD"); len(records) != 1 {
		t.Errorf("arena holds %d records, want 1", len(records))
	}

	after, err := reviews.store.Get(t.Context(), entry.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != review.StatusReplayed || after.ReplayCount != 1 {
		t.Errorf("entry status = %s with %d replays, want replayed with 1", after.Status, after.ReplayCount)
	}
	trail, err := reviews.store.Trail(t.Context(), entry.ID)
	if err != nil {
		t.Fatal(err)
	}
	var replays int
	for _, a := range trail {
		if a.Action == review.ActionReplayed {
			replays++
			if a.Actor != "qa-admin" || a.Note != "employee created in Arena" {
				t.Errorf("audit replay = actor %q note %q, want qa-admin and the note", a.Actor, a.Note)
			}
		}
	}
	if replays != 1 {
		t.Errorf("audit trail has %d replays, want 1: %+v", replays, trail)
	}
}

// waitUntilTrue polls cond until it holds or timeout passes.
func waitUntilTrue(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
