package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/arenasync/arenasync/internal/metricscatalog"
	"github.com/arenasync/arenasync/internal/testenv"
)

// scrapeEvents is the number of webhooks the scrape test sends.
const scrapeEvents = 25

// scrapeWait bounds each wait of the scrape test: a process becoming
// ready, Prometheus scraping it, the events being handled.
const scrapeWait = 90 * time.Second

// throughputPanel is the dashboard panel whose query must count the events sent.
const throughputPanel = "Events handled by outcome, since the workers started"

// TestIntegrationPrometheusScrape runs arena-sim, ingest and worker from
// the arenasync binary against the test Kafka and Redis, and a Prometheus
// server from Debian's package that scrapes ingest and worker every second
// and evaluates the alert rules. It posts scrapeEvents enrollment webhooks
// and waits until the dashboard's throughput query returns that many done
// events. It also checks that every arenasync_ metric the processes
// export is in the metric catalogue of its role, and that every alert rule
// evaluates without error on the real series.
func TestIntegrationPrometheusScrape(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	redisAddr := testenv.RedisAddr(t)
	prometheusPath := requireTool(t, "prometheus", "", "apt-get install prometheus")
	binary := arenasyncBinary(t)
	catalog := roleCatalog(t)

	topic := testenv.UniqueName(t, "scrape")
	common := []string{
		"ARENASYNC_KAFKA_BROKERS=" + strings.Join(brokers, ","),
		"ARENASYNC_TOPIC=" + topic,
		"ARENASYNC_RETRY_DELAYS=1s,2s,3s",
		"ARENASYNC_REDIS_ADDR=" + redisAddr,
		"ARENASYNC_REDIS_PREFIX=" + testenv.RedisPrefix(t),
		"ARENASYNC_LOG_LEVEL=warn",
	}
	runOnce(t, binary, common, "topics", "create", "--partitions", "2", "--replication-factor", "1")

	// Credentials of this test only: should another process take the port
	// between FreeAddr and the simulator's listen, the worker fails its
	// start-up check at once instead of calling a foreign server.
	simClient, simSecret := testenv.UniqueName(t, "client"), testenv.UniqueName(t, "secret")
	simAddr := testenv.FreeAddr(t)
	startProcess(t, "arena-sim", binary, common, "arena-sim", "--addr", simAddr, "--employee-count", "100",
		"--client-id", simClient, "--client-secret", simSecret)
	waitHTTP(t, "http://"+simAddr+"/healthz", http.StatusOK)

	token := "scrape-test-token"
	ingestAddr := testenv.FreeAddr(t)
	startProcess(t, "ingest", binary, common, "ingest", "--addr", ingestAddr, "--ingest-token", token)
	waitHTTP(t, "http://"+ingestAddr+"/readyz", http.StatusOK)

	workerAddr := testenv.FreeAddr(t)
	workerEnv := append(slices.Clone(common),
		"ARENASYNC_ARENA_URL=http://"+simAddr,
		"ARENASYNC_ARENA_CLIENT_ID="+simClient,
		"ARENASYNC_ARENA_CLIENT_SECRET="+simSecret,
		"ARENASYNC_GROUP="+testenv.UniqueName(t, "scrape-group"),
		"ARENASYNC_COURSE_PASSTHROUGH=true",
	)
	startProcess(t, "worker", binary, workerEnv, "worker", "--ops-addr", workerAddr, "--commit-interval", "200ms")
	waitHTTP(t, "http://"+workerAddr+"/readyz", http.StatusOK)

	prom := startPrometheus(t, prometheusPath, ingestAddr, workerAddr)
	waitFor(t, "prometheus scrapes ingest and worker", func() (bool, string) {
		result := prom.query(t, `sum(up{job=~"arenasync-ingest|arenasync-worker"})`)
		return result.single() == 2, fmt.Sprintf("sum(up) = %v", result)
	})

	postEnrollments(t, "http://"+ingestAddr+"/v1/webhooks/lms", token, scrapeEvents)

	expr := dashboardExpr(t, throughputPanel)
	waitFor(t, "the dashboard's throughput query counts every event", func() (bool, string) {
		result := prom.query(t, expr)
		return result.byLabel("outcome")["done"] == scrapeEvents, fmt.Sprintf("%s = %v", expr, result)
	})

	// Nothing else happened to the events: no retry, no dead letter.
	if got := prom.query(t, expr).byLabel("outcome"); len(got) != 1 {
		t.Errorf("%s = %v, want only outcome done", expr, got)
	}
	if got := prom.query(t, "sum(arenasync_ingest_events_accepted_total)").single(); got != scrapeEvents {
		t.Errorf("sum(arenasync_ingest_events_accepted_total) = %v, want %d", got, scrapeEvents)
	}

	checkScrapedNamesInCatalog(t, prom, catalog)
	checkRulesHealthy(t, prom)
}

// runOnce runs an arenasync command to completion.
func runOnce(t *testing.T, binary string, env []string, args ...string) {
	t.Helper()

	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("arenasync %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// lockedBuffer collects a process's output from its two streams.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

// startProcess starts a long-running process and stops it with SIGTERM
// (SIGKILL after 15 s) when the test ends. Its output is logged when the
// test fails.
func startProcess(t *testing.T, name, path string, env []string, args ...string) {
	t.Helper()

	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	output := &lockedBuffer{}
	cmd.Stdout = output
	cmd.Stderr = output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}

	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()

	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, output.String())
		}
	})
}

// waitHTTP waits until GET url responds with status, or with any status
// when status is 0.
func waitHTTP(t *testing.T, url string, status int) {
	t.Helper()

	client := &http.Client{Timeout: 2 * time.Second}
	waitFor(t, "GET "+url+" responds "+strconv.Itoa(status), func() (bool, string) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()

		return status == 0 || resp.StatusCode == status, resp.Status
	})
}

// waitFor polls cond every 250 ms until it holds or scrapeWait passes.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()

	deadline := time.Now().Add(scrapeWait)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s; last state: %s", scrapeWait, what, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// postEnrollments posts count enrollment webhooks, each for another
// employee, and requires 202 for every one.
func postEnrollments(t *testing.T, url, token string, count int) {
	t.Helper()

	client := &http.Client{Timeout: 15 * time.Second}
	for i := 1; i <= count; i++ {
		body := fmt.Sprintf(`{"eventId": "scrape-%d", "eventType": "course.enrolled", "employeeId": "EMP%05d", "courseId": "LMS-SCRAPE-101", "enrolledAt": "2025-01-02T09:00:00Z"}`, i, i)
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")

		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("post webhook %d: %v", i, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("webhook %d answered %s, want 202 Accepted", i, resp.Status)
		}
	}
}

// prometheusServer is a Prometheus server the test started.
type prometheusServer struct {
	addr string
}

// startPrometheus writes a configuration that scrapes ingest and worker
// every second, with the alert rules of this folder, and starts
// Prometheus on a free loopback port with its storage in a temporary folder.
func startPrometheus(t *testing.T, path, ingestAddr, workerAddr string) *prometheusServer {
	t.Helper()

	rules, err := filepath.Abs("prometheus/arenasync.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: arenasync-ingest
    static_configs:
      - targets: [%q]
  - job_name: arenasync-worker
    static_configs:
      - targets: [%q]
`, rules, ingestAddr, workerAddr)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	addr := testenv.FreeAddr(t)
	startProcess(t, "prometheus", path, nil,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	waitHTTP(t, "http://"+addr+"/-/ready", http.StatusOK)

	return &prometheusServer{addr: addr}
}

// queryResult is an instant vector from the query API.
type queryResult []struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// value returns the sample value of element i.
func (r queryResult) value(i int) float64 {
	s, _ := r[i].Value[1].(string)
	v, _ := strconv.ParseFloat(s, 64)

	return v
}

// single returns the value of a one-element result, -1 otherwise.
func (r queryResult) single() float64 {
	if len(r) != 1 {
		return -1
	}

	return r.value(0)
}

// byLabel returns the values by one label's value.
func (r queryResult) byLabel(label string) map[string]float64 {
	out := make(map[string]float64, len(r))
	for i, sample := range r {
		out[sample.Metric[label]] = r.value(i)
	}

	return out
}

// query runs an instant query.
func (p *prometheusServer) query(t *testing.T, expr string) queryResult {
	t.Helper()

	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string      `json:"resultType"`
			Result     queryResult `json:"result"`
		} `json:"data"`
	}
	p.get(t, "/api/v1/query?query="+url.QueryEscape(expr), &body)
	if body.Status != "success" || body.Data.ResultType != "vector" {
		t.Fatalf("query %s: status %s, type %s, error %s", expr, body.Status, body.Data.ResultType, body.Error)
	}

	return body.Data.Result
}

// get decodes the JSON response of an API path.
func (p *prometheusServer) get(t *testing.T, path string, into any) {
	t.Helper()

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
}

// checkScrapedNamesInCatalog fails for an arenasync_ series that a real
// process exports but the catalogue does not list for its role, which
// happens when cmd/arenasync registers a metric that the catalogue set-up
// in catalog_test.go does not build.
func checkScrapedNamesInCatalog(t *testing.T, prom *prometheusServer, catalog []metricscatalog.Metric) {
	t.Helper()

	roles := make(map[string][]string)
	for _, m := range catalog {
		roles[m.Name] = m.Roles
	}

	result := prom.query(t, `count by (__name__, job) ({__name__=~"arenasync_.+"})`)
	if len(result) == 0 {
		t.Fatal("prometheus holds no arenasync_ series")
	}
	for _, sample := range result {
		name, job := sample.Metric["__name__"], sample.Metric["job"]
		role := strings.TrimPrefix(job, "arenasync-")
		family := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && roles[base] != nil {
				family = base
			}
		}
		if !slices.Contains(roles[family], role) {
			t.Errorf("%s exports %s, which the metric catalogue does not list for %s (listed for %v); update buildCatalog in catalog_test.go", job, name, role, roles[family])
		}
	}
}

// checkRulesHealthy fails for an alert or recording rule whose last
// evaluation on the real series returned an error.
func checkRulesHealthy(t *testing.T, prom *prometheusServer) {
	t.Helper()

	var body struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}

	// Every rule is evaluated at least once within two evaluation intervals.
	time.Sleep(2 * time.Second)
	prom.get(t, "/api/v1/rules", &body)

	rules := 0
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			rules++
			if r.Health != "ok" {
				t.Errorf("rule %s in group %s has health %q: %s", r.Name, g.Name, r.Health, r.LastError)
			}
		}
	}
	if rules == 0 {
		t.Error("prometheus loaded no rule")
	}
}
