// Command render renders a Helm chart the way `helm template` does, for
// machines where helm itself cannot be installed. It uses the same engine
// helm uses (Go text/template with sprig), the same value semantics (YAML
// read through JSON, so numbers are float64; deep merge where a null
// deletes a key) and the same helm-only functions (include, tpl, required,
// toYaml, fromYaml, toJson, fromJson). It supports what this repository's
// charts use: no subcharts, hooks, lookup or Files.
//
//	render [-f values.yaml]... [--set a.b=c]... [--name R] [--namespace N]
//	       [--strict] [--values-only] CHART_DIR
//
// Output: the rendered manifests as one YAML stream with `# Source:`
// comments (like helm template), or with --values-only the merged values as
// JSON (for schema validation by the caller).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// fromYAMLBytes reads YAML the way sigs.k8s.io/yaml does (helm's reader):
// through JSON, so maps have string keys and numbers are float64.
func fromYAMLBytes(data []byte) (interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	j, err := json.Marshal(jsonable(raw))
	if err != nil {
		return nil, err
	}
	var out interface{}
	if err := json.Unmarshal(j, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// jsonable converts yaml.v2's map[interface{}]interface{} into JSON-able maps.
func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = jsonable(val)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = jsonable(t[i])
		}
		return t
	default:
		return v
	}
}

// toYAML is helm's toYaml: JSON first (sorted keys), then YAML (yaml.v2 style).
func toYAML(v interface{}) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	// As sigs.k8s.io/yaml's JSONToYAML: JSON read back as YAML, so 1000000
	// stays an integer and keys come out sorted.
	var generic interface{}
	if err := yaml.Unmarshal(j, &generic); err != nil {
		return "", err
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// mergeValues deep-merges src into dst; a null in src deletes the key (helm).
func mergeValues(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// setValue applies one --set a.b.c=value (scalars only, like helm's common use).
func setValue(values map[string]interface{}, expr string) error {
	eq := strings.Index(expr, "=")
	if eq <= 0 {
		return fmt.Errorf("--set %q: expected key=value", expr)
	}
	keys := strings.Split(expr[:eq], ".")
	raw := expr[eq+1:]
	var value interface{} = raw
	switch {
	case raw == "true":
		value = true
	case raw == "false":
		value = false
	case raw == "null":
		value = nil
	default:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			value = n
		}
	}
	m := values
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	last := keys[len(keys)-1]
	if value == nil {
		delete(m, last)
	} else {
		m[last] = value
	}
	return nil
}

type apiVersions []string

// Has is .Capabilities.APIVersions.Has.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func readChart(dir string) (map[string]interface{}, error) {
	data, err := ioutil.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	parsed, err := fromYAMLBytes(data)
	if err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	raw, ok := parsed.(map[string]interface{})
	if !ok {
		return nil, errors.New("Chart.yaml: not a mapping")
	}
	if raw["apiVersion"] != "v2" {
		return nil, errors.New("Chart.yaml: apiVersion must be v2")
	}
	if deps, ok := raw["dependencies"].([]interface{}); ok && len(deps) > 0 {
		return nil, errors.New("Chart.yaml: dependencies (subcharts) are not supported by this renderer")
	}
	// .Chart fields are capitalised, as helm exposes its Metadata struct.
	chart := map[string]interface{}{}
	for k, v := range raw {
		key := strings.ToUpper(k[:1]) + k[1:]
		if k == "apiVersion" {
			key = "APIVersion"
		}
		chart[key] = v
	}
	for _, required := range []string{"Name", "Version"} {
		if s, _ := chart[required].(string); s == "" {
			return nil, fmt.Errorf("Chart.yaml: %s is required", strings.ToLower(required))
		}
	}
	return chart, nil
}

func run() error {
	var valueFiles, sets multiFlag
	name := flag.String("name", "novahost", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.31.0", "Capabilities.KubeVersion")
	valuesOnly := flag.Bool("values-only", false, "print the merged values as JSON")
	strict := flag.Bool("strict", false, "fail on a missing map key, as helm lint --strict does")
	flag.Var(&valueFiles, "f", "values file (repeatable)")
	flag.Var(&sets, "set", "key=value (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		return errors.New("usage: render [-f values.yaml]... [--set k=v]... CHART_DIR")
	}
	dir := flag.Arg(0)
	chart, err := readChart(dir)
	if err != nil {
		return err
	}
	chartName := chart["Name"].(string)

	values := map[string]interface{}{}
	for _, file := range append([]string{filepath.Join(dir, "values.yaml")}, valueFiles...) {
		data, err := ioutil.ReadFile(file)
		if err != nil {
			return err
		}
		parsed, err := fromYAMLBytes(data)
		if err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		if parsed == nil {
			continue
		}
		m, ok := parsed.(map[string]interface{})
		if !ok {
			return fmt.Errorf("%s: values must be a mapping", file)
		}
		values = mergeValues(values, m)
	}
	for _, s := range sets {
		if err := setValue(values, s); err != nil {
			return err
		}
	}
	if *valuesOnly {
		out, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}

	// Every file under templates/ joins one template set, named as helm
	// names them (<chart>/templates/<file>), so include works across files.
	var files []string
	err = filepath.Walk(filepath.Join(dir, "templates"), func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)

	root := template.New(chartName)
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includedNames := map[string]int{}
	funcs["include"] = func(n string, data interface{}) (string, error) {
		if includedNames[n] > 100 {
			return "", fmt.Errorf("include %q: too deep (recursion)", n)
		}
		includedNames[n]++
		defer func() { includedNames[n]-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, n, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.Replace(buf.String(), "<no value>", "", -1), nil
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["toYaml"] = func(v interface{}) string {
		s, err := toYAML(v)
		if err != nil {
			return ""
		}
		return s
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		parsed, err := fromYAMLBytes([]byte(s))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		m, _ := parsed.(map[string]interface{})
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		j, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(j)
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // helm template (no cluster) returns empty
	}
	if *strict {
		root.Funcs(funcs).Option("missingkey=error")
	} else {
		root.Funcs(funcs).Option("missingkey=zero")
	}

	names := make([]string, 0, len(files))
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		n := path.Join(chartName, filepath.ToSlash(rel))
		data, err := ioutil.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := root.New(n).Parse(string(data)); err != nil {
			return err
		}
		names = append(names, n)
	}

	release := map[string]interface{}{
		"Name": *name, "Namespace": *namespace, "Service": "Helm",
		"IsInstall": true, "IsUpgrade": false, "Revision": 1,
	}
	major, minor := "1", "31"
	if parts := strings.Split(strings.TrimPrefix(*kubeVersion, "v"), "."); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	capabilities := map[string]interface{}{
		"KubeVersion": map[string]interface{}{
			"Version": *kubeVersion, "GitVersion": *kubeVersion, "Major": major, "Minor": minor,
		},
		"APIVersions": apiVersions{
			"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2",
			"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
			"cert-manager.io/v1", "argoproj.io/v1alpha1",
		},
	}

	var docs []manifest
	for _, n := range names {
		base := path.Base(n)
		if strings.HasPrefix(base, "_") || strings.EqualFold(base, "NOTES.txt") {
			continue
		}
		data := map[string]interface{}{
			"Values": values, "Release": release, "Chart": chart,
			"Capabilities": capabilities,
			"Template":     map[string]interface{}{"Name": n, "BasePath": path.Join(chartName, "templates")},
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, n, data); err != nil {
			return err
		}
		text := strings.Replace(buf.String(), "<no value>", "", -1)
		if strings.TrimSpace(text) == "" {
			continue
		}
		docs = append(docs, splitManifests(n, text)...)
	}
	// helm template prints objects in install order (Namespaces first, ...).
	sort.SliceStable(docs, func(i, j int) bool { return kindRank(docs[i].kind) < kindRank(docs[j].kind) })
	var out strings.Builder
	for _, d := range docs {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", d.source, d.text)
	}
	fmt.Print(out.String())
	return nil
}

type manifest struct{ source, kind, text string }

var kindLine = regexp.MustCompile(`(?m)^kind:\s*(\S+)`)

// splitManifests splits one template's output into its YAML documents.
func splitManifests(source, text string) []manifest {
	var out []manifest
	for _, part := range regexp.MustCompile(`(?m)^---\s*$`).Split(text, -1) {
		body := strings.Trim(part, "\n")
		if strings.TrimSpace(body) == "" {
			continue
		}
		kind := ""
		if m := kindLine.FindStringSubmatch(body); m != nil {
			kind = m[1]
		}
		out = append(out, manifest{source, kind, body})
	}
	return out
}

// installOrder is helm's releaseutil.InstallOrder.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret",
	"SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
	"PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
	"RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
	"StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		os.Exit(1)
	}
}
