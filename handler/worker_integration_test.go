package handler_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
)

// ingestToken is the bearer token of the test ingest server.
const ingestToken = "enrollment-test-token"

// webhookAnswer is the response status and body of one webhook delivery.
type webhookAnswer struct {
	status  int
	eventID string
	state   string
}

// startIngest serves the webhook endpoint on the rig's main topic with
// de-duplication in Redis.
func startIngest(t *testing.T, r *topicRig) string {
	t.Helper()

	server, err := producer.New(producer.Config{Brokers: r.brokers, Topic: r.cfg.Topic, IngestToken: ingestToken}, zap.NewNop(), prometheus.NewRegistry(),
		producer.WithDeduplicator(store.NewDeliveries(r.redis, r.prefix, time.Hour)))
	if err != nil {
		t.Fatalf("ingest server: %v", err)
	}
	t.Cleanup(func() { _ = server.Close() })

	web := httptest.NewServer(server.Handler())
	t.Cleanup(web.Close)

	return web.URL + "/v1/webhooks/lms"
}

// deliver posts one webhook body and returns the response.
func deliver(t *testing.T, url, body string) webhookAnswer {
	t.Helper()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Type", "application/json")

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	defer resp.Body.Close()

	var answer struct {
		EventID string `json:"eventId"`
		Status  string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatalf("decode answer %d: %v", resp.StatusCode, err)
	}

	return webhookAnswer{status: resp.StatusCode, eventID: answer.EventID, state: answer.Status}
}

// TestRepeatedDeliveriesCompleteOnce delivers one completion five times to
// ingest, then makes a second worker read the main topic again from its
// first offset, as a worker restarted after a crash before its commit
// does. Arena holds one completion.
func TestRepeatedDeliveriesCompleteOnce(t *testing.T) {
	r := newTopicRig(t)
	url := startIngest(t, r)
	enrollBody := `{"eventId": "enr-dup", "eventType": "course.enrolled", "employeeId": "EMP12345", "courseId": "LMS-SAFETY-101", "enrolledAt": "2025-01-02T09:00:00Z"}`
	completeBody := `{"eventId": "cmp-dup", "eventType": "course.completed", "employeeId": "EMP12345", "courseId": "LMS-SAFETY-101",
		"completionDate": "2025-01-19T15:30:00+01:00", "status": "COMPLETED", "score": 95}`

	if got := deliver(t, url, enrollBody); got.status != http.StatusAccepted {
		t.Fatalf("enrollment answer = %+v, want 202", got)
	}
	stopFirst := r.startWorker(testenv.UniqueName(t, "first"), r.handler(handler.Config{}))
	if out := r.outcomes.final(t, "enr-dup"); out[0].Kind != pipeline.Done {
		t.Fatalf("enrollment outcome = %+v, want done", out)
	}

	want := []webhookAnswer{
		{status: http.StatusAccepted, eventID: "cmp-dup", state: "accepted"},
		{status: http.StatusOK, eventID: "cmp-dup", state: "duplicate"},
		{status: http.StatusOK, eventID: "cmp-dup", state: "duplicate"},
		{status: http.StatusOK, eventID: "cmp-dup", state: "duplicate"},
		{status: http.StatusOK, eventID: "cmp-dup", state: "duplicate"},
	}
	for i, w := range want {
		if got := deliver(t, url, completeBody); got != w {
			t.Errorf("delivery %d answer = %+v, want %+v", i+1, got, w)
		}
	}

	if out := r.outcomes.final(t, "cmp-dup"); len(out) != 1 || out[0].Kind != pipeline.Done || out[0].Reason != "" {
		t.Fatalf("completion outcomes = %+v, want one plain done", out)
	}
	if n := testenv.TopicEnd(t, r.brokers, r.cfg.Topic); n != 2 {
		t.Errorf("main topic holds %d records, want 2 (one enrollment, one completion)", n)
	}

	stopFirst()
	r.startWorker(testenv.UniqueName(t, "replay"), r.handler(handler.Config{}))

	replayed := r.outcomes.waitFor(t, "cmp-dup", 2)
	if last := replayed[1]; last.Kind != pipeline.Done || last.Reason != pipeline.ReasonDuplicate {
		t.Errorf("replayed completion = %s %s (%s), want done duplicate", last.Kind, last.Reason, last.Detail)
	}
	if enrolled := r.outcomes.waitFor(t, "enr-dup", 2); enrolled[1].Reason != pipeline.ReasonDuplicate {
		t.Errorf("replayed enrollment = %s %s, want done duplicate", enrolled[1].Kind, enrolled[1].Reason)
	}

	stats := r.sim.Stats()
	if stats.Completions != 1 {
		t.Errorf("arena completions = %d, want exactly 1", stats.Completions)
	}
	if stats.DuplicateCompletions != 1 {
		t.Errorf("arena duplicate completions = %d, want 1 (the replay)", stats.DuplicateCompletions)
	}
	if stats.Creates != 1 {
		t.Errorf("arena creates = %d, want 1", stats.Creates)
	}
	records := r.sim.FindRecords(employeeAda, arenaSafety)
	if len(records) != 1 || records[0].CompletionDate != "2025-01-19T14:30:00Z" || records[0].Score == nil || *records[0].Score != 95 {
		t.Errorf("arena records = %+v, want one completed 2025-01-19T14:30:00Z with score 95", records)
	}
}

// TestCompletionBeforeEnrollmentThroughWorker sends the completion first,
// so it waits in the first retry tier. The enrollment that arrives then is
// parked behind it, and the retried completion creates the record from the
// parked enrollment before it completes the record.
func TestCompletionBeforeEnrollmentThroughWorker(t *testing.T) {
	r := newTopicRig(t, time.Second, 2*time.Second, 3*time.Second)
	r.startWorker(testenv.UniqueName(t, "worker"), r.handler(handler.Config{}))
	early := completion("cmp-early", employeeBen, lmsSafety, "2025-02-03T08:00:00Z", score(77))
	late := enrollment("enr-late", employeeBen, lmsSafety)

	r.produce(r.cfg.Topic, early)
	waitUntil(t, "the completion is retried", func() bool { return len(r.outcomes.all("cmp-early")) == 1 })
	if first := r.outcomes.all("cmp-early")[0]; first.Kind != pipeline.Retryable || first.Reason != pipeline.ReasonMappingNotFound {
		t.Fatalf("first completion outcome = %s %s, want retryable mapping_not_found", first.Kind, first.Reason)
	}

	r.produce(r.cfg.Topic, late)

	completed := r.outcomes.final(t, "cmp-early")
	if last := completed[len(completed)-1]; last.Kind != pipeline.Done {
		t.Errorf("completion final outcome = %s %s (%s), want done", last.Kind, last.Reason, last.Detail)
	}
	if len(completed) != 2 {
		t.Errorf("completion outcomes = %+v, want retryable then done in the first tier", completed)
	}
	enrolled := r.outcomes.final(t, "enr-late")
	if enrolled[0].Kind != pipeline.Parked {
		t.Errorf("enrollment first outcome = %s, want parked behind the completion", enrolled[0].Kind)
	}
	if last := enrolled[len(enrolled)-1]; last.Kind != pipeline.Done || last.Reason != pipeline.ReasonDuplicate {
		t.Errorf("enrollment final outcome = %s %s, want done duplicate", last.Kind, last.Reason)
	}

	records := r.sim.FindRecords(employeeBen, arenaSafety)
	if len(records) != 1 || records[0].Status != arenasim.StatusCompleted || records[0].CompletionDate != "2025-02-03T08:00:00Z" {
		t.Errorf("arena records = %+v, want one COMPLETED on 2025-02-03", records)
	}
	if n := testenv.TopicEnd(t, r.brokers, r.cfg.DeadLetterTopic); n != 0 {
		t.Errorf("dead-letter topic holds %d records, want 0", n)
	}
}

// TestTwoWorkersCreateOneRecord runs two workers in two consumer groups on
// one topic, so each handles both deliveries of one enrollment at the same
// time as the other.
func TestTwoWorkersCreateOneRecord(t *testing.T) {
	r := newTopicRig(t)
	r.sim.SetLatency(100 * time.Millisecond)
	r.startWorker(testenv.UniqueName(t, "one"), r.handler(handler.Config{}))
	r.startWorker(testenv.UniqueName(t, "two"), r.handler(handler.Config{}))

	r.produce(r.cfg.Topic, enrollment("enr-a", employeeAda, lmsSafety), enrollment("enr-b", employeeAda, lmsSafety))

	for _, id := range []string{"enr-a", "enr-b"} {
		got := r.outcomes.waitFor(t, id, 2)
		for _, out := range got {
			if out.Kind != pipeline.Done {
				t.Errorf("%s outcome = %s %s (%s), want done", id, out.Kind, out.Reason, out.Detail)
			}
		}
	}

	records := r.sim.FindRecords(employeeAda, arenaSafety)
	if len(records) != 1 {
		t.Fatalf("arena records = %d, want exactly 1", len(records))
	}
	if got := r.mapped(employeeAda, lmsSafety); got != records[0].ID {
		t.Errorf("mapping = %q, want %s", got, records[0].ID)
	}
}

// TestEnrollmentCasesThroughWorker covers the approval workflow, an
// unmapped course and a retake after expiry on the real pipeline.
func TestEnrollmentCasesThroughWorker(t *testing.T) {
	r := newTopicRig(t)
	r.startWorker(testenv.UniqueName(t, "worker"), r.handler(handler.Config{}))

	t.Run("approval course ends pending approval", func(t *testing.T) {
		r.produce(r.cfg.Topic, enrollment("enr-gmp", employeeAda, lmsApproval), completion("cmp-gmp", employeeAda, lmsApproval, "2025-01-19T14:30:00Z", score(90)))

		got := r.outcomes.final(t, "cmp-gmp")
		if len(got) != 1 || got[0].Kind != pipeline.PendingApproval {
			t.Errorf("completion outcomes = %+v, want one pending_approval", got)
		}
		rec, _ := r.sim.Record(r.mapped(employeeAda, lmsApproval))
		if rec.Status != arenasim.StatusPendingApproval {
			t.Errorf("arena status = %s, want PENDING_APPROVAL", rec.Status)
		}
	})

	t.Run("unmapped course is dead-lettered", func(t *testing.T) {
		r.produce(r.cfg.Topic, enrollment("enr-new", employeeAda, lmsUnmapped))

		got := r.outcomes.final(t, "enr-new")
		if len(got) != 1 || got[0].Kind != pipeline.Permanent || got[0].Reason != pipeline.ReasonUnknownCourse {
			t.Fatalf("outcomes = %+v, want one permanent unknown_course", got)
		}
		dl := deadLetterOf(t, r, "enr-new")
		if reason := pipeline.HeaderValue(dl.Headers, pipeline.HeaderReason); reason != "unknown_course" {
			t.Errorf("dead-letter reason = %q, want unknown_course", reason)
		}
		if msg := pipeline.HeaderValue(dl.Headers, pipeline.HeaderErrorMessage); !strings.Contains(msg, "arenasync catalog set LMS-NEW-999") {
			t.Errorf("dead-letter message = %q, want the catalog fix", msg)
		}
	})

	t.Run("retake after expiry", func(t *testing.T) {
		first := enrollment("enr-cert-1", employeeBen, lmsSafety)
		r.produce(r.cfg.Topic, first, completion("cmp-cert-1", employeeBen, lmsSafety, "2025-01-10T10:00:00Z", score(85)))
		if got := r.outcomes.final(t, "cmp-cert-1"); got[0].Kind != pipeline.Done {
			t.Fatalf("first completion = %+v, want done", got)
		}
		expired := r.mapped(employeeBen, lmsSafety)
		r.sim.SetRecordStatus(expired, arenasim.StatusExpired)

		r.produce(r.cfg.Topic, completion("cmp-cert-stale", employeeBen, lmsSafety, "2026-01-20T10:00:00Z", score(88)))
		if got := r.outcomes.final(t, "cmp-cert-stale"); got[0].Reason != pipeline.ReasonRecordExpired {
			t.Errorf("completion of the expired record = %+v, want record_expired", got)
		}
		if reason := pipeline.HeaderValue(deadLetterOf(t, r, "cmp-cert-stale").Headers, pipeline.HeaderReason); reason != "record_expired" {
			t.Errorf("dead-letter reason = %q, want record_expired", reason)
		}

		retake := enrollment("enr-cert-2", employeeBen, lmsSafety)
		retake.EnrolledAt = "2026-02-01T09:00:00Z"
		r.produce(r.cfg.Topic, retake, completion("cmp-cert-2", employeeBen, lmsSafety, "2026-02-05T10:00:00Z", score(93)))

		if got := r.outcomes.final(t, "enr-cert-2"); got[0].Reason != pipeline.ReasonRetake {
			t.Errorf("retake enrollment = %+v, want done retake", got)
		}
		if got := r.outcomes.final(t, "cmp-cert-2"); got[0].Kind != pipeline.Done {
			t.Errorf("retake completion = %+v, want done", got)
		}

		records := r.sim.FindRecords(employeeBen, arenaSafety)
		if len(records) != 2 {
			t.Fatalf("arena records = %+v, want the expired one and the retake", records)
		}
		if records[0].ID != expired || records[0].Status != arenasim.StatusExpired {
			t.Errorf("first record = %+v, want %s EXPIRED", records[0], expired)
		}
		if records[1].Status != arenasim.StatusCompleted || records[1].CompletionDate != "2026-02-05T10:00:00Z" {
			t.Errorf("retake record = %+v, want COMPLETED on 2026-02-05", records[1])
		}
		if got := r.mapped(employeeBen, lmsSafety); got != records[1].ID {
			t.Errorf("mapping = %s, want the retake record %s", got, records[1].ID)
		}
	})
}

// deadLetterOf reads the dead-letter topic and returns the event's record.
func deadLetterOf(t *testing.T, r *topicRig, eventID string) kafka.Message {
	t.Helper()

	n := testenv.TopicEnd(t, r.brokers, r.cfg.DeadLetterTopic)
	for _, msg := range r.readDeadLetters(int(n)) {
		if pipeline.HeaderValue(msg.Headers, pipeline.HeaderEventID) == eventID {
			return msg
		}
	}
	t.Fatalf("none of the %d dead letters is of event %s", n, eventID)

	return kafka.Message{}
}
