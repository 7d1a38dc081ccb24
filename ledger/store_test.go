package ledger

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestStorePutGetRoundTrip(t *testing.T) {
	s, client, prefix := newTestStore(t)
	ctx := testContext(t)
	if err := client.Set(ctx, prefix+"enrollment:EMP00001|LMS-SAFETY-101", "TR-000001", 0).Err(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		entry      Entry
		wantRecord string
	}{
		{name: "record from the map", entry: entry("EMP00001", "evt-1", OutcomeDone), wantRecord: "TR-000001"},
		{name: "record from the event", entry: func() Entry {
			e := entry("EMP00002", "evt-2", OutcomeRetrying)
			e.TrainingRecordID, e.Reason, e.Score = "TR-777", "arena_unavailable", nil

			return e
		}(), wantRecord: "TR-777"},
		{name: "no record known", entry: entry("EMP00003", "evt-3", OutcomeAccepted), wantRecord: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			written, err := s.Put(ctx, tt.entry)
			if err != nil || !written {
				t.Fatalf("Put = %v, %v; want true, nil", written, err)
			}

			got, ok, err := s.Get(ctx, tt.entry.EmployeeID, tt.entry.CourseID)
			if err != nil || !ok {
				t.Fatalf("Get = ok %v, %v; want true, nil", ok, err)
			}
			want := tt.entry
			want.TrainingRecordID = tt.wantRecord
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Get = %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestStoreGetMissing(t *testing.T) {
	s, _, _ := newTestStore(t)

	_, ok, err := s.Get(testContext(t), "EMP00404", "LMS-SAFETY-101")
	if err != nil || ok {
		t.Errorf("Get = ok %v, %v; want false, nil", ok, err)
	}
}

func TestStorePutKeepsNewerEntry(t *testing.T) {
	tests := []struct {
		name        string
		stored      Entry
		incoming    Entry
		wantWritten bool
		wantEvent   string
		wantOutcome Outcome
	}{
		{
			name:        "acceptance after the worker's outcome",
			stored:      entry("EMP00001", "evt-1", OutcomeDone),
			incoming:    entry("EMP00001", "evt-1", OutcomeAccepted),
			wantWritten: false, wantEvent: "evt-1", wantOutcome: OutcomeDone,
		},
		{
			name:        "worker outcome after acceptance",
			stored:      entry("EMP00001", "evt-1", OutcomeAccepted),
			incoming:    entry("EMP00001", "evt-1", OutcomeDone),
			wantWritten: true, wantEvent: "evt-1", wantOutcome: OutcomeDone,
		},
		{
			name:   "older event of the same enrollment",
			stored: entry("EMP00001", "evt-2", OutcomeDone),
			incoming: func() Entry {
				e := entry("EMP00001", "evt-1", OutcomeDeadLettered)
				e.AcceptedAt = t0

				return e
			}(),
			wantWritten: false, wantEvent: "evt-2", wantOutcome: OutcomeDone,
		},
		{
			name:   "newer event of the same enrollment",
			stored: entry("EMP00001", "evt-1", OutcomeDone),
			incoming: func() Entry {
				e := entry("EMP00001", "evt-2", OutcomeAccepted)
				e.AcceptedAt = t0.Add(time.Hour)

				return e
			}(),
			wantWritten: true, wantEvent: "evt-2", wantOutcome: OutcomeAccepted,
		},
		{
			name:   "event without acceptance time",
			stored: entry("EMP00001", "evt-1", OutcomeDone),
			incoming: func() Entry {
				e := entry("EMP00001", "evt-2", OutcomeRetrying)
				e.AcceptedAt = time.Time{}

				return e
			}(),
			wantWritten: true, wantEvent: "evt-2", wantOutcome: OutcomeRetrying,
		},
	}
	// Each case runs with two Puts and with one PutAll of both entries.
	writers := []struct {
		name  string
		write func(ctx context.Context, s *Store, stored, incoming Entry) ([]bool, error)
	}{
		{name: "Put", write: func(ctx context.Context, s *Store, stored, incoming Entry) ([]bool, error) {
			first, err := s.Put(ctx, stored)
			if err != nil {
				return nil, err
			}
			second, err := s.Put(ctx, incoming)

			return []bool{first, second}, err
		}},
		{name: "PutAll", write: func(ctx context.Context, s *Store, stored, incoming Entry) ([]bool, error) {
			return s.PutAll(ctx, []Entry{stored, incoming})
		}},
	}
	for _, tt := range tests {
		for _, w := range writers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				s, _, _ := newTestStore(t)
				ctx := testContext(t)

				written, err := w.write(ctx, s, tt.stored, tt.incoming)
				if err != nil {
					t.Fatal(err)
				}
				if want := []bool{true, tt.wantWritten}; !slices.Equal(written, want) {
					t.Errorf("%s written = %v, want %v", w.name, written, want)
				}

				got, _, err := s.Get(ctx, "EMP00001", "LMS-SAFETY-101")
				if err != nil {
					t.Fatal(err)
				}
				if got.EventID != tt.wantEvent || got.Outcome != tt.wantOutcome {
					t.Errorf("stored event %s %s, want %s %s", got.EventID, got.Outcome, tt.wantEvent, tt.wantOutcome)
				}
			})
		}
	}
}

func TestStorePutMovesOutcomeIndex(t *testing.T) {
	s, client, _ := newTestStore(t)
	ctx := testContext(t)

	for _, outcome := range []Outcome{OutcomeAccepted, OutcomeRetrying, OutcomeDeadLettered} {
		if _, err := s.Put(ctx, entry("EMP00001", "evt-1", outcome)); err != nil {
			t.Fatal(err)
		}
	}

	for _, outcome := range Outcomes {
		n, err := client.ZCard(ctx, s.keys.byOutcome(outcome)).Result()
		if err != nil {
			t.Fatal(err)
		}
		want := int64(0)
		if outcome == OutcomeDeadLettered {
			want = 1
		}
		if n != want {
			t.Errorf("index of %s holds %d members, want %d", outcome, n, want)
		}
	}
}

func TestStorePutRejectsInvalidEntry(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
	}{
		{name: "no employee", entry: entry("", "evt-1", OutcomeDone)},
		{name: "no event id", entry: entry("EMP00001", "", OutcomeDone)},
		{name: "unknown outcome", entry: entry("EMP00001", "evt-1", Outcome("lost"))},
		{name: "no attempt time", entry: func() Entry { e := entry("EMP00001", "evt-1", OutcomeDone); e.LastAttemptAt = time.Time{}; return e }()},
		{name: "bad completion date", entry: func() Entry {
			e := entry("EMP00001", "evt-1", OutcomeDone)
			e.CompletionDate = "19.01.2025"
			return e
		}()},
	}
	s, _, _ := newTestStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			written, err := s.Put(testContext(t), tt.entry)
			if err == nil || written {
				t.Errorf("Put = %v, %v; want false and an error", written, err)
			}
		})
	}
}

func TestStoreScanSince(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := testContext(t)

	for i, employee := range []string{"EMP00003", "EMP00001", "EMP00002"} {
		e := entry(employee, "evt-"+employee, OutcomeDone)
		e.CompletionDate = t0.Add(time.Duration(i) * 24 * time.Hour).Format(time.RFC3339)
		if _, err := s.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name  string
		since time.Time
		want  []string
	}{
		{name: "all", want: []string{"EMP00003", "EMP00001", "EMP00002"}},
		{name: "since the second day", since: t0.Add(24 * time.Hour), want: []string{"EMP00001", "EMP00002"}},
		{name: "after the last", since: t0.Add(72 * time.Hour), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := s.Scan(ctx, tt.since, func(e Entry) error {
				got = append(got, e.EmployeeID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Scan = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStoreScanManyPages(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := testContext(t)

	const n = pageSize*2 + 7
	for i := range n {
		e := entry(fmt.Sprintf("EMP%05d", i), "evt", OutcomeDone)
		if _, err := s.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	seen := map[string]bool{}
	if err := s.Scan(ctx, time.Time{}, func(e Entry) error { seen[e.EmployeeID] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Errorf("Scan saw %d entries, want %d", len(seen), n)
	}
	if count, err := s.Count(ctx); err != nil || count != n {
		t.Errorf("Count = %d, %v; want %d", count, err, n)
	}
}

func TestStoreScanStopsAtError(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := testContext(t)
	for _, employee := range []string{"EMP00001", "EMP00002"} {
		if _, err := s.Put(ctx, entry(employee, "evt-"+employee, OutcomeDone)); err != nil {
			t.Fatal(err)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err := s.Scan(ctx, time.Time{}, func(Entry) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Scan = %v after %d calls, want the callback's error after 1 call", err, calls)
	}
}

func TestStoreDelete(t *testing.T) {
	s, client, _ := newTestStore(t)
	ctx := testContext(t)
	if _, err := s.Put(ctx, entry("EMP00001", "evt-1", OutcomeDone)); err != nil {
		t.Fatal(err)
	}

	existed, err := s.Delete(ctx, "EMP00001", "LMS-SAFETY-101")
	if err != nil || !existed {
		t.Fatalf("Delete = %v, %v; want true, nil", existed, err)
	}
	again, err := s.Delete(ctx, "EMP00001", "LMS-SAFETY-101")
	if err != nil || again {
		t.Errorf("second Delete = %v, %v; want false, nil", again, err)
	}

	for _, key := range append([]string{s.keys.byCompletion(), s.keys.byAttempt()}, s.keys.outcomeIndexes()...) {
		if n := client.ZCard(ctx, key).Val(); n != 0 {
			t.Errorf("index %s holds %d members after Delete, want 0", key, n)
		}
	}
}
