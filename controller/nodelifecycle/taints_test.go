package nodelifecycle

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func taint(key, effect string) api.Taint { return api.Taint{Key: key, Effect: effect} }

func keysOf(ts []api.Taint) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key+":"+t.Effect)
	}
	return out
}

func TestNoScheduleTaintChanges(t *testing.T) {
	ns := api.TaintEffectNoSchedule
	cond := func(typ, status string) api.NodeCondition { return api.NodeCondition{Type: typ, Status: status} }
	tests := []struct {
		name          string
		conds         []api.NodeCondition
		unschedulable bool
		taints        []api.Taint
		wantAdd       []string
		wantDel       []string
	}{
		{"ready node, no taints", []api.NodeCondition{cond(api.NodeReady, "True")}, false, nil, nil, nil},
		{"not ready", []api.NodeCondition{cond(api.NodeReady, "False")}, false, nil,
			[]string{TaintNodeNotReady + ":NoSchedule"}, nil},
		{"unreachable", []api.NodeCondition{cond(api.NodeReady, "Unknown")}, false, nil,
			[]string{TaintNodeUnreachable + ":NoSchedule"}, nil},
		{"not ready becomes unreachable: swap", []api.NodeCondition{cond(api.NodeReady, "Unknown")}, false,
			[]api.Taint{taint(TaintNodeNotReady, ns)},
			[]string{TaintNodeUnreachable + ":NoSchedule"}, []string{TaintNodeNotReady + ":NoSchedule"}},
		{"ready again: removed", []api.NodeCondition{cond(api.NodeReady, "True")}, false,
			[]api.Taint{taint(TaintNodeUnreachable, ns)}, nil, []string{TaintNodeUnreachable + ":NoSchedule"}},
		{"pressure conditions", []api.NodeCondition{cond(api.NodeReady, "True"), cond("MemoryPressure", "True"),
			cond("DiskPressure", "True"), cond("PIDPressure", "True"), cond("NetworkUnavailable", "True")}, false, nil,
			[]string{TaintNodeMemoryPressure + ":NoSchedule", TaintNodeDiskPressure + ":NoSchedule", TaintNodePIDPressure + ":NoSchedule", TaintNodeNetworkUnavail + ":NoSchedule"}, nil},
		{"cordoned", []api.NodeCondition{cond(api.NodeReady, "True")}, true, nil,
			[]string{TaintNodeUnschedulable + ":NoSchedule"}, nil},
		{"uncordoned", []api.NodeCondition{cond(api.NodeReady, "True")}, false,
			[]api.Taint{taint(TaintNodeUnschedulable, ns)}, nil, []string{TaintNodeUnschedulable + ":NoSchedule"}},
		{"user taints and NoExecute taints are not ours to remove", []api.NodeCondition{cond(api.NodeReady, "True")}, false,
			[]api.Taint{taint("dedicated", ns), taint(TaintNodeUnreachable, api.TaintEffectNoExecute)}, nil, nil},
		{"already tainted: nothing to do", []api.NodeCondition{cond(api.NodeReady, "Unknown")}, false,
			[]api.Taint{taint(TaintNodeUnreachable, ns)}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &api.Node{Spec: api.NodeSpec{Unschedulable: tt.unschedulable, Taints: tt.taints}, Status: api.NodeStatus{Conditions: tt.conds}}
			add, del := noScheduleTaintChanges(n)
			if !reflect.DeepEqual(keysOf(add), tt.wantAdd) || !reflect.DeepEqual(keysOf(del), tt.wantDel) {
				t.Errorf("add %v del %v, want add %v del %v", keysOf(add), keysOf(del), tt.wantAdd, tt.wantDel)
			}
		})
	}
}

func TestSwapTaints(t *testing.T) {
	now := at(7)
	in := []api.Taint{taint("user", "NoSchedule"), taint(TaintNodeNotReady, "NoExecute")}
	out, changed := swapTaints(in, []api.Taint{unreachableTaint}, []api.Taint{notReadyTaint}, now)
	if !changed || !reflect.DeepEqual(keysOf(out), []string{"user:NoSchedule", TaintNodeUnreachable + ":NoExecute"}) {
		t.Fatalf("swap: changed %v, %v", changed, keysOf(out))
	}
	if out[1].TimeAdded == nil || !out[1].TimeAdded.Equal(now) {
		t.Errorf("timeAdded of the new taint: %v", out[1].TimeAdded)
	}
	if unreachableTaint.TimeAdded != nil {
		t.Errorf("the template was changed")
	}
	if _, changed := swapTaints(out, []api.Taint{unreachableTaint}, []api.Taint{notReadyTaint}, at(9)); changed {
		t.Errorf("a second identical swap changed something")
	}
	if out2, _ := swapTaints(out, []api.Taint{unreachableTaint}, nil, at(9)); !out2[1].TimeAdded.Equal(now) {
		t.Errorf("an existing taint's timeAdded moved")
	}
}

func TestNoExecuteDecision(t *testing.T) {
	tests := []struct {
		ready  string
		taints []api.Taint
		want   noExecuteAction
	}{
		{api.ConditionTrue, nil, noExecuteMarkReachable},
		{api.ConditionTrue, []api.Taint{unreachableTaint}, noExecuteMarkReachable},
		{api.ConditionFalse, nil, noExecuteMarkForTaint},
		{api.ConditionFalse, []api.Taint{unreachableTaint}, noExecuteToNotReady},
		{api.ConditionFalse, []api.Taint{notReadyTaint}, noExecuteMarkForTaint},
		{api.ConditionUnknown, nil, noExecuteMarkForTaint},
		{api.ConditionUnknown, []api.Taint{notReadyTaint}, noExecuteToUnreachable},
		{api.ConditionUnknown, []api.Taint{taint(TaintNodeNotReady, "NoSchedule")}, noExecuteMarkForTaint},
		{"", nil, noExecuteNone},
	}
	for _, tt := range tests {
		if got := noExecuteDecision(tt.ready, tt.taints); got != tt.want {
			t.Errorf("ready %q taints %v: %v, want %v", tt.ready, keysOf(tt.taints), got, tt.want)
		}
	}
	for _, tt := range []struct {
		ready    string
		add, del api.Taint
		ok       bool
	}{
		{api.ConditionFalse, notReadyTaint, unreachableTaint, true},
		{api.ConditionUnknown, unreachableTaint, notReadyTaint, true},
		{api.ConditionTrue, api.Taint{}, api.Taint{}, false},
	} {
		add, del, ok := noExecuteTaintFor(tt.ready)
		if add != tt.add || del != tt.del || ok != tt.ok {
			t.Errorf("noExecuteTaintFor(%q) = %v %v %v", tt.ready, add, del, ok)
		}
	}
}
