package dev

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/pipeline"
)

// course is one entry of the simulated course catalogue.
type course struct {
	// id is the LMS course id that webhooks carry.
	id string
	// arenaID is the Arena course id that the course catalog maps id to.
	arenaID       string
	needsApproval bool
}

// catalogue is the course list of a run. The simulator is seeded with the
// Arena ids, and the course catalog maps the LMS ids to them. Two of ten
// courses need a manager's approval, so about a fifth of the completions end
// pending approval.
var catalogue = []course{
	{id: "LMS-SAFETY-101", arenaID: "TRN-SAFETY-101"},
	{id: "LMS-GMP-201", arenaID: "TRN-GMP-201"},
	{id: "LMS-HACCP-110", arenaID: "TRN-HACCP-110"},
	{id: "LMS-DATAINT-150", arenaID: "TRN-DATAINT-150"},
	{id: "LMS-SOP-QA-017", arenaID: "TRN-SOP-QA-017"},
	{id: "LMS-CLEANROOM-120", arenaID: "TRN-CLEANROOM-120"},
	{id: "LMS-LOTO-105", arenaID: "TRN-LOTO-105"},
	{id: "LMS-ISO13485-100", arenaID: "TRN-ISO13485-100"},
	{id: "LMS-CAPA-210", arenaID: "TRN-CAPA-210", needsApproval: true},
	{id: "LMS-AUDIT-310", arenaID: "TRN-AUDIT-310", needsApproval: true},
}

// legacyCourse is the course of the records seeded as already COMPLETED in
// Arena. It is not in the catalogue, so no generated enrollment uses it.
const legacyCourse = "LMS-GMP-2019"

// minEmployees is the minimum number of employees the simulator is seeded
// with: EMP00001 to EMP01000, as the arena-sim command seeds them, so an
// outside client of a serving run can use them.
const minEmployees = 1000

// webhook is the JSON body of one generic LMS webhook. Every field is
// optional here, so invalid bodies can leave any of them out. Score is a
// float64 on valid bodies and may be another JSON type on invalid ones.
type webhook struct {
	EventID          string `json:"eventId,omitempty"`
	EventType        string `json:"eventType,omitempty"`
	EmployeeID       string `json:"employeeId,omitempty"`
	CourseID         string `json:"courseId,omitempty"`
	TrainingRecordID string `json:"trainingRecordId,omitempty"`
	CompletionDate   string `json:"completionDate,omitempty"`
	Status           string `json:"status,omitempty"`
	Score            any    `json:"score,omitempty"`
	EnrolledAt       string `json:"enrolledAt,omitempty"`
	DueDate          string `json:"dueDate,omitempty"`
}

// planned is one webhook and the HTTP status ingest is expected to return.
type planned struct {
	body   webhook
	status int
}

// unit is the webhooks of one scenario: first, then next once ingest
// accepted first. next is nil for single-event scenarios.
type unit struct {
	first planned
	next  *planned
}

// scenario is a kind of unit.
type scenario int

// Scenarios, each with its events and their final outcomes.
const (
	// enrollAndComplete: an enrollment (done), then its completion (done, or
	// pending approval on an approval course).
	enrollAndComplete scenario = iota
	// enrollOnly: an enrollment whose employee has not finished yet (done).
	enrollOnly
	// unknownEmployee: an enrollment of an employee Arena does not know
	// (employee_not_found), then a completion that names the LMS course id
	// as the training record id (record_not_found).
	unknownEmployee
	// completedDifferently: a completion of a record Arena holds as
	// COMPLETED on another date (already_completed_differently).
	completedDifferently
	// invalidPayload: a body that fails validation (422, invalid_payload).
	invalidPayload
	// orphanCompletion: a completion whose enrollment arenasync never saw;
	// it fails every retry tier with mapping_not_found (retries_exhausted).
	orphanCompletion
)

// size returns the number of webhooks of a scenario.
func (s scenario) size() int {
	if s == enrollAndComplete || s == unknownEmployee {
		return 2
	}

	return 1
}

// faultWeights are the relative shares of the fault scenarios.
var faultWeights = []struct {
	scenario scenario
	weight   int
}{
	{invalidPayload, 3},
	{unknownEmployee, 3},
	{completedDifferently, 2},
	{orphanCompletion, 2},
}

// enrollOnlyShare is the fraction of regular scenarios that end after the
// enrollment.
const enrollOnlyShare = 0.1

// scoreShare is the fraction of completions that carry a score.
const scoreShare = 0.85

// expectation is the outcome counts a plan must produce.
type expectation struct {
	events          int
	completed       int
	pendingApproval int
	deadLettered    map[pipeline.Reason]int
}

// plan is the webhooks of a run and the simulator data they need.
type plan struct {
	units     []unit
	employees []string
	seeded    []arenasim.Record
	expect    expectation
}

// planBuilder holds the counters that make every id of a plan unique.
type planBuilder struct {
	rng      *rand.Rand
	now      time.Time
	runID    string
	events   int
	pairs    int
	unknown  int
	invalids int
	plan     plan
}

// buildPlan draws a plan of exactly events webhooks, of which about
// faultRate are faults. The same seed gives the same scenarios, counts and
// ids, and only the dates depend on now.
func buildPlan(events int, faultRate float64, seed uint64, runID string, now time.Time) plan {
	b := &planBuilder{
		rng:   rand.New(rand.NewPCG(seed, seed^0x5eed)),
		now:   now.UTC().Truncate(time.Second),
		runID: runID,
		plan:  plan{expect: expectation{deadLettered: make(map[pipeline.Reason]int)}},
	}

	scenarios := b.drawScenarios(events, faultRate)
	for _, s := range scenarios {
		b.plan.units = append(b.plan.units, b.build(s))
	}

	b.plan.expect.events = b.events
	b.plan.employees = employeeIDs(max(minEmployees, b.pairs/len(catalogue)+1, len(b.plan.seeded)))

	return b.plan
}

// drawScenarios picks the faults first, then fills the rest with regular
// scenarios, and shuffles them.
func (b *planBuilder) drawScenarios(events int, faultRate float64) []scenario {
	var scenarios []scenario

	budget := int(math.Round(float64(events) * faultRate))
	for budget > 0 {
		s := b.drawFault(budget)
		scenarios = append(scenarios, s)
		budget -= s.size()
	}

	used := 0
	for _, s := range scenarios {
		used += s.size()
	}
	for left := events - used; left > 0; {
		s := enrollAndComplete
		if left == 1 || b.rng.Float64() < enrollOnlyShare {
			s = enrollOnly
		}
		scenarios = append(scenarios, s)
		left -= s.size()
	}

	b.rng.Shuffle(len(scenarios), func(i, j int) { scenarios[i], scenarios[j] = scenarios[j], scenarios[i] })

	return scenarios
}

// drawFault picks a fault scenario by weight among those that fit budget.
func (b *planBuilder) drawFault(budget int) scenario {
	total := 0
	for _, f := range faultWeights {
		if f.scenario.size() <= budget {
			total += f.weight
		}
	}

	pick := b.rng.IntN(total)
	for _, f := range faultWeights {
		if f.scenario.size() > budget {
			continue
		}
		if pick < f.weight {
			return f.scenario
		}
		pick -= f.weight
	}

	return invalidPayload
}

// build returns the unit of one scenario and adds its outcomes to the
// expectation.
func (b *planBuilder) build(s scenario) unit {
	switch s {
	case enrollAndComplete:
		return b.enrollAndComplete()
	case enrollOnly:
		employee, c := b.nextPair()
		b.plan.expect.completed++

		return unit{first: b.enrollment(employee, c.id)}
	case unknownEmployee:
		return b.unknownEmployee()
	case completedDifferently:
		return unit{first: b.completedDifferently()}
	case orphanCompletion:
		employee, c := b.nextPair()
		b.plan.expect.deadLettered[pipeline.ReasonRetriesExhausted]++

		return unit{first: b.completion(employee, c.id, "")}
	default:
		b.plan.expect.deadLettered[pipeline.ReasonInvalidPayload]++

		return unit{first: b.invalid()}
	}
}

// enrollAndComplete builds the regular scenario.
func (b *planBuilder) enrollAndComplete() unit {
	employee, c := b.nextPair()
	enrolled := b.enrollment(employee, c.id)
	completed := b.completion(employee, c.id, "")

	b.plan.expect.completed++
	if c.needsApproval {
		b.plan.expect.pendingApproval++
	} else {
		b.plan.expect.completed++
	}

	return unit{first: enrolled, next: &completed}
}

// unknownEmployee builds an enrollment and a completion of an employee that
// Arena does not know. The completion carries the LMS course id as its
// training record id, a mistake LMS integrations make.
func (b *planBuilder) unknownEmployee() unit {
	b.unknown++
	employee := fmt.Sprintf("EXT%05d", b.unknown)
	c := catalogue[b.unknown%len(catalogue)]

	enrolled := b.enrollment(employee, c.id)
	completed := b.completion(employee, c.id, c.id)
	b.plan.expect.deadLettered[pipeline.ReasonEmployeeNotFound]++
	b.plan.expect.deadLettered[pipeline.ReasonRecordNotFound]++

	return unit{first: enrolled, next: &completed}
}

// completedDifferently seeds a COMPLETED record and builds a completion of
// it with another date and score.
func (b *planBuilder) completedDifferently() planned {
	n := len(b.plan.seeded) + 1
	employee := employeeID(n)
	score := 80.0
	b.plan.seeded = append(b.plan.seeded, arenasim.Record{
		ID:             fmt.Sprintf("TR-SEED-%05d", n),
		EmployeeID:     employee,
		CourseID:       legacyCourse,
		Status:         arenasim.StatusCompleted,
		CompletionDate: pipeline.FormatUTC(b.now.AddDate(-1, 0, 0).Add(-time.Duration(n) * time.Hour)),
		Score:          &score,
	})
	b.plan.expect.deadLettered[pipeline.ReasonAlreadyCompletedDifferently]++

	return b.completion(employee, legacyCourse, fmt.Sprintf("TR-SEED-%05d", n))
}

// invalidVariants are the validation failures invalid bodies cycle through.
var invalidVariants = []func(w *webhook, now time.Time){
	func(w *webhook, _ time.Time) { w.Score = "eighty" },
	func(w *webhook, _ time.Time) { w.EmployeeID = "" },
	func(w *webhook, _ time.Time) { w.CompletionDate = "19.01.2025 14:30" },
	func(w *webhook, _ time.Time) { w.Status = "FAILED" },
	func(w *webhook, _ time.Time) { w.EventType = "course.started" },
	func(w *webhook, now time.Time) { w.CompletionDate = pipeline.FormatUTC(now.AddDate(0, 0, 30)) },
	func(w *webhook, _ time.Time) { w.CourseID = "" },
}

// invalid builds a completion that fails validation in one of the variants.
// Its event id stays valid, so the dead letter can be matched to it.
func (b *planBuilder) invalid() planned {
	p := b.completion(employeeID(1), catalogue[0].id, "")
	invalidVariants[b.invalids%len(invalidVariants)](&p.body, b.now)
	b.invalids++
	p.status = http.StatusUnprocessableEntity

	return p
}

// nextPair returns an (employee, course) pair that no other scenario uses,
// so every enrollment creates its own Arena record.
func (b *planBuilder) nextPair() (string, course) {
	p := b.pairs
	b.pairs++

	return employeeID(p/len(catalogue) + 1), catalogue[p%len(catalogue)]
}

// enrollment builds a course.enrolled webhook.
func (b *planBuilder) enrollment(employee, courseID string) planned {
	enrolled := b.now.Add(-time.Duration(b.rng.IntN(90*24*3600)) * time.Second)

	return planned{status: http.StatusAccepted, body: webhook{
		EventID:    b.nextEventID(),
		EventType:  string(pipeline.CourseEnrolled),
		EmployeeID: employee,
		CourseID:   courseID,
		EnrolledAt: pipeline.FormatUTC(enrolled),
		DueDate:    enrolled.AddDate(0, 0, 30).Format(time.DateOnly),
	}}
}

// completion builds a course.completed webhook, with a score most of the time.
func (b *planBuilder) completion(employee, courseID, recordID string) planned {
	completed := b.now.Add(-time.Duration(b.rng.IntN(30*24*3600)) * time.Second)

	w := webhook{
		EventID:          b.nextEventID(),
		EventType:        string(pipeline.CourseCompleted),
		EmployeeID:       employee,
		CourseID:         courseID,
		TrainingRecordID: recordID,
		CompletionDate:   pipeline.FormatUTC(completed),
		Status:           pipeline.StatusCompleted,
	}
	if b.rng.Float64() < scoreShare {
		w.Score = float64(60 + b.rng.IntN(41))
	}

	return planned{status: http.StatusAccepted, body: w}
}

// nextEventID returns the next event id of the run.
func (b *planBuilder) nextEventID() string {
	b.events++

	return fmt.Sprintf("%s-%06d", b.runID, b.events)
}

// employeeID returns the n-th simulated employee id, counted from 1.
func employeeID(n int) string {
	return fmt.Sprintf("EMP%05d", n)
}

// employeeIDs returns the first n employee ids.
func employeeIDs(n int) []string {
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		ids = append(ids, employeeID(i))
	}

	return ids
}
