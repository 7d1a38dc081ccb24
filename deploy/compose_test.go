package deploy

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeFile is the compose file at the repository root, relative to this folder.
const composeFile = "../docker-compose.yml"

// loadCompose loads docker-compose.yml the way `docker compose config`
// does: compose-go, the Compose specification's reference library,
// validates it against the specification's JSON schema, interpolates
// ${VARIABLES} with their defaults and checks that every depends_on names
// a service. Docker itself cannot run on the test machines.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()

	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithWorkingDirectory(".."),
		// Only the defaults in the file, not the variables of this machine.
		cli.WithEnv([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("%s does not load: %v", composeFile, err)
	}

	return project
}

// arenasyncServices are the compose services that run the arenasync image.
var arenasyncServices = []string{"topics", "arena-sim", "ingest", "worker", "reconciler"}

func TestComposeServices(t *testing.T) {
	project := loadCompose(t)

	want := append([]string{"kafka", "redis", "prometheus", "grafana"}, arenasyncServices...)
	got := project.ServiceNames()
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}

	kafka := project.Services["kafka"]
	if !strings.HasPrefix(kafka.Image, "apache/kafka:4.") {
		t.Errorf("kafka image = %q, want the official apache/kafka:4.x", kafka.Image)
	}
	if roles := kafka.Environment["KAFKA_PROCESS_ROLES"]; roles == nil || *roles != "broker,controller" {
		t.Errorf("kafka KAFKA_PROCESS_ROLES = %v, want broker,controller (KRaft, no ZooKeeper)", roles)
	}

	worker := project.Services["worker"]
	if worker.Deploy == nil || worker.Deploy.Replicas == nil || *worker.Deploy.Replicas != 2 {
		t.Errorf("worker deploy.replicas = %+v, want 2", worker.Deploy)
	}
}

func TestComposeHealthchecksAndOrder(t *testing.T) {
	project := loadCompose(t)

	for _, name := range []string{"kafka", "redis", "prometheus", "grafana", "arena-sim", "ingest", "worker", "reconciler"} {
		hc := project.Services[name].HealthCheck
		if hc == nil || len(hc.Test) == 0 || hc.Disable {
			t.Errorf("service %s has no healthcheck", name)
		}
	}

	onKafkaAndRedis := map[string]string{
		"kafka":  types.ServiceConditionHealthy,
		"redis":  types.ServiceConditionHealthy,
		"topics": types.ServiceConditionCompletedSuccessfully,
	}
	cases := []struct {
		service string
		want    map[string]string
	}{
		{service: "topics", want: map[string]string{"kafka": types.ServiceConditionHealthy}},
		{service: "ingest", want: onKafkaAndRedis},
		{service: "worker", want: with(onKafkaAndRedis, "arena-sim", types.ServiceConditionHealthy)},
		{service: "reconciler", want: onKafkaAndRedis},
		{service: "grafana", want: map[string]string{"prometheus": types.ServiceConditionHealthy}},
	}
	for _, tc := range cases {
		t.Run(tc.service, func(t *testing.T) {
			deps := project.Services[tc.service].DependsOn
			for dep, condition := range tc.want {
				got, ok := deps[dep]
				if !ok {
					t.Errorf("%s does not depend on %s", tc.service, dep)

					continue
				}
				if got.Condition != condition {
					t.Errorf("%s depends on %s with condition %q, want %q", tc.service, dep, got.Condition, condition)
				}
			}
		})
	}

	if restart := project.Services["topics"].Restart; restart != types.RestartPolicyNo {
		t.Errorf("topics restart = %q, want %q: a one-shot step that restarts never completes", restart, types.RestartPolicyNo)
	}
}

func with(m map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[key] = value

	return out
}

// TestComposeCommandsExist runs the compose services' command lines and
// ARENASYNC_ variables against the arenasync binary's flags.
func TestComposeCommandsExist(t *testing.T) {
	project := loadCompose(t)

	for _, name := range arenasyncServices {
		s := project.Services[name]
		where := "docker-compose.yml service " + name
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s: build %+v, want deploy/Dockerfile", where, s.Build)
		}

		path := checkArgs(t, where, s.Command)
		for variable := range s.Environment {
			if strings.HasPrefix(variable, "ARENASYNC_") {
				checkEnv(t, where, path, variable)
			}
		}
	}

	topics := project.Services["topics"].Command
	if i := slices.Index(topics, "--replication-factor"); i < 0 || i+1 >= len(topics) || topics[i+1] != "1" {
		t.Errorf("topics command %v must pass --replication-factor 1 for the single broker", topics)
	}
}

// TestComposeMonitoringWiring checks that Prometheus scrapes the compose
// services on the ports they listen on, and that Grafana gets the files
// its provisioning expects.
func TestComposeMonitoringWiring(t *testing.T) {
	project := loadCompose(t)

	for _, s := range []string{"prometheus", "grafana"} {
		for _, v := range project.Services[s].Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s mounts %s, which does not exist: %v", s, v.Source, err)
			}
		}
	}

	listen := map[string]string{"ingest": flagValue(project.Services["ingest"].Command, "--addr"), "worker": flagValue(project.Services["worker"].Command, "--ops-addr"), "reconciler": flagValue(project.Services["reconciler"].Command, "--ops-addr")}
	var config struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "prometheus/prometheus.yml", &config)

	scraped := make(map[string]bool)
	for _, sc := range config.ScrapeConfigs {
		var targets []string
		for _, static := range sc.StaticConfigs {
			targets = append(targets, static.Targets...)
		}
		for _, dns := range sc.DNSSDConfigs {
			for _, name := range dns.Names {
				targets = append(targets, net.JoinHostPort(name, strconv.Itoa(dns.Port)))
			}
		}
		for _, target := range targets {
			host, port, err := net.SplitHostPort(target)
			if err != nil {
				t.Errorf("job %s target %q: %v", sc.JobName, target, err)

				continue
			}
			_, wantPort, _ := net.SplitHostPort(listen[host])
			if wantPort == "" || port != wantPort {
				t.Errorf("job %s scrapes %s, but compose service %s listens on %q", sc.JobName, target, host, listen[host])
			}
			if sc.JobName != "arenasync-"+host {
				t.Errorf("job %s scrapes %s; the alert rules expect the job name arenasync-%s", sc.JobName, host, host)
			}
			scraped[host] = true
		}
	}
	for role := range listen {
		if !scraped[role] {
			t.Errorf("prometheus.yml does not scrape %s", role)
		}
	}

	// The rules are mounted at /etc/prometheus with the configuration.
	rules, _ := filepath.Glob("prometheus/*.rules.yml")
	if len(config.RuleFiles) != 1 || config.RuleFiles[0] != "/etc/prometheus/*.rules.yml" || len(rules) == 0 {
		t.Errorf("rule_files = %v, want /etc/prometheus/*.rules.yml matching %v", config.RuleFiles, rules)
	}

	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "grafana/provisioning/dashboards/arenasync.yml", &provider)
	mounted := slices.ContainsFunc(project.Services["grafana"].Volumes, func(v types.ServiceVolumeConfig) bool {
		return len(provider.Providers) == 1 && v.Target == provider.Providers[0].Options.Path && strings.HasSuffix(v.Source, filepath.Join("deploy", "grafana", "dashboards"))
	})
	if !mounted {
		t.Errorf("grafana does not mount deploy/grafana/dashboards at the provisioning path %+v", provider.Providers)
	}
}

// flagValue returns the value after flag in a command line.
func flagValue(args []string, flag string) string {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return ""
	}

	return args[i+1]
}
