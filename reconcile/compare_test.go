package reconcile

import (
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/ledger"
)

// now is the comparison time of the compare tests.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// lmsDate is the LMS completion of the compare tests.
var lmsDate = time.Date(2025, 1, 19, 14, 30, 0, 0, time.UTC)

func ptr(v float64) *float64 {
	return &v
}

func completedRecord(status, date string, score *float64) *arenaRecord {
	return &arenaRecord{Found: true, Record: arena.Record{ID: "TR-1", EmployeeID: "EMP00001", CourseID: "C1", Status: status, CompletionDate: date, Score: score}}
}

func ledgerEntry(outcome ledger.Outcome, lastAttempt time.Time) *ledger.Entry {
	return &ledger.Entry{EmployeeID: "EMP00001", CourseID: "C1", EventID: "evt-1", CompletionDate: "2025-01-19T14:30:00Z", Score: ptr(90),
		Outcome: outcome, LastAttemptAt: lastAttempt}
}

func TestCompare(t *testing.T) {
	lms := &Completion{Date: lmsDate, Score: ptr(90)}
	lmsNoScore := &Completion{Date: lmsDate}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	lmsDay := &Completion{Date: time.Date(2025, 1, 18, 23, 0, 0, 0, time.UTC), Day: "2025-01-19", Zone: berlin, Score: ptr(90)}

	tests := []struct {
		name         string
		enrollment   enrollment
		arena        *arenaRecord
		since        time.Time
		wantCounted  bool
		wantCategory Category
		wantDetail   string
	}{
		{name: "same completion", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryOK},
		{name: "same completion with a zone offset", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-19T15:30:00+01:00", ptr(90)), wantCounted: true, wantCategory: CategoryOK},
		{name: "LMS without score", enrollment: enrollment{recordID: "TR-1", lms: lmsNoScore},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", ptr(75)), wantCounted: true, wantCategory: CategoryOK},
		{name: "date-only LMS value on the same local day", enrollment: enrollment{recordID: "TR-1", lms: lmsDay},
			arena: completedRecord("COMPLETED", "2025-01-19T22:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryOK},
		{name: "date-only LMS value on another local day", enrollment: enrollment{recordID: "TR-1", lms: lmsDay},
			arena: completedRecord("COMPLETED", "2025-01-19T23:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryMismatch, wantDetail: "the date differs"},
		{name: "other date", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-20T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryMismatch, wantDetail: "the date differs"},
		{name: "other score", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", ptr(85)), wantCounted: true, wantCategory: CategoryMismatch, wantDetail: "the score differs"},
		{name: "no Arena score", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", nil), wantCounted: true, wantCategory: CategoryMismatch, wantDetail: "the score differs"},
		{name: "other date and score", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-20T14:30:00Z", ptr(85)), wantCounted: true, wantCategory: CategoryMismatch, wantDetail: "the date and the score differ"},
		{name: "Arena date unreadable", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "19.01.2025", ptr(90)), wantCounted: true, wantCategory: CategoryMismatch, wantDetail: "cannot be compared"},
		{name: "record assigned", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: true, wantCategory: CategoryMissingInArena, wantDetail: "--repair puts the completion back"},
		{name: "record expired", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("EXPIRED", "", nil), wantCounted: true, wantCategory: CategoryMissingInArena, wantDetail: "accepts no completion"},
		{name: "record not found", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: &arenaRecord{Found: false}, wantCounted: true, wantCategory: CategoryMissingInArena, wantDetail: "Arena has no training record TR-1"},
		{name: "no record mapped", enrollment: enrollment{lms: lms},
			wantCounted: true, wantCategory: CategoryMissingInArena, wantDetail: "no Arena training record is mapped"},
		{name: "completed only in Arena", enrollment: enrollment{recordID: "TR-1"},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryUnknownToLMS, wantDetail: "neither the LMS export nor the ledger"},
		{name: "pending approval only in Arena", enrollment: enrollment{recordID: "TR-1"},
			arena: completedRecord("PENDING_APPROVAL", "2025-01-19T14:30:00Z", nil), wantCounted: true, wantCategory: CategoryUnknownToLMS, wantDetail: "neither"},
		{name: "completed on neither side", enrollment: enrollment{recordID: "TR-1"},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: false},
		{name: "pending approval recently", enrollment: enrollment{recordID: "TR-1", lms: lms, ledger: ledgerEntry(ledger.OutcomePendingApproval, now.Add(-time.Hour))},
			arena: completedRecord("PENDING_APPROVAL", "2025-01-19T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryOK},
		{name: "pending approval for long", enrollment: enrollment{recordID: "TR-1", lms: lms, ledger: ledgerEntry(ledger.OutcomePendingApproval, now.Add(-8*24*time.Hour))},
			arena: completedRecord("PENDING_APPROVAL", "2025-01-19T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryStalePendingApproval, wantDetail: "since 2025-02-21T12:00:00Z (8d0h, more than 7d0h)"},
		{name: "pending approval for long without ledger", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("PENDING_APPROVAL", "2025-01-19T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryStalePendingApproval, wantDetail: "since 2025-01-19T14:30:00Z"},
		{name: "dead letter in the review queue", enrollment: enrollment{recordID: "TR-1", lms: lms, deadLetter: &deadLetter{reason: "forbidden", entryID: "dlt-0-7", eventID: "evt-1"}},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: true, wantCategory: CategoryDeadLettered, wantDetail: "`arenasync dlt show dlt-0-7`"},
		{name: "dead letter not stored yet", enrollment: enrollment{recordID: "TR-1", lms: lms, deadLetter: &deadLetter{reason: "forbidden", eventID: "evt-1"}},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: true, wantCategory: CategoryDeadLettered, wantDetail: "not stored it in the review queue yet"},
		{name: "dead letter whose completion Arena holds", enrollment: enrollment{recordID: "TR-1", lms: lms, deadLetter: &deadLetter{reason: "forbidden", entryID: "dlt-0-7"}},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryOK},
		{name: "dead letter of a differing completion", enrollment: enrollment{recordID: "TR-1", lms: lms, deadLetter: &deadLetter{reason: "already_completed_differently", entryID: "dlt-0-7"}},
			arena: completedRecord("COMPLETED", "2025-01-20T14:30:00Z", ptr(90)), wantCounted: true, wantCategory: CategoryDeadLettered, wantDetail: "already_completed_differently"},
		{name: "retrying recently", enrollment: enrollment{recordID: "TR-1", lms: lms, ledger: ledgerEntry(ledger.OutcomeRetrying, now.Add(-10*time.Minute))},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: true, wantCategory: CategoryInFlight, wantDetail: "retrying since 2025-03-01T11:50:00Z"},
		{name: "accepted recently", enrollment: enrollment{recordID: "TR-1", lms: lms, ledger: ledgerEntry(ledger.OutcomeAccepted, now.Add(-59*time.Minute))},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: true, wantCategory: CategoryInFlight, wantDetail: "accepted since"},
		{name: "retrying for long", enrollment: enrollment{recordID: "TR-1", lms: lms, ledger: ledgerEntry(ledger.OutcomeRetrying, now.Add(-2*time.Hour))},
			arena: completedRecord("ASSIGNED", "", nil), wantCounted: true, wantCategory: CategoryMissingInArena},
		{name: "done in the ledger, not in Arena", enrollment: enrollment{recordID: "TR-1", lms: lms, ledger: ledgerEntry(ledger.OutcomeDone, now.Add(-time.Minute))},
			arena: completedRecord("IN_PROGRESS", "", nil), wantCounted: true, wantCategory: CategoryMissingInArena},
		{name: "both before since", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-20T14:30:00Z", ptr(90)), since: lmsDate.Add(48 * time.Hour), wantCounted: false},
		{name: "Arena after since", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("COMPLETED", "2025-01-20T14:30:00Z", ptr(90)), since: lmsDate.Add(time.Hour), wantCounted: true, wantCategory: CategoryMismatch},
		{name: "LMS at since", enrollment: enrollment{recordID: "TR-1", lms: lms},
			arena: completedRecord("ASSIGNED", "", nil), since: lmsDate, wantCounted: true, wantCategory: CategoryMissingInArena},
		{name: "only Arena before since", enrollment: enrollment{recordID: "TR-1"},
			arena: completedRecord("COMPLETED", "2025-01-19T14:30:00Z", nil), since: lmsDate.Add(time.Second), wantCounted: false},
	}

	cfg := Config{Prefix: "test:"}
	cfg.setDefaults()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := comparer{cfg: cfg, now: now, since: tt.since}
			tt.enrollment.employeeID, tt.enrollment.courseID = "EMP00001", "C1"

			row, counted := c.compare(&tt.enrollment, tt.arena)
			if counted != tt.wantCounted {
				t.Fatalf("counted = %v, want %v (row %+v)", counted, tt.wantCounted, row)
			}
			if !counted {
				return
			}
			if row.Category != tt.wantCategory {
				t.Errorf("category = %s, want %s (detail %q)", row.Category, tt.wantCategory, row.Detail)
			}
			if !strings.Contains(row.Detail, tt.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", row.Detail, tt.wantDetail)
			}
			if row.EmployeeID != "EMP00001" || row.CourseID != "C1" {
				t.Errorf("row names %s|%s, want EMP00001|C1", row.EmployeeID, row.CourseID)
			}
		})
	}
}

func TestCompareRowFields(t *testing.T) {
	cfg := Config{Prefix: "test:"}
	cfg.setDefaults()
	c := comparer{cfg: cfg, now: now}
	e := &enrollment{employeeID: "EMP00001", courseID: "C1", recordID: "TR-1", lms: &Completion{Date: lmsDate, Score: ptr(90)}, lmsSource: SourceExport,
		ledger: ledgerEntry(ledger.OutcomeDone, now), deadLetter: &deadLetter{reason: "forbidden", entryID: "dlt-0-7", eventID: "evt-9"}}

	row, _ := c.compare(e, completedRecord("ASSIGNED", "", nil))

	want := Row{Category: CategoryDeadLettered, EmployeeID: "EMP00001", CourseID: "C1", TrainingRecordID: "TR-1",
		LMSCompletionDate: "2025-01-19T14:30:00Z", LMSScore: row.LMSScore, LMSSource: SourceExport, ArenaStatus: "ASSIGNED",
		LedgerOutcome: "done", EventID: "evt-9", Reason: "forbidden", ReviewEntryID: "dlt-0-7", Detail: row.Detail}
	if row != want || *row.LMSScore != 90 {
		t.Errorf("row = %+v\nwant %+v", row, want)
	}
}
