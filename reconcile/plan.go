package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/ledger"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/review"
	"github.com/arenasync/arenasync/store"
)

// Sources of an enrollment's LMS completion, as Row.LMSSource names them.
const (
	SourceExport = "lms_export"
	SourceLedger = "ledger"
	SourceReview = "review_queue"
)

// enrollment is one enrollment with the data that the LMS export, the
// ledger, the enrollment map and the review queue hold on it, before Arena
// is read.
type enrollment struct {
	employeeID string
	courseID   string

	// recordID is the Arena record to compare: the enrollment map's, else
	// the ledger's, else the dead letter's.
	recordID string
	mapped   string

	// lms is the LMS completion: the export's, else the ledger's, else the
	// open dead letter's; nil when none of them has one.
	lms       *Completion
	lmsSource string
	export    *ExportRow
	ledger    *ledger.Entry

	// deadLetter describes why the completion waits in the dead-letter
	// topic; nil when it does not.
	deadLetter *deadLetter
}

// deadLetter is an open dead letter of an enrollment's completion.
type deadLetter struct {
	reason  string
	entryID string
	eventID string
	event   *pipeline.Event
}

// planner collects the enrollments from every source.
type planner struct {
	ledger   *ledger.Store
	mappings *store.Enrollments
	review   *review.Store

	byKey map[string]*enrollment
}

// plan returns every enrollment that the ledger, the enrollment map, the
// LMS export or an open dead letter names.
func (p *planner) plan(ctx context.Context, export *Export) (map[string]*enrollment, error) {
	p.byKey = map[string]*enrollment{}

	if err := p.ledger.Scan(ctx, time.Time{}, p.addLedger); err != nil {
		return nil, err
	}
	if err := p.mappings.Scan(ctx, p.addMapping); err != nil {
		return nil, err
	}
	if err := p.addDeadLetters(ctx); err != nil {
		return nil, err
	}
	if export != nil {
		for i := range export.Rows {
			p.get(export.Rows[i].EmployeeID, export.Rows[i].CourseID).export = &export.Rows[i]
		}
	}

	for _, e := range p.byKey {
		e.resolve()
	}

	return p.byKey, nil
}

// get returns the enrollment of employee and course, adding it when new.
func (p *planner) get(employeeID, courseID string) *enrollment {
	key := employeeID + pipeline.KeySeparator + courseID
	e, ok := p.byKey[key]
	if !ok {
		e = &enrollment{employeeID: employeeID, courseID: courseID}
		p.byKey[key] = e
	}

	return e
}

func (p *planner) addLedger(entry ledger.Entry) error {
	p.get(entry.EmployeeID, entry.CourseID).ledger = &entry

	return nil
}

func (p *planner) addMapping(m store.Mapping) error {
	p.get(m.EmployeeID, m.CourseID).mapped = m.TrainingRecordID

	return nil
}

// addDeadLetters marks the enrollments whose completion waits in the
// dead-letter topic: an open review entry of a completion, or a ledger
// entry dead-lettered whose event the review queue has not stored yet.
// Entries replayed or resolved by an administrator are no longer open, so
// their enrollment is compared like any other.
func (p *planner) addDeadLetters(ctx context.Context) error {
	entries, err := p.review.List(ctx, review.Filter{})
	if err != nil {
		return fmt.Errorf("read the review queue: %w", err)
	}

	reviewed := map[string]bool{}
	for _, entry := range entries {
		reviewed[entry.EventID] = true
		if entry.Status != review.StatusOpen || entry.EventType != string(pipeline.CourseCompleted) || entry.EmployeeID == "" || entry.CourseID == "" {
			continue
		}

		e := p.get(entry.EmployeeID, entry.CourseID)
		if e.deadLetter != nil {
			// List returns the newest dead letter first; it is the one shown.
			continue
		}
		e.deadLetter = &deadLetter{reason: entry.Reason, entryID: entry.ID, eventID: entry.EventID, event: eventOf(entry)}
	}

	for _, e := range p.byKey {
		l := e.ledger
		if e.deadLetter == nil && l != nil && l.Outcome == ledger.OutcomeDeadLettered && !reviewed[l.EventID] {
			e.deadLetter = &deadLetter{reason: l.Reason, eventID: l.EventID}
		}
	}

	return nil
}

// eventOf decodes the event of a review entry, nil when its value is not one.
func eventOf(entry review.Entry) *pipeline.Event {
	if !entry.Replayable {
		return nil
	}

	env, err := pipeline.DecodeRecord(kafka.Message{Value: entry.Value})
	if err != nil {
		return nil
	}

	return &env.Event
}

// resolve picks the Arena record and the LMS completion of e.
func (e *enrollment) resolve() {
	switch {
	case e.mapped != "":
		e.recordID = e.mapped
	case e.ledger != nil && e.ledger.TrainingRecordID != "":
		e.recordID = e.ledger.TrainingRecordID
	case e.deadLetter != nil && e.deadLetter.event != nil:
		e.recordID = e.deadLetter.event.TrainingRecordID
	}

	switch {
	case e.export != nil:
		c := e.export.Completion
		e.lms, e.lmsSource = &c, SourceExport
	case e.ledger != nil:
		e.lms, e.lmsSource = completionOf(e.ledger.CompletionDate, e.ledger.Score), SourceLedger
	case e.deadLetter != nil && e.deadLetter.event != nil:
		e.lms, e.lmsSource = completionOf(e.deadLetter.event.CompletionDate, e.deadLetter.event.Score), SourceReview
	}
}

// completionOf reads a completion date that arenasync normalized to RFC
// 3339 in UTC; nil when it does not parse.
func completionOf(date string, score *float64) *Completion {
	t, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return nil
	}

	return &Completion{Date: t.UTC(), Score: score}
}
