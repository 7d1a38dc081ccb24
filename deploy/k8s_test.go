package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// k8sDir holds the Kubernetes manifests, relative to this folder.
const k8sDir = "k8s"

// k8sObject is the part of a Kubernetes object the structural checks read.
// kubernetes-validate checks the full schema.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas     *int             `yaml:"replicas"`
		MinAvailable *int             `yaml:"minAvailable"`
		Selector     k8sSelector      `yaml:"selector"`
		Template     k8sPodTemplate   `yaml:"template"`
		Ports        []k8sServicePort `yaml:"ports"`
	} `yaml:"spec"`

	file string
}

type k8sSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
	// A Service's selector is a plain map; it lands here through UnmarshalYAML.
	plain map[string]string
}

// UnmarshalYAML reads both selector forms: {matchLabels: ...} of
// Deployments and PodDisruptionBudgets, and the plain map of Services.
func (s *k8sSelector) UnmarshalYAML(node *yaml.Node) error {
	var withMatch struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	if err := node.Decode(&withMatch); err == nil && withMatch.MatchLabels != nil {
		s.MatchLabels = withMatch.MatchLabels

		return nil
	}

	return node.Decode(&s.plain)
}

// labels returns the selected labels, whichever form the selector has.
func (s k8sSelector) labels() map[string]string {
	if s.MatchLabels != nil {
		return s.MatchLabels
	}

	return s.plain
}

type k8sPodTemplate struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		Containers []k8sContainer `yaml:"containers"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Name    string   `yaml:"name"`
	Args    []string `yaml:"args"`
	Command []string `yaml:"command"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
	} `yaml:"resources"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type k8sServicePort struct {
	Port       int `yaml:"port"`
	TargetPort any `yaml:"targetPort"`
}

// secretName is the Secret the manifests read; README.md shows how to create it.
const secretName = "arenasync-secrets"

// manifestFiles returns the manifest files, without kustomization.yaml.
func manifestFiles(t *testing.T) []string {
	t.Helper()

	files := globFiles(t, filepath.Join(k8sDir, "*.yaml"))

	return slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == "kustomization.yaml" })
}

// readObjects decodes every object of every manifest file.
func readObjects(t *testing.T) []k8sObject {
	t.Helper()

	var out []k8sObject
	for _, file := range manifestFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var obj k8sObject
			err := dec.Decode(&obj)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			obj.file = file
			out = append(out, obj)
		}
	}

	return out
}

// TestKubernetesSchemas validates every manifest against the Kubernetes
// JSON schemas with kubernetes-validate in strict mode, which also rejects
// fields the schema does not define.
func TestKubernetesSchemas(t *testing.T) {
	tool := requireTool(t, "kubernetes-validate", "ARENASYNC_TEST_KUBERNETES_VALIDATE", "pip install kubernetes-validate")
	files := manifestFiles(t)

	out := runTool(t, "", tool, append([]string{"--strict", "--kubernetes-version", "1.33.0"}, files...)...)
	passed := strings.Count(out, " passed for resource ")
	if want := len(readObjects(t)); passed != want {
		t.Errorf("kubernetes-validate passed %d resources, want %d:\n%s", passed, want, out)
	}
}

func TestKustomizationListsManifests(t *testing.T) {
	var k struct {
		Resources []string `yaml:"resources"`
	}
	readYAML(t, filepath.Join(k8sDir, "kustomization.yaml"), &k)

	var want []string
	for _, f := range manifestFiles(t) {
		want = append(want, filepath.Base(f))
	}
	got := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("kustomization.yaml lists %v, want every manifest %v", got, want)
	}
}

// TestKubernetesNoSecretValues allows Secret references only.
func TestKubernetesNoSecretValues(t *testing.T) {
	for _, obj := range readObjects(t) {
		if obj.Kind == "Secret" {
			t.Errorf("%s defines Secret %s; reference secrets, never store their values here", obj.file, obj.Metadata.Name)
		}
		for _, c := range obj.Spec.Template.Spec.Containers {
			for _, env := range c.Env {
				if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && env.ValueFrom.SecretKeyRef.Name != secretName {
					t.Errorf("%s container %s: %s reads Secret %s, want %s", obj.file, c.Name, env.Name, env.ValueFrom.SecretKeyRef.Name, secretName)
				}
				if env.ValueFrom == nil && isSecretVariable(env.Name) {
					t.Errorf("%s container %s: %s has a literal value; read it from Secret %s", obj.file, c.Name, env.Name, secretName)
				}
			}
		}
		for key := range obj.Data {
			if isSecretVariable(key) {
				t.Errorf("%s ConfigMap %s holds %s; read it from Secret %s", obj.file, obj.Metadata.Name, key, secretName)
			}
		}
	}
}

// isSecretVariable reports whether a variable sets a secret flag.
func isSecretVariable(name string) bool {
	for _, word := range []string{"SECRET", "TOKEN", "PASSWORD", "WEBHOOK_URL"} {
		if strings.Contains(name, word) {
			return true
		}
	}

	return false
}

// TestKubernetesWorkloads checks what the schema cannot: each container
// runs an existing arenasync command with existing flags and variables,
// Deployments probe /healthz and /readyz on a declared port that the role
// listens on, and every container requests CPU and memory.
func TestKubernetesWorkloads(t *testing.T) {
	objects := readObjects(t)
	configMaps := make(map[string]map[string]string)
	for _, obj := range objects {
		if obj.Kind == "ConfigMap" {
			configMaps[obj.Metadata.Name] = obj.Data
		}
	}

	roles := make(map[string]bool)
	// readers lists the commands that read each ConfigMap.
	readers := make(map[string][][]string)
	for _, obj := range objects {
		for _, c := range obj.Spec.Template.Spec.Containers {
			where := fmt.Sprintf("%s %s/%s", obj.file, obj.Kind, obj.Metadata.Name)
			path := checkArgs(t, where, c.Args)
			roles[strings.Join(path, " ")] = true

			env := containerEnv(t, where, c, configMaps)
			for _, e := range c.Env {
				checkEnv(t, where, path, e.Name)
			}
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef != nil {
					readers[from.ConfigMapRef.Name] = append(readers[from.ConfigMapRef.Name], path)
				}
			}

			if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" {
				t.Errorf("%s: container %s requests cpu %q and memory %q; set both", where, c.Name, c.Resources.Requests["cpu"], c.Resources.Requests["memory"])
			}

			if obj.Kind == "Deployment" {
				checkProbes(t, where, c, listenPort(t, where, path, env))
			}
		}
	}

	for _, role := range []string{"ingest", "worker", "reconciler"} {
		if !roles[role] {
			t.Errorf("no Deployment runs arenasync %s", role)
		}
	}

	// A shared ConfigMap contains the settings of several roles, and each
	// role ignores the variables of the others. So every key must set a
	// flag of at least one role that reads the ConfigMap.
	for name, data := range configMaps {
		for key := range data {
			if !setsFlagOfAny(t, key, readers[name]) {
				t.Errorf("ConfigMap %s: %s sets no flag of any command that reads it (%v)", name, key, readers[name])
			}
		}
	}
}

// setsFlagOfAny reports whether variable sets a flag of one of the commands.
func setsFlagOfAny(t *testing.T, variable string, commands [][]string) bool {
	t.Helper()

	flag, ok := envFlag(variable)
	if !ok {
		return false
	}
	for _, path := range commands {
		if commandFlags(t, path...)[flag] {
			return true
		}
	}

	return false
}

// containerEnv returns the variables a container gets: its ConfigMaps'
// keys, then its own env entries, which win.
func containerEnv(t *testing.T, where string, c k8sContainer, configMaps map[string]map[string]string) map[string]string {
	t.Helper()

	env := make(map[string]string)
	for _, from := range c.EnvFrom {
		if from.SecretRef != nil {
			t.Errorf("%s: container %s imports every key of Secret %s; name each variable with secretKeyRef", where, c.Name, from.SecretRef.Name)
		}
		if from.ConfigMapRef == nil {
			continue
		}
		data, ok := configMaps[from.ConfigMapRef.Name]
		if !ok {
			t.Errorf("%s: container %s reads ConfigMap %s, which no manifest defines", where, c.Name, from.ConfigMapRef.Name)
		}
		maps.Copy(env, data)
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}

	return env
}

// listenPort returns the port a role's /healthz, /readyz and /metrics
// listen on, from its address variable.
func listenPort(t *testing.T, where string, path []string, env map[string]string) string {
	t.Helper()

	variable := "ARENASYNC_OPS_ADDR"
	if slices.Equal(path, []string{"ingest"}) {
		variable = "ARENASYNC_ADDR"
	}
	addr, ok := env[variable]
	if !ok {
		t.Errorf("%s: %s is not set, so the probes rely on the flag default; set it", where, variable)

		return ""
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%s: %s=%q is not host:port: %v", where, variable, addr, err)
	}

	return port
}

// checkProbes checks the liveness probe on /healthz and the readiness
// probe on /readyz, both on the container port the role listens on.
func checkProbes(t *testing.T, where string, c k8sContainer, port string) {
	t.Helper()

	probes := []struct {
		kind  string
		probe *k8sProbe
		path  string
	}{
		{kind: "liveness", probe: c.LivenessProbe, path: "/healthz"},
		{kind: "readiness", probe: c.ReadinessProbe, path: "/readyz"},
	}
	for _, p := range probes {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s: container %s has no HTTP %s probe", where, c.Name, p.kind)

			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s: %s probe path %q, want %s", where, p.kind, p.probe.HTTPGet.Path, p.path)
		}
		if got := containerPort(c, p.probe.HTTPGet.Port); got != port {
			t.Errorf("%s: %s probe port %v is container port %q, want the role's listen port %q", where, p.kind, p.probe.HTTPGet.Port, got, port)
		}
	}
}

// containerPort resolves a port number or port name of a container.
func containerPort(c k8sContainer, port any) string {
	switch v := port.(type) {
	case int:
		return fmt.Sprint(v)
	case string:
		for _, p := range c.Ports {
			if p.Name == v {
				return fmt.Sprint(p.ContainerPort)
			}
		}
	}

	return ""
}

// TestKubernetesSelectors checks that the Service and the
// PodDisruptionBudgets select the pods of a Deployment.
func TestKubernetesSelectors(t *testing.T) {
	objects := readObjects(t)
	var deployments []k8sObject
	for _, obj := range objects {
		if obj.Kind == "Deployment" {
			deployments = append(deployments, obj)
			if !selects(obj.Spec.Selector.labels(), obj.Spec.Template.Metadata.Labels) {
				t.Errorf("Deployment %s: selector %v does not match its pod labels %v", obj.Metadata.Name, obj.Spec.Selector.labels(), obj.Spec.Template.Metadata.Labels)
			}
		}
	}

	found := map[string]bool{}
	for _, obj := range objects {
		if obj.Kind != "Service" && obj.Kind != "PodDisruptionBudget" {
			continue
		}
		found[obj.Kind] = true

		idx := slices.IndexFunc(deployments, func(d k8sObject) bool {
			return selects(obj.Spec.Selector.labels(), d.Spec.Template.Metadata.Labels)
		})
		if idx < 0 {
			t.Errorf("%s %s selects %v, which matches no Deployment's pods", obj.Kind, obj.Metadata.Name, obj.Spec.Selector.labels())

			continue
		}
		target := deployments[idx]

		if obj.Kind == "PodDisruptionBudget" && (obj.Spec.MinAvailable == nil || target.Spec.Replicas == nil || *obj.Spec.MinAvailable >= *target.Spec.Replicas) {
			t.Errorf("PodDisruptionBudget %s: minAvailable must be below the %d replicas of %s, or no pod can ever be evicted", obj.Metadata.Name, deref(target.Spec.Replicas), target.Metadata.Name)
		}
		for _, port := range obj.Spec.Ports {
			if containerPort(target.Spec.Template.Spec.Containers[0], port.TargetPort) == "" {
				t.Errorf("Service %s targetPort %v is no port of %s", obj.Metadata.Name, port.TargetPort, target.Metadata.Name)
			}
		}
	}

	for _, kind := range []string{"Service", "PodDisruptionBudget"} {
		if !found[kind] {
			t.Errorf("the manifests define no %s", kind)
		}
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}

	return true
}

func deref(p *int) int {
	if p == nil {
		return 0
	}

	return *p
}

func TestKubernetesReadmeExplainsScaling(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(k8sDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, phrase := range []string{"partition", secretName, "kubectl create secret"} {
		if !strings.Contains(string(data), phrase) {
			t.Errorf("k8s/README.md does not mention %q", phrase)
		}
	}
}
