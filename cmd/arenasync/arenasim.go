package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/arenasync/arenasync/arena/arenasim"
)

// arenaSimOptions are the flags of `arenasync arena-sim`.
type arenaSimOptions struct {
	addr            string
	clientID        string
	clientSecret    string
	tokenLifetime   time.Duration
	invalidateOld   bool
	rateLimit       float64
	errorRate       float64
	latency         time.Duration
	updatesDisabled bool
	employees       []string
	employeeCount   int
	courses         []string
	approvalCourses []string
	log             logOptions
}

func newArenaSimCommand() *cobra.Command {
	var o arenaSimOptions
	cmd := &cobra.Command{
		Use:   "arena-sim",
		Short: "Serve an in-memory Arena simulator for demos and tests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := o.log.build()
			if err != nil {
				return err
			}
			defer func() { _ = logger.Sync() }()

			cfg := o.config()
			if err := cfg.Validate(); err != nil {
				return err
			}
			sim := arenasim.NewServer(cfg, logger)

			return sim.ListenAndServe(cmd.Context(), o.addr)
		},
	}

	flags := cmd.Flags()
	flags.StringVar(&o.addr, "addr", "127.0.0.1:8090", "listen address, host:port")
	flags.StringVar(&o.clientID, "client-id", arenasim.DefaultClientID, "client id the token endpoint accepts, with all three scopes")
	flags.StringVar(&o.clientSecret, "client-secret", arenasim.DefaultClientSecret, "client secret of --client-id")
	flags.DurationVar(&o.tokenLifetime, "token-lifetime", arenasim.DefaultTokenLifetime, "lifetime of issued tokens")
	flags.BoolVar(&o.invalidateOld, "new-login-invalidates-old", false, "a login ends the client's earlier tokens, as real Arena sessions do")
	flags.Float64Var(&o.rateLimit, "rate-limit", 0, "requests per second above which the simulator answers 429 (0: no limit)")
	flags.Float64Var(&o.errorRate, "error-rate", 0, "fraction 0..1 of training-record calls answered 503")
	flags.DurationVar(&o.latency, "latency", 0, "delay added before every answer")
	flags.BoolVar(&o.updatesDisabled, "external-updates-disabled", false, "answer completions with 403, as a workspace with external status updates off")
	flags.StringSliceVar(&o.employees, "employees", nil, "employee ids to seed, comma-separated")
	flags.IntVar(&o.employeeCount, "employee-count", 1000, "also seed employees EMP00001 to EMP<count> (0: none)")
	flags.StringSliceVar(&o.courses, "courses", nil, "course ids to seed (none: every course id is accepted)")
	flags.StringSliceVar(&o.approvalCourses, "approval-courses", nil, "course ids to seed whose completions need approval")
	o.log.register(flags, "json")
	markSecret(flags, "client-secret")

	return withEnv(cmd)
}

// config returns the simulator configuration of the flags.
func (o arenaSimOptions) config() arenasim.Config {
	cfg := arenasim.Config{
		Clients: map[string]arenasim.ClientCredentials{
			o.clientID: {Secret: o.clientSecret, Scopes: arenasim.AllScopes()},
		},
		TokenLifetime:           o.tokenLifetime,
		NewLoginInvalidatesOld:  o.invalidateOld,
		RateLimit:               o.rateLimit,
		ErrorRate:               o.errorRate,
		Latency:                 o.latency,
		ExternalUpdatesDisabled: o.updatesDisabled,
	}

	for _, id := range o.employees {
		cfg.Employees = append(cfg.Employees, arenasim.Employee{ID: id, Name: id, Active: true})
	}
	for i := 1; i <= o.employeeCount; i++ {
		id := fmt.Sprintf("EMP%05d", i)
		cfg.Employees = append(cfg.Employees, arenasim.Employee{ID: id, Name: "Employee " + id, Active: true})
	}
	for _, id := range o.courses {
		cfg.Courses = append(cfg.Courses, arenasim.Course{ID: id})
	}
	for _, id := range o.approvalCourses {
		cfg.Courses = append(cfg.Courses, arenasim.Course{ID: id, NeedsApproval: true})
	}

	return cfg
}
