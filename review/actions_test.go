package review

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

const entryA = "lms.training.events.dlt-1-7"

// storeWithEntry returns a store holding one open event entry, entryA,
// whose clock reads t0+1h.
func storeWithEntry(t *testing.T) *Store {
	t.Helper()

	s := newTestStore(t)
	s.now = func() time.Time { return t0.Add(time.Hour) }
	put(t, s, EntryFromRecord(eventRecord(t, completion("evt-1", "EMP12345"), deadLetterMeta(pipeline.ReasonEmployeeNotFound), 1, 7, t0), t0.Add(time.Second)))

	return s
}

func TestResolveRecordsActorAndNote(t *testing.T) {
	s := storeWithEntry(t)
	ctx := testContext(t)

	got, err := s.Resolve(ctx, entryA, "ada", "employee left the company")
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}

	if got.Status != StatusResolved {
		t.Errorf("status = %q, want %q", got.Status, StatusResolved)
	}
	if !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("updated at = %s, want %s", got.UpdatedAt, t0.Add(time.Hour))
	}
	if got.ReplayCount != 0 {
		t.Errorf("replay count = %d, want 0", got.ReplayCount)
	}

	trail, err := s.Trail(ctx, entryA)
	if err != nil {
		t.Fatalf("Trail: %v", err)
	}
	if len(trail) != 2 {
		t.Fatalf("trail has %d records, want 2: %+v", len(trail), trail)
	}
	wantReceived := AuditRecord{ID: trail[0].ID, EntryID: entryA, Action: ActionReceived, Actor: ReconcilerActor, At: t0.Add(time.Second), Details: map[string]string{"reason": "employee_not_found"}}
	if !reflect.DeepEqual(trail[0], wantReceived) {
		t.Errorf("trail[0] = %+v, want %+v", trail[0], wantReceived)
	}
	wantResolved := AuditRecord{ID: trail[1].ID, EntryID: entryA, Action: ActionResolved, Actor: "ada", At: t0.Add(time.Hour), Note: "employee left the company"}
	if !reflect.DeepEqual(trail[1], wantResolved) {
		t.Errorf("trail[1] = %+v, want %+v", trail[1], wantResolved)
	}
}

func TestResolveRejects(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		actor   string
		note    string
		twice   bool
		wantErr error
		wantMsg string
	}{
		{name: "missing note", id: entryA, actor: "ada", note: "  ", wantErr: ErrNoteRequired,
			wantMsg: "resolve dead letter " + entryA + ": a note is required: say with --note why it needs no replay"},
		{name: "missing actor", id: entryA, note: "done", wantErr: ErrActorRequired,
			wantMsg: "dead letter " + entryA + " not resolved: an actor is required: pass --actor NAME"},
		{name: "unknown id", id: "lms.training.events.dlt-9-9", actor: "ada", note: "done", wantErr: ErrNotFound,
			wantMsg: "dead letter not found: lms.training.events.dlt-9-9: list the ids with `arenasync dlt list --status all`"},
		{name: "already resolved", id: entryA, actor: "ada", note: "done", twice: true, wantErr: ErrWrongStatus,
			wantMsg: "dead letter status does not allow this action: " + entryA + " is resolved, so it cannot be resolved; see its trail with `arenasync dlt show " + entryA + "`"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := storeWithEntry(t)
			ctx := testContext(t)
			if tc.twice {
				if _, err := s.Resolve(ctx, tc.id, tc.actor, tc.note); err != nil {
					t.Fatalf("first Resolve: %v", err)
				}
			}

			_, err := s.Resolve(ctx, tc.id, tc.actor, tc.note)

			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Resolve error = %v, want %v", err, tc.wantErr)
			}
			if err.Error() != tc.wantMsg {
				t.Errorf("Resolve error = %q, want %q", err, tc.wantMsg)
			}
			if !IsEntryError(err) {
				t.Errorf("IsEntryError(%v) = false, want true", err)
			}
		})
	}
}

func TestRejectedResolveChangesNothing(t *testing.T) {
	s := storeWithEntry(t)
	ctx := testContext(t)

	if _, err := s.Resolve(ctx, entryA, "ada", ""); !errors.Is(err, ErrNoteRequired) {
		t.Fatalf("Resolve without note error = %v, want ErrNoteRequired", err)
	}

	got, err := s.Get(ctx, entryA)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Status != StatusOpen {
		t.Errorf("status = %q, want %q", got.Status, StatusOpen)
	}
	trail, _ := s.Trail(ctx, entryA)
	if got := actions(trail); !reflect.DeepEqual(got, []Action{ActionReceived}) {
		t.Errorf("trail actions = %v, want [received]", got)
	}
}

func TestRecordReplayCountsReplays(t *testing.T) {
	s := storeWithEntry(t)
	ctx := testContext(t)
	details := map[string]string{"topic": "lms.training.events", "partition": "2", "offset": "40"}

	first, err := s.RecordReplay(ctx, AuditRecord{EntryID: entryA, Action: ActionReplayed, Actor: "ada", At: t0.Add(2 * time.Hour), Details: details})
	if err != nil {
		t.Fatalf("first RecordReplay: %v", err)
	}
	second, err := s.RecordReplay(ctx, AuditRecord{EntryID: entryA, Action: ActionReplayed, Actor: "ben", At: t0.Add(3 * time.Hour), Note: "Arena fixed"})
	if err != nil {
		t.Fatalf("second RecordReplay: %v", err)
	}

	if first.Status != StatusReplayed || first.ReplayCount != 1 || !first.LastReplayAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("after first replay: status %q, count %d, last %s; want replayed, 1, %s", first.Status, first.ReplayCount, first.LastReplayAt, t0.Add(2*time.Hour))
	}
	if second.Status != StatusReplayed || second.ReplayCount != 2 || !second.LastReplayAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("after second replay: status %q, count %d, last %s; want replayed, 2, %s", second.Status, second.ReplayCount, second.LastReplayAt, t0.Add(3*time.Hour))
	}

	trail, err := s.Trail(ctx, entryA)
	if err != nil {
		t.Fatalf("Trail: %v", err)
	}
	if got := actions(trail); !reflect.DeepEqual(got, []Action{ActionReceived, ActionReplayed, ActionReplayed}) {
		t.Fatalf("trail actions = %v, want [received replayed replayed]", got)
	}
	if trail[1].Actor != "ada" || !reflect.DeepEqual(trail[1].Details, details) {
		t.Errorf("first replay record = %+v, want actor ada and details %v", trail[1], details)
	}
	if trail[2].Actor != "ben" || trail[2].Note != "Arena fixed" || trail[2].Details != nil {
		t.Errorf("second replay record = %+v, want actor ben, note and no details", trail[2])
	}

	if n, _ := s.Count(ctx, StatusReplayed); n != 1 {
		t.Errorf("Count(replayed) = %d, want 1", n)
	}
	if n, _ := s.CountOpen(ctx); n != 0 {
		t.Errorf("CountOpen() = %d, want 0", n)
	}
}

func TestRecordReplayRejectsResolved(t *testing.T) {
	s := storeWithEntry(t)
	ctx := testContext(t)
	if _, err := s.Resolve(ctx, entryA, "ada", "not needed"); err != nil {
		t.Fatalf("Resolve: %v", err)
	}

	_, err := s.RecordReplay(ctx, AuditRecord{EntryID: entryA, Action: ActionReplayed, Actor: "ada"})

	if !errors.Is(err, ErrWrongStatus) {
		t.Errorf("RecordReplay(resolved) error = %v, want ErrWrongStatus", err)
	}
}

func TestAuditLogCoversAllEntries(t *testing.T) {
	s := storeWithEntry(t)
	ctx := testContext(t)
	put(t, s, EntryFromRecord(rawRecord(0, 3, t0), t0))
	if _, err := s.Resolve(ctx, entryA, "ada", "done"); err != nil {
		t.Fatalf("Resolve: %v", err)
	}

	all, err := s.AuditLog(ctx, "", 0)
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}

	type line struct {
		entry  string
		action Action
	}
	var got []line
	for _, r := range all {
		got = append(got, line{r.EntryID, r.Action})
	}
	want := []line{{entryA, ActionReceived}, {"lms.training.events.dlt-0-3", ActionReceived}, {entryA, ActionResolved}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit log = %v, want %v", got, want)
	}

	rest, err := s.AuditLog(ctx, all[0].ID, 1)
	if err != nil {
		t.Fatalf("AuditLog(after first): %v", err)
	}
	if len(rest) != 1 || rest[0].ID != all[1].ID {
		t.Errorf("AuditLog(after %s, 1) = %+v, want only %s", all[0].ID, rest, all[1].ID)
	}
}
