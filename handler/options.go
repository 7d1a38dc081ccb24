package handler

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Option adds an optional part to a Handler.
type Option func(*options)

// options are the optional parts of a Handler.
type options struct {
	catalog   CourseCatalog
	users     Users
	employees EmployeeCache
	parked    ParkedEvents
	metrics   *metrics
}

// WithCatalog resolves the LMS course id of every record the handler
// creates through catalog, and rejects an unmapped course with reason
// unknown_course. Without it, the LMS course id goes to Arena unchanged.
func WithCatalog(catalog CourseCatalog) Option {
	return func(o *options) { o.catalog = catalog }
}

// WithEmployeeCheck asks Arena for the employee (GET /api/v1/users/{id})
// before a record is created, and rejects an unknown employee with reason
// employee_not_found and an inactive one with employee_inactive. cache
// keeps confirmations for Config.EmployeeCacheTTL; nil asks Arena every
// time.
func WithEmployeeCheck(users Users, cache EmployeeCache) Option {
	return func(o *options) {
		o.users = users
		o.employees = cache
	}
}

// WithParkedEvents lets a completion whose enrollment has not been
// processed find that enrollment parked behind it (store.Holds implements
// ParkedEvents) and create its record first. The consumer parks later
// events of a key while an earlier one waits in a retry tier, so without
// this a completion retried before its enrollment keeps failing until the
// retry tiers are exhausted.
func WithParkedEvents(parked ParkedEvents) Option {
	return func(o *options) { o.parked = parked }
}

// WithMetrics registers the handler's metrics on reg.
func WithMetrics(reg prometheus.Registerer) Option {
	return func(o *options) { o.metrics = newMetrics(reg) }
}
