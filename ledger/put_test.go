package ledger

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/internal/testenv"
)

// employees returns an entry of outcome for each employee, with event id
// "evt-" and the employee id.
func employees(outcome Outcome, ids ...string) []Entry {
	entries := make([]Entry, len(ids))
	for i, id := range ids {
		entries[i] = entry(id, "evt-"+id, outcome)
	}

	return entries
}

func TestStorePutAllOneRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		entries   []Entry
		wantTrips [][]string
	}{
		{name: "no entries", entries: nil, wantTrips: nil},
		{name: "one entry", entries: employees(OutcomeAccepted, "EMP00001"), wantTrips: [][]string{{"evalsha"}}},
		{
			name:      "five enrollments",
			entries:   employees(OutcomeAccepted, "EMP00001", "EMP00002", "EMP00003", "EMP00004", "EMP00005"),
			wantTrips: [][]string{slices.Repeat([]string{"evalsha"}, 5)},
		},
		{
			name:      "sixty-four enrollments",
			entries:   employees(OutcomeDone, employeeIDs(64)...),
			wantTrips: [][]string{slices.Repeat([]string{"evalsha"}, 64)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, client, prefix := newTestStore(t)
			ctx := testContext(t)
			if err := client.Set(ctx, prefix+"enrollment:EMP00001|LMS-SAFETY-101", "TR-000001", 0).Err(); err != nil {
				t.Fatal(err)
			}
			log := logCommands(t, client)

			written, err := s.PutAll(ctx, tt.entries)
			trips := log.Take()

			if err != nil {
				t.Fatalf("PutAll: %v", err)
			}
			if want := slices.Repeat([]bool{true}, len(tt.entries)); !slices.Equal(written, want) {
				t.Errorf("PutAll written = %v, want %v", written, want)
			}
			if !slices.EqualFunc(trips, tt.wantTrips, slices.Equal) {
				t.Errorf("round trips = %v, want %v", trips, tt.wantTrips)
			}
			for _, e := range tt.entries {
				got, ok, err := s.Get(ctx, e.EmployeeID, e.CourseID)
				if err != nil || !ok {
					t.Fatalf("Get %s = ok %v, %v; want true, nil", e.Key(), ok, err)
				}
				want := e
				if e.EmployeeID == "EMP00001" {
					want.TrainingRecordID = "TR-000001"
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Get %s = %+v\nwant %+v", e.Key(), got, want)
				}
			}
		})
	}
}

// employeeIDs returns n employee ids, EMP00001 first.
func employeeIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("EMP%05d", i+1)
	}

	return ids
}

// TestStorePutAllMatchesPuts writes one sequence of entries with a Put
// each into one store and with one PutAll into another, and compares the
// results, the entries and the outcome indexes.
func TestStorePutAllMatchesPuts(t *testing.T) {
	later := func(e Entry, d time.Duration) Entry {
		e.AcceptedAt = e.AcceptedAt.Add(d)
		e.LastAttemptAt = e.LastAttemptAt.Add(d)

		return e
	}
	sequence := []Entry{
		entry("EMP00001", "evt-1", OutcomeAccepted),
		entry("EMP00002", "evt-2", OutcomeDone),
		entry("EMP00001", "evt-1", OutcomeRetrying),
		// The acceptance of evt-1 arrives after its worker's outcome.
		entry("EMP00001", "evt-1", OutcomeAccepted),
		later(entry("EMP00002", "evt-3", OutcomeAccepted), time.Hour),
		// evt-4 was accepted before evt-3, which is stored already.
		later(entry("EMP00002", "evt-4", OutcomeDeadLettered), -time.Hour),
		entry("EMP00003", "evt-5", OutcomePendingApproval),
	}
	wantWritten := []bool{true, true, true, false, true, false, true}

	single, _, _ := newTestStore(t)
	batch, _, _ := newTestStore(t)
	ctx := testContext(t)

	var putWritten []bool
	for _, e := range sequence {
		written, err := single.Put(ctx, e)
		if err != nil {
			t.Fatalf("Put %s %s: %v", e.Key(), e.EventID, err)
		}
		putWritten = append(putWritten, written)
	}
	allWritten, err := batch.PutAll(ctx, sequence)
	if err != nil {
		t.Fatalf("PutAll: %v", err)
	}

	if !slices.Equal(putWritten, wantWritten) {
		t.Errorf("Put written = %v, want %v", putWritten, wantWritten)
	}
	if !slices.Equal(allWritten, wantWritten) {
		t.Errorf("PutAll written = %v, want %v", allWritten, wantWritten)
	}
	if got, want := scanAll(t, batch), scanAll(t, single); !reflect.DeepEqual(got, want) {
		t.Errorf("entries after PutAll = %+v\nwant those after Put %+v", got, want)
	}
	for _, outcome := range Outcomes {
		got := batch.client.ZRange(ctx, batch.keys.byOutcome(outcome), 0, -1).Val()
		want := single.client.ZRange(ctx, single.keys.byOutcome(outcome), 0, -1).Val()
		if !slices.Equal(got, want) {
			t.Errorf("index of %s after PutAll = %v, want %v", outcome, got, want)
		}
	}
}

// scanAll returns every entry of s, oldest completion first.
func scanAll(t *testing.T, s *Store) []Entry {
	t.Helper()

	var entries []Entry
	if err := s.Scan(testContext(t), time.Time{}, func(e Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}

	return entries
}

func TestStorePutAllSkipsInvalidEntries(t *testing.T) {
	s, client, _ := newTestStore(t)
	ctx := testContext(t)
	noEvent := entry("EMP00002", "", OutcomeAccepted)
	badDate := entry("EMP00004", "evt-4", OutcomeAccepted)
	badDate.CompletionDate = "19.01.2025"
	entries := []Entry{entry("EMP00001", "evt-1", OutcomeAccepted), noEvent, entry("EMP00003", "evt-3", OutcomeAccepted), badDate}
	log := logCommands(t, client)

	written, err := s.PutAll(ctx, entries)
	trips := log.Take()

	if want := []bool{true, false, true, false}; !slices.Equal(written, want) {
		t.Errorf("PutAll written = %v, want %v", written, want)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("PutAll error = %v, want the errors of the two invalid entries joined", err)
	}
	if n := len(joined.Unwrap()); n != 2 {
		t.Errorf("PutAll joined %d errors, want 2: %v", n, err)
	}
	for _, want := range []string{"ledger entry EMP00002|LMS-SAFETY-101: event id is empty", `completion date "19.01.2025" is not RFC 3339`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("PutAll error %q does not contain %q", err, want)
		}
	}
	if want := [][]string{{"evalsha", "evalsha"}}; !slices.EqualFunc(trips, want, slices.Equal) {
		t.Errorf("round trips = %v, want %v", trips, want)
	}
	for _, e := range entries {
		_, ok, err := s.Get(ctx, e.EmployeeID, e.CourseID)
		if err != nil {
			t.Fatal(err)
		}
		if want := e.EventID == "evt-1" || e.EventID == "evt-3"; ok != want {
			t.Errorf("entry of %s stored = %v, want %v", e.EmployeeID, ok, want)
		}
	}
}

// TestStorePutAllReloadsFlushedScript runs SCRIPT FLUSH on the test Redis
// server, which every test package shares, and is the only test that
// does. Other tests lose no writes to it: go-redis Script.Run sends EVAL
// when EVALSHA fails with NOSCRIPT, and PutAll reloads the script.
func TestStorePutAllReloadsFlushedScript(t *testing.T) {
	s, client, _ := newTestStore(t)
	ctx := testContext(t)
	entries := employees(OutcomeDone, "EMP00001", "EMP00002", "EMP00003")
	log := testenv.RecordRoundTrips(client)

	// Another package's test may load the write script again between the
	// flush and PutAll. PutAll then takes one round trip, and the test
	// flushes again, a few times at most.
	var trips [][]string
	for range 5 {
		if err := client.ScriptFlush(ctx).Err(); err != nil {
			t.Fatalf("SCRIPT FLUSH: %v", err)
		}
		log.Take()

		written, err := s.PutAll(ctx, entries)
		if err != nil {
			t.Fatalf("PutAll after SCRIPT FLUSH: %v", err)
		}
		if want := []bool{true, true, true}; !slices.Equal(written, want) {
			t.Errorf("PutAll written = %v, want %v", written, want)
		}
		trips = log.Take()
		if len(trips) > 1 {
			break
		}
	}

	want := [][]string{slices.Repeat([]string{"evalsha"}, 3), append([]string{"script load"}, slices.Repeat([]string{"evalsha"}, 3)...)}
	if !slices.EqualFunc(trips, want, slices.Equal) {
		t.Errorf("round trips = %v, want %v", trips, want)
	}
	for _, e := range entries {
		got, ok, err := s.Get(ctx, e.EmployeeID, e.CourseID)
		if err != nil || !ok || got.EventID != e.EventID || got.Outcome != OutcomeDone {
			t.Errorf("Get %s = %+v, ok %v, %v; want event %s done", e.Key(), got, ok, err, e.EventID)
		}
	}
}
