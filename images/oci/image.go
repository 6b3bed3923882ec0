package oci

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Media types and annotations of the OCI image spec and containerd.
const (
	MediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayerGz  = "application/vnd.oci.image.layer.v1.tar+gzip"

	// AnnotationRefName is the OCI reference name of a manifest in index.json.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationImageName is the full image name containerd's importer
	// prefers over AnnotationRefName (`ctr images import` names the image
	// after it, with no "import-<date>" prefix).
	AnnotationImageName = "io.containerd.image.name"
)

// Config is the runtime part of an image config (what `docker inspect`
// shows under Config).
type Config struct {
	User         string
	Env          []string
	Entrypoint   []string
	Cmd          []string
	WorkingDir   string
	ExposedPorts []string // "8080/tcp"
	Labels       map[string]string
}

// Image is one single-layer image to write.
type Image struct {
	// Name is the full reference, e.g. "docker.io/minik8s/pause:3.9".
	Name   string
	OS     string // default "linux"
	Arch   string // default "amd64"
	Files  []File
	Config Config
}

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *Platform         `json:"platform,omitempty"`
}

// Platform names an OS and architecture.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type imageConfig struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
}

type configFile struct {
	Created      string      `json:"created"`
	Architecture string      `json:"architecture"`
	OS           string      `json:"os"`
	Config       imageConfig `json:"config"`
	RootFS       struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []history `json:"history"`
}

type history struct {
	Created   string `json:"created"`
	CreatedBy string `json:"created_by"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []Descriptor `json:"manifests"`
}

// Blob is one content-addressed blob of a built image.
type Blob struct {
	Digest string
	Data   []byte
}

// Built is an image ready to be written: its blobs (layer, config,
// manifest), the index.json and the manifest's descriptor (whose digest is
// what `ctr images ls` shows).
type Built struct {
	Name     string
	Manifest Descriptor
	Index    []byte
	Blobs    []Blob
}

// Tag returns the tag of a reference ("3.9" for "docker.io/minik8s/pause:3.9",
// "latest" when there is none).
func Tag(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return "latest"
}

// Build computes every blob of img. It is pure: same image, same digests.
func Build(img Image) (Built, error) {
	if img.Name == "" {
		return Built{}, fmt.Errorf("image has no name")
	}
	if img.OS == "" {
		img.OS = "linux"
	}
	if img.Arch == "" {
		img.Arch = "amd64"
	}
	layer, err := NewLayer(img.Files)
	if err != nil {
		return Built{}, fmt.Errorf("layer of %s: %w", img.Name, err)
	}

	cf := configFile{
		Created:      epoch.Format("2006-01-02T15:04:05Z"),
		Architecture: img.Arch,
		OS:           img.OS,
		Config: imageConfig{
			User:       img.Config.User,
			Env:        img.Config.Env,
			Entrypoint: img.Config.Entrypoint,
			Cmd:        img.Config.Cmd,
			WorkingDir: img.Config.WorkingDir,
			Labels:     img.Config.Labels,
		},
		History: []history{{Created: epoch.Format("2006-01-02T15:04:05Z"), CreatedBy: "minik8s images/build"}},
	}
	if len(img.Config.ExposedPorts) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		ports := append([]string(nil), img.Config.ExposedPorts...)
		sort.Strings(ports)
		for _, p := range ports {
			cf.Config.ExposedPorts[p] = struct{}{}
		}
	}
	cf.RootFS.Type = "layers"
	cf.RootFS.DiffIDs = []string{layer.DiffID}
	cfgJSON, err := json.Marshal(cf) // map keys are sorted: deterministic
	if err != nil {
		return Built{}, fmt.Errorf("config of %s: %w", img.Name, err)
	}

	m := manifest{
		SchemaVersion: 2,
		MediaType:     MediaTypeManifest,
		Config:        Descriptor{MediaType: MediaTypeConfig, Digest: Digest(cfgJSON), Size: int64(len(cfgJSON))},
		Layers:        []Descriptor{{MediaType: MediaTypeLayerGz, Digest: layer.Digest, Size: int64(len(layer.Blob))}},
	}
	manJSON, err := json.Marshal(m)
	if err != nil {
		return Built{}, fmt.Errorf("manifest of %s: %w", img.Name, err)
	}
	manDesc := Descriptor{
		MediaType: MediaTypeManifest,
		Digest:    Digest(manJSON),
		Size:      int64(len(manJSON)),
		Annotations: map[string]string{
			AnnotationImageName: img.Name,
			AnnotationRefName:   Tag(img.Name),
		},
		Platform: &Platform{Architecture: img.Arch, OS: img.OS},
	}
	idxJSON, err := json.Marshal(index{SchemaVersion: 2, MediaType: MediaTypeIndex, Manifests: []Descriptor{manDesc}})
	if err != nil {
		return Built{}, fmt.Errorf("index of %s: %w", img.Name, err)
	}
	return Built{
		Name:     img.Name,
		Manifest: manDesc,
		Index:    idxJSON,
		Blobs: []Blob{
			{Digest: layer.Digest, Data: layer.Blob},
			{Digest: m.Config.Digest, Data: cfgJSON},
			{Digest: manDesc.Digest, Data: manJSON},
		},
	}, nil
}
