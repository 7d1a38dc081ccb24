package main

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/catalog"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/store"
)

// enrollOptions are the worker flags of the enrollment path: course
// catalog, employee check and out-of-order completions.
type enrollOptions struct {
	catalogFile        string
	passthrough        bool
	employeeCacheTTL   time.Duration
	createOnCompletion bool
}

func (o *enrollOptions) register(flags *pflag.FlagSet) {
	flags.StringVar(&o.catalogFile, "course-catalog", "", "YAML or CSV file mapping LMS course ids to Arena course ids, read at start-up; Redis entries (arenasync catalog) win over it (empty: none)")
	flags.BoolVar(&o.passthrough, "course-passthrough", false, "send an LMS course id that the catalog does not map to Arena unchanged, instead of dead-lettering its enrollment with reason unknown_course")
	flags.DurationVar(&o.employeeCacheTTL, "employee-cache-ttl", handler.DefaultEmployeeCacheTTL, "how long Arena's confirmation of an employee is cached in Redis before a record is created for it (0: ask Arena before every record)")
	flags.BoolVar(&o.createOnCompletion, "create-on-completion", false, "create the Arena record from a completion whose enrollment has not been processed, instead of retrying the completion until it has")
}

// handlerConfig returns the handler configuration of the flags.
func (o *enrollOptions) handlerConfig() handler.Config {
	return handler.Config{EmployeeCacheTTL: o.employeeCacheTTL, CreateOnCompletion: o.createOnCompletion}
}

// handlerOptions reads the course catalog and returns the handler options
// of the worker: catalog, employee check, parked enrollments and metrics.
func (o *enrollOptions) handlerOptions(users handler.Users, rdb redis.UniversalClient, prefix string, reg prometheus.Registerer, logger *zap.Logger) ([]handler.Option, error) {
	if o.employeeCacheTTL < 0 {
		return nil, fmt.Errorf("--employee-cache-ttl %s is negative: use a duration such as 1h, or 0 to ask Arena every time", o.employeeCacheTTL)
	}

	courses, err := catalog.New(catalog.Config{File: o.catalogFile, Passthrough: o.passthrough}, catalog.NewRedis(rdb, prefix))
	if err != nil {
		return nil, fmt.Errorf("--course-catalog: %w", err)
	}
	logger.Info("course catalog loaded", zap.String("sources", courses.Describe()))

	var cache handler.EmployeeCache
	if o.employeeCacheTTL > 0 {
		cache = store.NewEmployees(rdb, prefix)
	}

	return []handler.Option{
		handler.WithCatalog(courses),
		handler.WithEmployeeCheck(users, cache),
		handler.WithParkedEvents(store.NewHolds(rdb, prefix)),
		handler.WithMetrics(reg),
	}, nil
}
