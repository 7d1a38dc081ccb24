package handler_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
	"github.com/arenasync/arenasync/catalog"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/store"
)

// Employees in the test simulator.
const (
	employeeAda      = "EMP12345"
	employeeBen      = "EMP22222"
	employeeInactive = "EMP-LEFT"
	employeeUnknown  = "EMP99999"
)

// Courses of the test catalog: LMS id and the Arena id it maps to.
const (
	lmsSafety       = "LMS-SAFETY-101"
	arenaSafety     = "TRN-0042"
	lmsApproval     = "LMS-GMP-201"
	arenaApproval   = "TRN-0077"
	lmsUnmapped     = "LMS-NEW-999"
	lmsMisspelled   = "LMS-TYPO-1"
	arenaMisspelled = "TRN-DOES-NOT-EXIST"
)

// rig is a simulator, a real Redis and the stores a handler needs, each
// under this test's own key prefix.
type rig struct {
	t        *testing.T
	sim      *arenasim.Sim
	client   *arena.Client
	redis    *redis.Client
	prefix   string
	mappings *store.Enrollments
	courses  *catalog.Redis
	registry *prometheus.Registry
}

// newRig starts a simulator whose catalogue holds the Arena courses of the
// test catalog, and stores the catalog in Redis.
func newRig(t *testing.T) *rig {
	t.Helper()

	sim := arenasim.NewServer(arenasim.Config{
		Employees: []arenasim.Employee{
			{ID: employeeAda, Name: "Ada Example", Active: true},
			{ID: employeeBen, Name: "Ben Example", Active: true},
			{ID: employeeInactive, Name: "Former Employee", Active: false},
		},
		Courses: []arenasim.Course{{ID: arenaSafety}, {ID: arenaApproval, NeedsApproval: true}},
	}, zap.NewNop())
	url, stop, err := sim.StartLocal()
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(stop)

	client, err := arena.New(arena.Config{BaseURL: url, ClientID: arenasim.DefaultClientID, ClientSecret: arenasim.DefaultClientSecret}, nil, zap.NewNop())
	if err != nil {
		t.Fatalf("arena client: %v", err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := testenv.RedisPrefix(t)

	r := &rig{t: t, sim: sim, client: client, redis: rdb, prefix: prefix,
		mappings: store.NewEnrollments(rdb, prefix), courses: catalog.NewRedis(rdb, prefix), registry: prometheus.NewRegistry()}

	err = r.courses.SetAll(t.Context(), catalog.Courses{lmsSafety: arenaSafety, lmsApproval: arenaApproval, lmsMisspelled: arenaMisspelled})
	if err != nil {
		t.Fatalf("store the catalog: %v", err)
	}

	return r
}

// handler returns a handler with the worker's options: catalog from Redis
// without pass-through, employee check with cache, parked events and
// metrics on the rig's registry.
func (r *rig) handler(cfg handler.Config, extra ...handler.Option) *handler.Handler {
	r.t.Helper()

	courses, err := catalog.New(catalog.Config{}, r.courses)
	if err != nil {
		r.t.Fatal(err)
	}
	if cfg.LockWait == 0 {
		cfg.LockWait = 3 * time.Second
	}

	opts := append([]handler.Option{
		handler.WithCatalog(courses),
		handler.WithEmployeeCheck(r.client, store.NewEmployees(r.redis, r.prefix)),
		handler.WithParkedEvents(store.NewHolds(r.redis, r.prefix)),
	}, extra...)

	return handler.New(cfg, r.client, r.mappings, zaptest.NewLogger(r.t, zaptest.Level(zap.WarnLevel)), opts...)
}

// metered returns r.handler with metrics registered on the rig's registry.
func (r *rig) metered(cfg handler.Config) *handler.Handler {
	return r.handler(cfg, handler.WithMetrics(r.registry))
}

// mapped returns the record mapped for an enrollment, "" when none is.
func (r *rig) mapped(employee, course string) string {
	r.t.Helper()

	id, _, err := r.mappings.Get(r.t.Context(), employee, course)
	if err != nil {
		r.t.Fatal(err)
	}

	return id
}

// counter returns the value of one labelled handler counter.
func (r *rig) counter(name string, labels ...string) float64 {
	r.t.Helper()

	families, err := r.registry.Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		for _, metric := range family.GetMetric() {
			if matchLabels(metric.GetLabel(), labels) {
				return metric.GetCounter().GetValue()
			}
		}
	}

	return 0
}

// matchLabels reports whether pairs (name, value, name, value, ...) are
// exactly the labels of a metric.
func matchLabels(got []*dto.LabelPair, pairs []string) bool {
	if len(got)*2 != len(pairs) {
		return false
	}
	for i, label := range got {
		if label.GetName() != pairs[2*i] || label.GetValue() != pairs[2*i+1] {
			return false
		}
	}

	return true
}

// handle runs h on one event.
func handle(t *testing.T, h *handler.Handler, e pipeline.Event) pipeline.Outcome {
	t.Helper()

	return h.Handle(t.Context(), pipeline.Envelope{Event: e})
}

// enrollment returns a course.enrolled event.
func enrollment(id, employee, course string) pipeline.Event {
	return pipeline.Event{ID: id, Type: pipeline.CourseEnrolled, Source: "lms", EmployeeID: employee, CourseID: course, EnrolledAt: "2025-01-02T09:00:00Z"}
}

// completion returns a course.completed event.
func completion(id, employee, course, date string, score *float64) pipeline.Event {
	return pipeline.Event{ID: id, Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: employee, CourseID: course,
		CompletionDate: date, Status: pipeline.StatusCompleted, Score: score}
}

func score(v float64) *float64 { return &v }
