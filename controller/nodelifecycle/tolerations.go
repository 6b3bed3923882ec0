package nodelifecycle

import (
	"time"

	"minik8s/pkg/api"
)

// matchingTolerations is Kubernetes' GetMatchingTolerations: whether every
// taint is tolerated, and for each taint the first toleration that does.
func matchingTolerations(taints []api.Taint, tolerations []api.Toleration) (bool, []api.Toleration) {
	if len(taints) == 0 {
		return true, nil
	}
	if len(tolerations) == 0 {
		return false, nil
	}
	var used []api.Toleration
	for i := range taints {
		tolerated := false
		for j := range tolerations {
			if tolerations[j].ToleratesTaint(&taints[i]) {
				used = append(used, tolerations[j])
				tolerated = true
				break
			}
		}
		if !tolerated {
			return false, nil
		}
	}
	return true, used
}

// minTolerationTime is the shortest tolerationSeconds of used: 0 if one is
// zero or negative (evict now), -1 if none is set (tolerate forever).
func minTolerationTime(used []api.Toleration) time.Duration {
	if len(used) == 0 {
		return 0
	}
	least := int64(-1)
	for _, t := range used {
		if t.TolerationSeconds == nil {
			continue
		}
		s := *t.TolerationSeconds
		if s <= 0 {
			return 0
		}
		if least < 0 || s < least {
			least = s
		}
	}
	if least < 0 {
		return -1
	}
	return api.Seconds(least)
}
