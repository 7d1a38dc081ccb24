package review

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

func TestPutAndGetRoundTrip(t *testing.T) {
	s := newTestStore(t)
	ctx := testContext(t)
	stored := t0.Add(time.Second)

	tests := []struct {
		name  string
		entry Entry
	}{
		{name: "event", entry: EntryFromRecord(eventRecord(t, completion("evt-1", "EMP12345"), deadLetterMeta(pipeline.ReasonEmployeeNotFound), 1, 7, t0), stored)},
		{name: "raw payload", entry: EntryFromRecord(rawRecord(0, 8, t0), stored)},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			put(t, s, tc.entry)

			got, err := s.Get(ctx, tc.entry.ID)
			if err != nil {
				t.Fatalf("Get(%s): %v", tc.entry.ID, err)
			}
			if !reflect.DeepEqual(got, tc.entry) {
				t.Errorf("Get(%s) =\n%+v\nwant\n%+v", tc.entry.ID, got, tc.entry)
			}
		})
	}
}

func TestPutIsIdempotent(t *testing.T) {
	s := newTestStore(t)
	ctx := testContext(t)
	first := EntryFromRecord(eventRecord(t, completion("evt-1", "EMP12345"), deadLetterMeta(pipeline.ReasonEmployeeNotFound), 1, 7, t0), t0)
	put(t, s, first)

	again := first
	again.Reason = "record_expired"
	again.StoredAt = t0.Add(time.Hour)
	created, err := s.Put(ctx, again)
	if err != nil {
		t.Fatalf("second Put: %v", err)
	}

	if created {
		t.Errorf("second Put created = true, want false")
	}
	got, err := s.Get(ctx, first.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !reflect.DeepEqual(got, first) {
		t.Errorf("entry after second Put = %+v, want the first unchanged: %+v", got, first)
	}
	if n, _ := s.Count(ctx, ""); n != 1 {
		t.Errorf("Count(all) = %d, want 1", n)
	}
	if n, _ := s.List(ctx, Filter{Reason: "record_expired"}); len(n) != 0 {
		t.Errorf("entries of reason record_expired = %v, want none", ids(n))
	}
	trail, err := s.Trail(ctx, first.ID)
	if err != nil {
		t.Fatalf("Trail: %v", err)
	}
	if got := actions(trail); !reflect.DeepEqual(got, []Action{ActionReceived}) {
		t.Errorf("trail actions = %v, want [received]", got)
	}
}

func TestGetMissingEntry(t *testing.T) {
	s := newTestStore(t)

	_, err := s.Get(testContext(t), "lms.training.events.dlt-0-999")

	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
	}
	want := "dead letter not found: lms.training.events.dlt-0-999: list the ids with `arenasync dlt list --status all`"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

// seedListEntries stores five entries a minute apart, A oldest, and
// resolves D.
func seedListEntries(t *testing.T, s *Store) {
	t.Helper()

	notFound := deadLetterMeta(pipeline.ReasonEmployeeNotFound)
	expired := deadLetterMeta(pipeline.ReasonRecordExpired)
	for _, e := range []Entry{
		EntryFromRecord(eventRecord(t, completion("evt-a", "EMP1"), notFound, 0, 1, t0.Add(1*time.Minute)), t0),
		EntryFromRecord(eventRecord(t, completion("evt-b", "EMP1"), expired, 0, 2, t0.Add(2*time.Minute)), t0),
		EntryFromRecord(eventRecord(t, completion("evt-c", "EMP2"), notFound, 0, 3, t0.Add(3*time.Minute)), t0),
		EntryFromRecord(eventRecord(t, completion("evt-d", "EMP1"), notFound, 0, 4, t0.Add(4*time.Minute)), t0),
		EntryFromRecord(rawRecord(0, 5, t0.Add(5*time.Minute)), t0),
	} {
		put(t, s, e)
	}

	if _, err := s.Resolve(testContext(t), "lms.training.events.dlt-0-4", "ada", "fixed in Arena by hand"); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
}

func TestListFilters(t *testing.T) {
	s := newTestStore(t)
	seedListEntries(t, s)

	const (
		a = "lms.training.events.dlt-0-1"
		b = "lms.training.events.dlt-0-2"
		c = "lms.training.events.dlt-0-3"
		d = "lms.training.events.dlt-0-4"
		e = "lms.training.events.dlt-0-5"
	)

	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{name: "everything newest first", filter: Filter{}, want: []string{e, d, c, b, a}},
		{name: "by reason", filter: Filter{Reason: "employee_not_found"}, want: []string{d, c, a}},
		{name: "raw reason", filter: Filter{Reason: "invalid_payload"}, want: []string{e}},
		{name: "by employee", filter: Filter{EmployeeID: "EMP1"}, want: []string{d, b, a}},
		{name: "employee from raw body", filter: Filter{EmployeeID: "EMP77777"}, want: []string{e}},
		{name: "since is inclusive", filter: Filter{Since: t0.Add(3 * time.Minute)}, want: []string{e, d, c}},
		{name: "open", filter: Filter{Status: StatusOpen}, want: []string{e, c, b, a}},
		{name: "resolved", filter: Filter{Status: StatusResolved}, want: []string{d}},
		{name: "replayed", filter: Filter{Status: StatusReplayed}, want: []string{}},
		{name: "reason and employee", filter: Filter{Reason: "employee_not_found", EmployeeID: "EMP1"}, want: []string{d, a}},
		{name: "reason and open", filter: Filter{Reason: "employee_not_found", Status: StatusOpen}, want: []string{c, a}},
		{name: "employee and since", filter: Filter{EmployeeID: "EMP1", Since: t0.Add(90 * time.Second)}, want: []string{d, b}},
		{name: "limit", filter: Filter{Limit: 2}, want: []string{e, d}},
		{name: "unknown reason", filter: Filter{Reason: "no_such_reason"}, want: []string{}},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(testContext(t), tc.filter)
			if err != nil {
				t.Fatalf("List(%+v): %v", tc.filter, err)
			}

			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("List(%+v) = %v, want %v", tc.filter, ids(got), tc.want)
			}
		})
	}
}

func TestListRejectsNegativeLimit(t *testing.T) {
	s := newTestStore(t)

	_, err := s.List(testContext(t), Filter{Limit: -1})

	want := "list limit -1 is negative: use 0 for no limit"
	if err == nil || err.Error() != want {
		t.Errorf("List(limit -1) error = %v, want %q", err, want)
	}
}

func TestListPagesThroughIndex(t *testing.T) {
	s := newTestStore(t)
	// More entries than one page, with only the oldest matching the filter,
	// so List must read past the first page.
	total := listPageSize + 30
	for i := range total {
		meta := deadLetterMeta(pipeline.ReasonRecordExpired)
		if i == 0 {
			meta = deadLetterMeta(pipeline.ReasonEmployeeNotFound)
		}
		put(t, s, EntryFromRecord(eventRecord(t, completion("evt", "EMP1"), meta, 0, int64(i), t0.Add(time.Duration(i)*time.Second)), t0))
	}

	got, err := s.List(testContext(t), Filter{EmployeeID: "EMP1", Reason: "employee_not_found"})
	if err != nil {
		t.Fatalf("List: %v", err)
	}

	if want := []string{"lms.training.events.dlt-0-0"}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("List = %v, want %v", ids(got), want)
	}
	all, err := s.List(testContext(t), Filter{})
	if err != nil {
		t.Fatalf("List(all): %v", err)
	}
	if len(all) != total {
		t.Errorf("List(all) returned %d entries, want %d", len(all), total)
	}
}

func TestCountsFollowActions(t *testing.T) {
	s := newTestStore(t)
	ctx := testContext(t)
	seedListEntries(t, s)

	if _, err := s.RecordReplay(ctx, AuditRecord{EntryID: "lms.training.events.dlt-0-2", Action: ActionReplayed, Actor: "ada"}); err != nil {
		t.Fatalf("RecordReplay: %v", err)
	}

	tests := []struct {
		status Status
		want   int64
	}{
		{status: StatusOpen, want: 3},
		{status: StatusReplayed, want: 1},
		{status: StatusResolved, want: 1},
		{status: "", want: 5},
	}
	for _, tc := range tests {
		t.Run("status "+string(tc.status), func(t *testing.T) {
			got, err := s.Count(ctx, tc.status)
			if err != nil {
				t.Fatalf("Count(%q): %v", tc.status, err)
			}
			if got != tc.want {
				t.Errorf("Count(%q) = %d, want %d", tc.status, got, tc.want)
			}
		})
	}

	open, err := s.CountOpen(ctx)
	if err != nil || open != 3 {
		t.Errorf("CountOpen() = %d, %v, want 3", open, err)
	}
}
