package apiserver

import (
	"encoding/json"

	"minik8s/pkg/api"
)

// Tables of the resource metrics API, as metrics-server prints them for
// `kubectl get nodes.metrics.k8s.io` / `pods.metrics.k8s.io`: NAME, the
// usage of each resource (a pod's summed over its containers) and WINDOW.

func metricsTable(names []string, usages []api.ResourceList, windows []api.Duration, objs []any) api.Table {
	t := api.Table{TypeMeta: api.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"}, ColumnDefinitions: []api.TableColumnDefinition{}, Rows: []api.TableRow{}}
	if len(names) == 0 {
		return t
	}
	t.ColumnDefinitions = []api.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the resource"},
		{Name: "cpu", Type: "string", Format: "quantity"},
		{Name: "memory", Type: "string", Format: "quantity"},
		{Name: "Window", Type: "string", Format: "duration"},
	}
	for i, name := range names {
		cpu, mem := usages[i]["cpu"], usages[i]["memory"]
		b, _ := json.Marshal(objs[i])
		t.Rows = append(t.Rows, api.TableRow{Cells: []any{name, cpu.String(), mem.String(), windows[i].Duration.String()}, Object: b})
	}
	return t
}

func nodeMetricsTable(items []api.NodeMetrics) api.Table {
	var names []string
	var usages []api.ResourceList
	var windows []api.Duration
	var objs []any
	for i := range items {
		names = append(names, items[i].Name)
		usages = append(usages, items[i].Usage)
		windows = append(windows, items[i].Window)
		objs = append(objs, &items[i])
	}
	return metricsTable(names, usages, windows, objs)
}

func podMetricsTable(items []api.PodMetrics) api.Table {
	var names []string
	var usages []api.ResourceList
	var windows []api.Duration
	var objs []any
	for i := range items {
		sum := api.ResourceList{}
		for _, c := range items[i].Containers {
			for k, v := range c.Usage {
				q := sum[k]
				q.Add(v)
				sum[k] = q
			}
		}
		names = append(names, items[i].Name)
		usages = append(usages, sum)
		windows = append(windows, items[i].Window)
		objs = append(objs, &items[i])
	}
	return metricsTable(names, usages, windows, objs)
}
