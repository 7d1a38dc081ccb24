package producer

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

// TestWebhookKeyHashing checks that the events of one enrollment share a
// partition of a 4-partition topic while different enrollments spread.
func TestWebhookKeyHashing(t *testing.T) {
	s := newTestServer(t, 4, nil)
	enrolled := `{"eventId": "evt-enrolled", "eventType": "course.enrolled", "employeeId": "EMP7", "courseId": "LMS-FIRE-1", "enrolledAt": "2025-01-10T08:00:00Z"}`
	completed := `{"eventId": "evt-completed", "eventType": "course.completed", "employeeId": "EMP7", "courseId": "LMS-FIRE-1", "completionDate": "2025-01-19T14:30:00Z", "status": "COMPLETED"}`
	const others = 24

	bodies := []string{enrolled, completed}
	for i := range others {
		bodies = append(bodies, fmt.Sprintf(`{"eventId": "evt-%d", "eventType": "course.enrolled", "employeeId": "EMP%d", "courseId": "LMS-%d"}`, i, 100+i, i))
	}
	for _, body := range bodies {
		if rec := s.serve(webhookRequest("lms", body)); rec.Code != http.StatusAccepted {
			t.Fatalf("status = %d, want 202 (body %s)", rec.Code, rec.Body)
		}
	}

	records := readRecords(t, s.brokers, s.cfg.Topic)
	if len(records) != len(bodies) {
		t.Fatalf("main topic holds %d records, want %d", len(records), len(bodies))
	}
	partitionOf := map[string]int{}
	used := map[int]bool{}
	for _, r := range records {
		partitionOf[string(r.Key)+"#"+pipeline.HeaderValue(r.Headers, pipeline.HeaderEventID)] = r.Partition
		used[r.Partition] = true
	}

	first, second := partitionOf["EMP7|LMS-FIRE-1#evt-enrolled"], partitionOf["EMP7|LMS-FIRE-1#evt-completed"]
	if first != second {
		t.Errorf("enrollment on partition %d, completion on partition %d: want the same partition", first, second)
	}
	if len(used) < 2 {
		t.Errorf("%d records with different keys used %d partition(s), want more than 1", len(records), len(used))
	}
}
