// Package deploy contains the deployment files of arenasync: the container
// image, the Prometheus configuration and alert rules, the Grafana
// dashboard and the Kubernetes manifests. Its tests keep them consistent
// with the code. Every dashboard and alert query must name an exported
// metric, the rules must pass promtool and their unit tests, and the
// manifests must pass a schema validator. docker-compose.yml must load
// with the Compose specification's schema, and a real Prometheus server
// scrapes a running ingest and worker.
package deploy
