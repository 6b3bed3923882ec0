package containerd

// Images: normalizing references, pulling through containerd (with an optional mirror), unpacking.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/distribution/reference"

	"minik8s/kubelet/runtime"
)

// NormalizeImage returns the full reference containerd stores an image under
// ("busybox" -> "docker.io/library/busybox:latest").
func NormalizeImage(image string) (string, error) {
	named, err := reference.ParseDockerRef(image)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", image, err)
	}
	return named.String(), nil
}

// ErrImageNeverPull is returned by EnsureImage for a missing image under PullNever.
var ErrImageNeverPull = errors.New("image not present and pull policy is Never")

// EnsureImage implements runtime.Runtime.
func (r *Runtime) EnsureImage(ctx context.Context, image string, policy runtime.PullPolicy) (string, error) {
	name, err := NormalizeImage(image)
	if err != nil {
		return "", err
	}
	img, err := r.client.GetImage(ctx, name)
	switch {
	case err == nil && policy != runtime.PullAlways:
		if err := r.ensureUnpacked(ctx, img); err != nil {
			return "", err
		}
		return name + "@" + img.Target().Digest.String(), nil
	case err != nil && !errdefs.IsNotFound(err):
		return "", fmt.Errorf("look up image %s: %w", name, err)
	case err != nil && policy == runtime.PullNever:
		return "", fmt.Errorf("%s: %w", name, ErrImageNeverPull)
	}
	img, err = r.client.Pull(ctx, name, containerd.WithPullUnpack, containerd.WithResolver(docker.NewResolver(r.resolver())))
	if err != nil {
		return "", fmt.Errorf("pull image %s: %w", name, err)
	}
	return name + "@" + img.Target().Digest.String(), nil
}

func (r *Runtime) ensureUnpacked(ctx context.Context, img containerd.Image) error {
	ok, err := img.IsUnpacked(ctx, containerd.DefaultSnapshotter)
	if err != nil {
		return fmt.Errorf("image %s: %w", img.Name(), err)
	}
	if !ok {
		if err := img.Unpack(ctx, containerd.DefaultSnapshotter); err != nil {
			return fmt.Errorf("unpack image %s: %w", img.Name(), err)
		}
	}
	return nil
}

// resolver pulls from the registry mirror (for docker.io) when one is set.
func (r *Runtime) resolver() docker.ResolverOptions {
	defaults := docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(docker.MatchLocalhost))
	hosts := defaults
	if r.opts.Registry != "" {
		if u, err := url.Parse(r.opts.Registry); err == nil && u.Host != "" {
			hosts = func(host string) ([]docker.RegistryHost, error) {
				def, err := defaults(host)
				if err != nil || host != "docker.io" {
					return def, err
				}
				mirror := docker.RegistryHost{
					Client: http.DefaultClient, Host: u.Host, Scheme: u.Scheme, Path: "/v2",
					Capabilities: docker.HostCapabilityPull | docker.HostCapabilityResolve,
				}
				return append([]docker.RegistryHost{mirror}, def...), nil
			}
		}
	}
	return docker.ResolverOptions{Hosts: hosts}
}

func (r *Runtime) image(ctx context.Context, image string) (containerd.Image, error) {
	name, err := NormalizeImage(image)
	if err != nil {
		return nil, err
	}
	img, err := r.client.GetImage(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	return img, nil
}
