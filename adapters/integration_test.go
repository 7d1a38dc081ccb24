package adapters_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

// TestIngestDuplicates sends each realistic delivery twice through the
// ingest server with Redis de-duplication: the first gets 202 and one
// Kafka record per event, the repeat gets 200 and adds none.
func TestIngestDuplicates(t *testing.T) {
	cases := []struct {
		delivery delivery
		wantIDs  []string
	}{
		{delivery: delivery{source: "lms", fixture: "completed.json"}, wantIDs: []string{"5f0c8a52-1d7e-4c1b-9a0e-7b2d4e6f8a11"}},
		{delivery: delivery{source: "moodle", fixture: "course-completed.json"}, wantIDs: []string{"derived-005c1fe30d9dec3aaff35d1a6893cb42"}},
		{delivery: delivery{source: "docebo", fixture: "completed-grouped.json"}, wantIDs: []string{
			"wh-20250119-150000-7f3a9d10-dddd-eeee-ffff-333344445555:0",
			"wh-20250119-150000-7f3a9d10-dddd-eeee-ffff-333344445555:1",
		}},
		{delivery: delivery{source: "360learning", fixture: "attempt-closed.json"}, wantIDs: []string{"msg_sample0001"}},
		{delivery: delivery{source: "xapi", fixture: "statement-array.json"}, wantIDs: []string{"7a3c5d6e-9fa1-42b3-8d4e-4f5a6b7c8d9e", "9c5e7f80-b1c3-44d5-8f60-6b7c8d9eafb0"}},
	}

	for _, tc := range cases {
		t.Run(tc.delivery.source, func(t *testing.T) {
			rig := startIngest(t, "")

			first := rig.send(t, tc.delivery)
			second := rig.send(t, tc.delivery)

			if first.Code != http.StatusAccepted {
				t.Fatalf("first delivery: status %d, want 202 (body %s)", first.Code, first.Body)
			}
			var accepted struct {
				Accepted int `json:"accepted"`
			}
			if err := json.Unmarshal(first.Body.Bytes(), &accepted); err != nil {
				t.Fatal(err)
			}
			if accepted.Accepted != len(tc.wantIDs) {
				t.Errorf("accepted = %d, want %d", accepted.Accepted, len(tc.wantIDs))
			}
			if second.Code != http.StatusOK {
				t.Errorf("repeated delivery: status %d, want 200 (body %s)", second.Code, second.Body)
			}

			records := rig.records(t)
			if len(records) != len(tc.wantIDs) {
				t.Fatalf("main topic holds %d records, want %d", len(records), len(tc.wantIDs))
			}
			for i, record := range records {
				env, err := pipeline.DecodeRecord(record)
				if err != nil {
					t.Fatalf("decode record %d: %v", i, err)
				}
				if env.Event.ID != tc.wantIDs[i] {
					t.Errorf("record %d event id = %q, want %q", i, env.Event.ID, tc.wantIDs[i])
				}
				if env.Event.Source != tc.delivery.source {
					t.Errorf("record %d source = %q, want %q", i, env.Event.Source, tc.delivery.source)
				}
			}
		})
	}
}

// TestIngestIgnored checks that ignored deliveries get 200, write nothing
// and are counted by source and reason; items ignored inside an accepted
// delivery are counted too.
func TestIngestIgnored(t *testing.T) {
	rig := startIngest(t, "")
	cases := []struct {
		delivery   delivery
		wantStatus int
		wantReason string
	}{
		{delivery: delivery{source: "moodle", fixture: "user-loggedin.json"}, wantStatus: http.StatusOK, wantReason: pipeline.IgnoredEventType},
		{delivery: delivery{source: "docebo", fixture: "enrollment-created.json"}, wantStatus: http.StatusOK, wantReason: pipeline.IgnoredEventType},
		{delivery: delivery{source: "360learning", fixture: "user-created.json"}, wantStatus: http.StatusOK, wantReason: pipeline.IgnoredEventType},
		{delivery: delivery{source: "xapi", fixture: "failed.json"}, wantStatus: http.StatusOK, wantReason: pipeline.IgnoredFailedAttempt},
		{delivery: delivery{source: "docebo", fixture: "grouped-with-unfinished-item.json"}, wantStatus: http.StatusAccepted, wantReason: pipeline.IgnoredStatus},
	}

	for _, tc := range cases {
		t.Run(tc.delivery.source+"/"+tc.delivery.fixture, func(t *testing.T) {
			rec := rig.send(t, tc.delivery)

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == http.StatusOK {
				var body map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				if body["status"] != "ignored" || body["reason"] != tc.wantReason {
					t.Errorf("body = %s, want status ignored and reason %s", rec.Body, tc.wantReason)
				}
			}
			if got := ignoredCount(t, rig, tc.delivery.source, tc.wantReason); got != 1 {
				t.Errorf("ignored {%s,%s} = %v, want 1", tc.delivery.source, tc.wantReason, got)
			}
		})
	}

	if got := len(rig.records(t)); got != 1 {
		t.Errorf("main topic holds %d records, want 1 (the finished Docebo item)", got)
	}
}

// TestIngestScoreDropped checks that a score out of range keeps the
// completion and is counted.
func TestIngestScoreDropped(t *testing.T) {
	rig := startIngest(t, "")

	cases := []struct {
		delivery   delivery
		wantReason string
	}{
		{delivery: delivery{source: "lms", fixture: "score-out-of-range.json"}, wantReason: pipeline.ScoreOutOfRange},
		{delivery: delivery{source: "xapi", fixture: "scaled-out-of-range.json"}, wantReason: pipeline.ScoreScaledOutOfRange},
		{delivery: delivery{source: "xapi", fixture: "passed-scaled-disagrees.json"}, wantReason: pipeline.ScoreScaledMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.delivery.fixture, func(t *testing.T) {
			rec := rig.send(t, tc.delivery)

			if rec.Code != http.StatusAccepted {
				t.Fatalf("status = %d, want 202 (body %s)", rec.Code, rec.Body)
			}
			counter, err := rig.reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			if got := counterValue(counter, "arenasync_ingest_scores_dropped_total", tc.delivery.source, tc.wantReason); got != 1 {
				t.Errorf("scores dropped {%s,%s} = %v, want 1", tc.delivery.source, tc.wantReason, got)
			}
		})
	}
}

// ignoredCount returns arenasync_ingest_events_ignored_total{source,reason}.
func ignoredCount(t *testing.T, rig *ingestRig, source, reason string) float64 {
	t.Helper()

	families, err := rig.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}

	return counterValue(families, "arenasync_ingest_events_ignored_total", source, reason)
}
