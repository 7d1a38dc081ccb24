package adapters

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// Adapter turns the webhook bodies of one source into canonical events.
// It is safe for concurrent use.
type Adapter struct {
	cfg     Config
	log     *zap.Logger
	metrics *Metrics
	parse   func(a *Adapter, header http.Header, body []byte) ([]pipeline.Event, error)
}

// New builds the adapter of cfg, which it validates. logger may be nil to
// discard logs and m may be nil to count nothing.
func New(cfg Config, logger *zap.Logger, m *Metrics) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = zap.NewNop()
	}

	a := &Adapter{cfg: cfg.withDefaults(), log: logger, metrics: m}
	switch a.cfg.Kind {
	case KindGeneric:
		a.parse = (*Adapter).parseGeneric
	case KindMoodle:
		a.parse = (*Adapter).parseMoodle
	case KindDocebo:
		a.parse = (*Adapter).parseDocebo
	case Kind360Learning:
		a.parse = (*Adapter).parse360Learning
	default:
		a.parse = (*Adapter).parseXAPI
	}

	return a, nil
}

// Source returns the source name the events carry.
func (a *Adapter) Source() string {
	return a.cfg.Source
}

// Parse reads a body without its request headers. It fits
// producer.WithSource.
func (a *Adapter) Parse(body []byte) ([]pipeline.Event, error) {
	return a.ParseRequest(nil, body)
}

// ParseRequest reads a body with its request headers; header may be nil.
// It fits producer.WithRequestSource. It returns at least one event, or
// an error: one wrapping pipeline.ErrMalformed for a body that cannot be
// read, a *pipeline.ValidationError naming every invalid field, a
// *pipeline.IgnoredError for a delivery without a handled event, or one
// wrapping pipeline.ErrUnavailable when an identity lookup failed.
func (a *Adapter) ParseRequest(header http.Header, body []byte) ([]pipeline.Event, error) {
	if header == nil {
		header = http.Header{}
	}

	return a.parse(a, header, body)
}

// completion is a completion read from a delivery, before its employee is
// mapped and its id is set.
type completion struct {
	// path prefixes the field names of errors, such as "payloads[1].".
	path string
	// userField is the field that held the LMS user id, for errors.
	userField  string
	lmsUserID  string
	courseID   string
	date       string
	score      *float64
	scoreDrops []pipeline.ScoreDrop
	// id is the delivery id of this completion; empty derives one.
	id string
}

// build maps the employees of completions and returns their events, in
// order, without repeated ids, and their dropped scores by event id.
// Errors are recorded on fe, except a failed lookup, which is returned.
func (a *Adapter) build(items []completion, fe *fieldErrors) ([]pipeline.Event, map[string][]pipeline.ScoreDrop, error) {
	events := make([]pipeline.Event, 0, len(items))
	drops := make(map[string][]pipeline.ScoreDrop)
	seen := make(map[string]bool, len(items))
	for _, c := range items {
		employeeID, err := a.employee(c, fe)
		if err != nil {
			return nil, nil, err
		}
		if employeeID == "" {
			continue
		}

		event := pipeline.Event{
			ID:             c.id,
			Type:           pipeline.CourseCompleted,
			Source:         a.cfg.Source,
			EmployeeID:     employeeID,
			CourseID:       c.courseID,
			CompletionDate: c.date,
			Status:         pipeline.StatusCompleted,
			Score:          c.score,
		}
		if event.ID == "" {
			event.ID = pipeline.DeriveEventID(event)
		}
		if seen[event.ID] {
			continue
		}
		seen[event.ID] = true
		events = append(events, event)
		if len(c.scoreDrops) > 0 {
			drops[event.ID] = c.scoreDrops
		}
	}

	return events, drops, nil
}

// finish returns the events of a delivery, or the validation error, or an
// IgnoredError when every item was ignored. Dropped scores and ignored
// items are logged and counted only for a delivery that is accepted or
// ignored, so a rejected delivery that the LMS sends again is not counted
// twice.
func (a *Adapter) finish(events []pipeline.Event, drops map[string][]pipeline.ScoreDrop, ignored []pipeline.IgnoredError, fe *fieldErrors) ([]pipeline.Event, error) {
	if err := fe.err(); err != nil {
		return nil, err
	}

	for _, e := range events {
		a.reportDrops(e.ID, drops[e.ID])
	}
	for _, i := range ignored {
		a.countIgnored(i.Reason, i.Detail)
	}

	if len(events) == 0 && len(ignored) > 0 {
		return nil, &pipeline.IgnoredError{Reason: ignored[0].Reason, Detail: ignoredDetail(ignored)}
	}
	if len(events) == 0 {
		return nil, malformed("the delivery holds no event")
	}

	return events, nil
}

// ignoredDetail joins the details of ignored items, at most three.
func ignoredDetail(ignored []pipeline.IgnoredError) string {
	details := make([]string, 0, 3)
	for i, item := range ignored {
		if i == 3 {
			details = append(details, fmt.Sprintf("and %d more", len(ignored)-3))

			break
		}
		details = append(details, item.Detail)
	}

	return strings.Join(details, "; ")
}

// employee maps the LMS user id of c under the source's identity rule.
func (a *Adapter) employee(c completion, fe *fieldErrors) (string, error) {
	if c.lmsUserID == "" {
		return "", nil
	}

	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.LookupTimeout)
	defer cancel()

	employeeID, found, err := a.cfg.Identity.EmployeeID(ctx, c.lmsUserID)
	if err != nil {
		return "", fmt.Errorf("%w: %w", pipeline.ErrUnavailable, err)
	}
	if !found {
		fe.add(c.path+c.userField, "LMS user %q has no Arena employeeId under the identity rule of source %s: add the user to the identity table", c.lmsUserID, a.cfg.Source)

		return "", nil
	}
	if err := checkID(employeeID); err != nil || strings.TrimSpace(employeeID) == "" {
		fe.add(c.path+c.userField, "the employeeId mapped from LMS user %q is not a valid id: fix the identity table", c.lmsUserID)

		return "", nil
	}

	return employeeID, nil
}

// ignore counts a delivery that holds no handled event and returns its
// IgnoredError.
func (a *Adapter) ignore(reason, detail string) error {
	a.countIgnored(reason, detail)

	return &pipeline.IgnoredError{Reason: reason, Detail: detail}
}

// countIgnored logs and counts one ignored delivery or item.
func (a *Adapter) countIgnored(reason, detail string) {
	a.log.Debug("webhook item ignored: "+detail, zap.String(keySource, a.cfg.Source), zap.String(keyReason, reason))
	a.metrics.eventIgnored(a.cfg.Source, reason)
}

// checkEventID applies the id rules to a delivery id.
func checkEventID(value, path string, fe *fieldErrors) string {
	if err := checkID(value); err != nil {
		fe.add(path, "%s", err.Error())

		return ""
	}

	return value
}
