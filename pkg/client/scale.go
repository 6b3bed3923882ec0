package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"minik8s/pkg/api"
)

// GetScale reads the scale subresource (an autoscaling/v1 Scale) of the
// named object of info: deployments, replicasets, replicationcontrollers.
func (c *Client) GetScale(ctx context.Context, info *api.ResourceInfo, ns, name string) (*api.Scale, error) {
	data, err := c.do(ctx, http.MethodGet, info.Path(ns, name)+"/scale", nil, nil, nil)
	if err != nil {
		return nil, err
	}
	return decodeScale(data)
}

// UpdateScale writes s.spec.replicas through the scale subresource; a set
// s.metadata.resourceVersion must be current.
func (c *Client) UpdateScale(ctx context.Context, info *api.ResourceInfo, ns string, s *api.Scale) (*api.Scale, error) {
	s.APIVersion, s.Kind = "autoscaling/v1", "Scale"
	body, err := encode(s)
	if err != nil {
		return nil, err
	}
	data, err := c.do(ctx, http.MethodPut, info.Path(ns, s.Name)+"/scale", nil, body, nil)
	if err != nil {
		return nil, err
	}
	return decodeScale(data)
}

func decodeScale(data []byte) (*api.Scale, error) {
	var s api.Scale
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode Scale: %w", err)
	}
	return &s, nil
}
