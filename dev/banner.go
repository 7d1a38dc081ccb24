package dev

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/arenasync/arenasync/pipeline"
)

// printServing writes where the ingest listens, its token and sample curl
// commands. A token given by the caller is not printed, because it may be a
// real secret.
func printServing(out io.Writer, env environment) {
	token := env.token
	if !env.tokenGenerated {
		token = "<the --ingest-token value>"
	}

	fmt.Fprintf(out, "arenasync dev is serving; stop it with Ctrl-C.\n\n")
	fmt.Fprintf(out, "  webhook URL   %s\n", env.ingest.url)
	fmt.Fprintf(out, "  ingest token  %s\n", token)
	fmt.Fprintf(out, "  metrics       http://%s/metrics\n", env.ingest.addr)
	fmt.Fprintf(out, "  kafka         %s\n", strings.Join(env.brokers, ","))
	fmt.Fprintf(out, "  redis         %s\n", env.redisAddr)
	fmt.Fprintf(out, "  arena         %s\n\n", env.arena.cfg.BaseURL)

	if env.arena.sim != nil {
		fmt.Fprintf(out, "The simulator knows employees EMP00001 to EMP01000 and the courses %s.\n\n", courseIDs())
	}

	now := time.Now().UTC().Truncate(time.Second)
	enrolled := webhook{EventID: "demo-enrolled-1", EventType: string(pipeline.CourseEnrolled), EmployeeID: employeeID(1), CourseID: catalogue[0].id, EnrolledAt: pipeline.FormatUTC(now.Add(-time.Hour))}
	completed := webhook{EventID: "demo-completed-1", EventType: string(pipeline.CourseCompleted), EmployeeID: employeeID(1), CourseID: catalogue[0].id, CompletionDate: pipeline.FormatUTC(now), Status: pipeline.StatusCompleted, Score: 95.0}

	fmt.Fprintf(out, "Enroll, then complete:\n\n")
	fmt.Fprintln(out, curlCommand(env.ingest.url, token, enrolled))
	fmt.Fprintln(out)
	fmt.Fprintln(out, curlCommand(env.ingest.url, token, completed))
	fmt.Fprintln(out)
}

// curlCommand returns a curl command that posts w.
func curlCommand(url, token string, w webhook) string {
	body, _ := json.Marshal(w)

	return fmt.Sprintf("curl -sS -X POST %s \\\n  -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n  -d '%s'", url, token, body)
}

// courseIDs lists the catalogue, marking the courses that need approval.
func courseIDs() string {
	ids := make([]string, 0, len(catalogue))
	for _, c := range catalogue {
		id := c.id
		if c.needsApproval {
			id += " (needs approval)"
		}
		ids = append(ids, id)
	}

	return strings.Join(ids, ", ")
}
