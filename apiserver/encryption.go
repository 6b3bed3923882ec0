package apiserver

import (
	"fmt"

	"minik8s/apiserver/storage"
	"minik8s/apiserver/storage/encryption"
)

// encryptedStore puts st behind the --encryption-provider-config
// transformers (st itself without a configuration). A configuration error
// stops the apiserver at start.
func (s *Server) encryptedStore(st storage.Interface) (storage.Interface, error) {
	if s.opts.EncryptionProviderConfig == "" {
		return st, nil
	}
	cfg, err := encryption.LoadFile(s.opts.EncryptionProviderConfig)
	if err != nil {
		return nil, fmt.Errorf("--encryption-provider-config: %w", err)
	}
	return encryption.Wrap(st, cfg), nil
}
